import { expect } from 'chai';
import type { MmioTrace} from '@tcg2sim/ptp';
import { collapseRepeats } from '@tcg2sim/ptp';
import { ProtocolError } from '@tcg2sim/tpm2-device-lib';
import { B, OK, PCR_EXTEND_REPLY, STARTUP, pcrExtend, response, tisRig } from './harness.ts';

const hex = (b: number): string => b.toString(16).padStart(2, '0');

/**
 * The access sequence of Tpm2TisTpmCommand against QEMU 7.2 tpm-tis (docs/edk2-pei.md §3.6 and
 * the recorded TPM2_Startup trace in §4.1), with polling loops collapsed to one `*` line.
 */
function expectedTis(command: Uint8Array, reply: Uint8Array): string[] {
  const seq = ['W1 018=40', 'R1 018=40', 'R1 019=ff', 'R1 01a=00'];
  for (let i = 0; i < command.length; i++) {
    if (i > 0 && i % 255 === 0) seq.push('R1 019=ff', 'R1 01a=00');
    seq.push(`W1 024=${hex(command[i] ?? 0)}`);
  }
  seq.push('R1 018=80', 'W1 018=20', 'R1 018=80*', 'R1 018=90');
  seq.push(`R1 019=${hex(reply.length & 0xff)}`, `R1 01a=${hex(reply.length >> 8)}`);
  for (const b of reply) seq.push(`R1 024=${hex(b)}`);
  seq.push('W1 018=40');
  return collapseRepeats(seq);
}

async function traced(run: () => Promise<unknown>, trace: MmioTrace): Promise<string[]> {
  trace.clear();
  await run();
  return collapseRepeats(trace.format());
}

describe('TisDriver (Tpm2TisTpmCommand)', () => {
  it('requests locality 0 with ACCESS read, requestUse write and the 0xA0 poll', async () => {
    const { lib, bus, trace } = tisRig();
    trace.attach(bus);
    expect(await traced(() => lib.requestUseTpm(), trace)).to.deep.equal(['R1 000=81', 'W1 000=02', 'R1 000=a1']);
  });

  it('issues TPM2_Startup with the register sequence OVMF produced on QEMU', async () => {
    const { lib, bus, trace } = tisRig({ delayUs: 1000 });
    await lib.requestUseTpm();
    trace.attach(bus);
    expect(await traced(() => lib.submit(STARTUP), trace)).to.deep.equal(expectedTis(STARTUP, OK));
  });

  it('issues a four-bank PCR_Extend (203 bytes) with the register sequence EDK II performs', async () => {
    const digests = [
      { alg: 0x0004, digest: new Uint8Array(20).fill(0x11) },
      { alg: 0x000b, digest: new Uint8Array(32).fill(0x22) },
      { alg: 0x000c, digest: new Uint8Array(48).fill(0x33) },
      { alg: 0x000d, digest: new Uint8Array(64).fill(0x44) },
    ];
    const cmd = pcrExtend(0, digests);
    expect(cmd.length).to.equal(203);
    const { lib, bus, trace, backend } = tisRig({ delayUs: 1000, respond: () => PCR_EXTEND_REPLY });
    await lib.requestUseTpm();
    trace.attach(bus);
    const seq = await traced(() => lib.submit(cmd, { maxResponseSize: 147 }), trace);
    expect(seq).to.deep.equal(expectedTis(cmd, PCR_EXTEND_REPLY));
    expect(backend.commands[0]?.command).to.deep.equal(cmd);
  });

  it('re-reads burstCount every 255 bytes for a long command', async () => {
    const cmd = response(600, 3);
    const { lib, bus, trace } = tisRig({ delayUs: 1000 });
    await lib.requestUseTpm();
    trace.attach(bus);
    expect(await traced(() => lib.submit(cmd), trace)).to.deep.equal(expectedTis(cmd, OK));
  });

  it('waits for a backend that needs 3 s: EDK II allows TIMEOUT_MAX after tpmGo', async () => {
    const { lib, clock } = tisRig({ delayUs: 3_000_000 });
    expect(await lib.submit(STARTUP)).to.deep.equal(OK);
    expect(clock.now()).to.be.at.least(3_000_000);
  });

  it('trips TIMEOUT_B when a backend still needs 3 s for an abandoned command, then recovers', async () => {
    const { lib, bus, clock, device } = tisRig({ delayUs: 3_000_000, honourCancel: false });
    await lib.requestUseTpm();
    // An earlier stage started a command and went away (tpmGo without reading the response).
    bus.write8(B + 0x18, 0x40);
    for (const b of STARTUP) bus.write8(B + 0x24, b);
    bus.write8(B + 0x18, 0x20);
    expect(device.busy).to.equal(true);
    const err: unknown = await lib.submit(STARTUP).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ProtocolError).with.property('code', 'TIMEOUT_B');
    expect(err).to.have.property('phase', 'ready');
    await clock.stall(1_000_000);
    expect(await lib.submit(STARTUP)).to.deep.equal(OK);
  });

  it('cancels a command that never answers and returns what the TPM answers to the cancel', async () => {
    const { lib, backend, clock } = tisRig({ hang: true });
    const r = await lib.submit(STARTUP);
    expect(r.subarray(6)).to.deep.equal(Uint8Array.of(0, 0, 0x09, 0x09)); // TPM_RC_CANCELED
    expect(backend.cancels).to.equal(1);
    expect(clock.now()).to.be.at.least(90_000_000);
  });

  it('gives TIMEOUT_MAX when the cancel is ignored too, and the next command succeeds', async () => {
    const { lib, backend } = tisRig({ hang: true, honourCancel: false });
    const err: unknown = await lib.submit(STARTUP).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ProtocolError).with.property('code', 'TIMEOUT_MAX');
    expect(err).to.have.property('phase', 'cancel');
    backend.options.hang = false;
    backend.options.honourCancel = true;
    expect(await lib.submit(STARTUP)).to.deep.equal(OK);
  });

  it('refuses a command larger than the FIFO buffer without touching the device', async () => {
    const { lib, bus, trace } = tisRig();
    trace.attach(bus);
    const err: unknown = await lib.submit(new Uint8Array(4097)).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ProtocolError).with.property('code', 'COMMAND_TOO_LARGE');
    expect(trace.entries).to.have.length(0);
  });

  it('gives TIMEOUT_A when another locality holds the TPM', async () => {
    const { lib, bus } = tisRig();
    bus.write8(B + 0x1000, 0x02);
    const err: unknown = await lib.requestUseTpm().catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ProtocolError).with.property('code', 'TIMEOUT_A');
  });

  it('rejects responses whose size is below 10 or above the caller buffer, reading no further', async () => {
    for (const [bad, max] of [
      [Uint8Array.of(0x80, 0x01, 0, 0, 0, 0x04, 0, 0, 0, 0), 4096],
      [response(200), 147],
    ] as const) {
      const { lib, bus, trace } = tisRig({ respond: () => bad });
      await lib.requestUseTpm();
      trace.attach(bus);
      const err: unknown = await lib.submit(STARTUP, { maxResponseSize: max }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(ProtocolError).with.property('code', 'BAD_RESPONSE_SIZE');
      expect(trace.format().filter((l) => l.startsWith('R1 024'))).to.have.length(10);
      expect(trace.format().at(-1)).to.equal('W1 018=40');
    }
  });
});
