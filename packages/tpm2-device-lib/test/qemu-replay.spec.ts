/**
 * The whole TPM conversation of a real boot, replayed: OVMF_CODE_4M.fd on QEMU 7.2 q35 with
 * swtpm 0.7.1, captured with `-trace 'tpm_tis*'` / `'tpm_crb*'` (test/vectors/make-qemu-replay.cjs
 * documents how). We make the same driver calls in the same order against our device model with
 * the recorded responses, and our MMIO trace must equal QEMU's after the same normalisation
 * (FIFO data runs counted, repeated polls folded into one line, busy polls after tpmGo/START
 * dropped: how long swtpm took is timing, not protocol).
 */
import { expect } from 'chai';
import { CrbDevice, FakeBackend, MmioBus, MmioTrace, TisDevice, TPM_BASE_ADDRESS, VirtualClock } from '@tcg2sim/ptp';
import type { MmioAccess } from '@tcg2sim/ptp';
import { Tpm2DeviceLib } from '@tcg2sim/tpm2-device-lib';
import { fromHex, loadReplayFixture } from './fixture.ts';
import type { ReplayFixture } from './fixture.ts';

/** The generator's normalisation (make-qemu-replay.cjs), applied to our accesses. */
function normalise(list: readonly MmioAccess[], tis: boolean): string[] {
  const out: string[] = [];
  for (const a of list) {
    const offset = a.address - TPM_BASE_ADDRESS;
    const fifo = tis && (offset === 0x24 || (offset >= 0x80 && offset < 0xc0));
    const l = fifo ? `${a.op}${a.width} fifo` : `${a.op}${a.width} ${offset.toString(16).padStart(3, '0')}=${a.value.toString(16)}`;
    const prev = out.at(-1);
    // How often the TPM still looked busy after tpmGo / START is timing, not protocol.
    if ((prev === 'W1 018=20' && l === 'R1 018=80') || (prev === 'W4 04c=1' && l === 'R4 04c=1')) continue;
    if (prev !== undefined && (prev === l || prev.startsWith(`${l} #`))) {
      if (fifo) out[out.length - 1] = `${l} #${prev === l ? 2 : Number(prev.split('#')[1]) + 1}`;
      continue;
    }
    out.push(l);
  }
  return out;
}

async function replay(f: ReplayFixture): Promise<string[]> {
  const clock = new VirtualClock();
  const responses: Uint8Array[] = [];
  const expectedCommands: Uint8Array[] = [];
  for (const op of f.ops) {
    if (op.op === 'probeTpm12' && op.response !== undefined) responses.push(fromHex(op.response));
    if (op.op === 'submit') {
      responses.push(fromHex(op.response));
      expectedCommands.push(fromHex(op.command));
    }
  }
  let next = 0;
  const backend = new FakeBackend({ clock, delayUs: 300, respond: () => responses[next++] ?? new Uint8Array(10) });
  const tis = f.interface === 'tis';
  const bus = new MmioBus();
  bus.map(TPM_BASE_ADDRESS, tis ? new TisDevice(backend) : new CrbDevice(backend));
  const trace = new MmioTrace().attach(bus);
  let lib: Tpm2DeviceLib | undefined;
  const need = (): Tpm2DeviceLib => lib ?? (lib = Tpm2DeviceLib.open({ bus, clock }));
  for (const op of f.ops) {
    switch (op.op) {
      case 'open':
        need();
        break;
      case 'probeTpm12':
        expect(await need().probeTpm12()).to.equal(false);
        break;
      case 'requestUse':
        await need().requestUseTpm();
        break;
      case 'submit':
        expect(await need().submit(fromHex(op.command))).to.deep.equal(fromHex(op.response));
        break;
      case 'dumpPtpInfo':
        expect(need().dumpPtpInfo()).to.include({ vid: 0x1014 });
        break;
      case 'raw':
        for (const a of op.accesses) {
          if (a.op === 'R') bus.read(TPM_BASE_ADDRESS + a.offset, a.width);
          else bus.write(TPM_BASE_ADDRESS + a.offset, a.width, a.value);
        }
        break;
    }
  }
  const sent = backend.commands.map((c) => c.command).filter((c) => c[1] !== 0xc1);
  expect(sent).to.deep.equal(expectedCommands);
  // QEMU's CRB buffer is RAM: its accesses do not appear in QEMU's trace.
  const visible = tis ? trace.entries : trace.entries.filter((a) => a.address - TPM_BASE_ADDRESS < 0x80);
  return normalise(visible, tis);
}

describe('replaying OVMF boots captured on QEMU 7.2 + swtpm', () => {
  for (const name of ['qemu-tis-boot.json', 'qemu-crb-boot.json']) {
    it(`produces QEMU's register trace for ${name} (every access of a whole boot)`, async () => {
      const f = loadReplayFixture(name);
      const ours = await replay(f);
      // Compare a window around the first difference first: a readable failure.
      const at = Math.max(0, ours.findIndex((l, i) => l !== f.trace[i]) - 4);
      expect(ours.slice(at, at + 10)).to.deep.equal(f.trace.slice(at, at + 10));
      expect(ours).to.deep.equal(f.trace);
    });
  }
});
