import { expect } from 'chai';
import { collapseRepeats } from '@tcg2sim/ptp';
import { ProtocolError } from '@tcg2sim/tpm2-device-lib';
import { PCR_EXTEND_REPLY, STARTUP, crbRig, pcrExtend } from './harness.ts';

const h8 = (b: number): string => b.toString(16).padStart(2, '0');
const h32 = (v: number): string => v.toString(16).padStart(8, '0');

/** PtpCrbTpmCommand against QEMU 7.2 tpm-crb (docs/edk2-pei.md §3.7 and the §4.2 trace). */
function expectedCrb(command: Uint8Array, reply: Uint8Array): string[] {
  const seq = ['R4 044=00000002', 'W4 040=00000001', 'R4 040=00000000', 'R4 044=00000000'];
  command.forEach((b, i) => seq.push(`W1 ${(0x80 + i).toString(16).padStart(3, "0")}=${h8(b)}`));
  seq.push(
    'W4 060=00000000', `W4 05c=${h32(0xfed40080)}`, 'W4 058=00000f80', `W4 068=${h32(0xfed40080)}`,
    'W4 06c=00000000', 'W4 064=00000f80', 'W4 04c=00000001', 'R4 04c=00000001*', 'R4 04c=00000000'
  );
  reply.forEach((b, i) => seq.push(`R1 ${(0x80 + i).toString(16).padStart(3, "0")}=${h8(b)}`));
  seq.push('W4 040=00000002');
  return collapseRepeats(seq);
}

describe('CrbDriver (PtpCrbTpmCommand)', () => {
  it('requests locality 0 through LOC_CTRL and LOC_STS', async () => {
    const { lib, bus, trace } = crbRig();
    trace.attach(bus);
    await lib.requestUseTpm();
    expect(collapseRepeats(trace.format())).to.deep.equal(['R1 000=81', 'W4 008=00000001', 'R4 00c=00000001']);
  });

  it('issues a PCR_Extend with the register sequence OVMF produced on QEMU tpm-crb', async () => {
    const cmd = pcrExtend(0, [{ alg: 0x000b, digest: new Uint8Array(32).fill(0xab) }]);
    expect(cmd.length).to.equal(65);
    const { lib, bus, trace } = crbRig({ delayUs: 1000, respond: () => PCR_EXTEND_REPLY });
    await lib.requestUseTpm();
    trace.attach(bus);
    expect(await lib.submit(cmd, { maxResponseSize: 147 })).to.deep.equal(PCR_EXTEND_REPLY);
    expect(collapseRepeats(trace.format())).to.deep.equal(expectedCrb(cmd, PCR_EXTEND_REPLY));
  });

  it('waits for idle first when the TPM is not idle, then proceeds', async () => {
    const { lib, bus } = crbRig();
    await lib.requestUseTpm();
    bus.write32(0xfed40040, 1); // someone left it in ready
    expect(await lib.submit(STARTUP)).to.have.length(10);
  });

  it('reports NO_DEVICE when LOC_STATE reads 0xFF', async () => {
    const { CrbDriver } = await import('@tcg2sim/tpm2-device-lib');
    const { MmioBus, VirtualClock } = await import('@tcg2sim/ptp');
    const drv = new CrbDriver({ bus: new MmioBus({ unmappedByte: 0xff }), clock: new VirtualClock() });
    const err: unknown = await drv.requestUseTpm().catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ProtocolError).with.property('code', 'NO_DEVICE');
  });
});
