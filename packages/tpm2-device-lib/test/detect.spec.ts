import { expect } from 'chai';
import { MmioBus, MmioTrace, VirtualClock } from '@tcg2sim/ptp';
import { ProtocolError, Tpm2DeviceLib, detectInterface } from '@tcg2sim/tpm2-device-lib';
import { B, STARTUP, crbRig, tisRig } from './harness.ts';

// Truth: the reads OVMF performs against QEMU 7.2 and the values it gets (docs/edk2-pei.md §3.1, E).
describe('detectInterface (Tpm2GetPtpInterface)', () => {
  it('classifies QEMU tpm-tis as PTP FIFO from 0x81, 0x00002100, 0x30000697', () => {
    const { bus } = tisRig();
    const trace = new MmioTrace().attach(bus);
    const d = detectInterface(bus);
    expect(d.kind).to.equal('fifo');
    expect(trace.format()).to.deep.equal(['R1 000=81', 'R4 030=00002100', 'R4 014=30000697']);
  });

  it('classifies QEMU tpm-crb as CRB without idle bypass, reading INTF_ID a second time', () => {
    const { bus } = crbRig();
    const trace = new MmioTrace().attach(bus);
    const d = detectInterface(bus);
    expect(d.kind).to.equal('crb');
    expect(d.crbIdleBypass).to.equal(false);
    expect(trace.format()).to.deep.equal(['R1 000=81', 'R4 030=00025811', 'R4 014=00000000', 'R4 030=00025811']);
  });

  it('classifies a TIS 1.3 part (INTERFACE_ID 0xFFFFFFFF) as TIS and drives it on the FIFO path', async () => {
    const { bus, lib, backend } = tisRig({}, { profile: 'tis13' });
    expect(detectInterface(bus).kind).to.equal('tis');
    expect(lib.kind).to.equal('tis');
    expect(await lib.submit(STARTUP)).to.have.length(10);
    expect(backend.commands).to.have.length(1);
  });

  it('reports no TPM when the base reads 0xFF', () => {
    const bus = new MmioBus({ unmappedByte: 0xff });
    expect(detectInterface(bus).kind).to.equal('none');
  });

  it('calls the empty QEMU hole (reads 0x00) "TIS", as edk2-stable202211 does', () => {
    expect(detectInterface(new MmioBus()).kind).to.equal('tis');
  });
});

describe('Tpm2DeviceLib', () => {
  it('fails with NO_DEVICE when nothing was detected', async () => {
    const lib = Tpm2DeviceLib.open({ bus: new MmioBus({ unmappedByte: 0xff }), clock: new VirtualClock() });
    const err: unknown = await lib.submit(STARTUP).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ProtocolError).with.property('code', 'NO_DEVICE');
    expect(await lib.probeTpm12()).to.equal(false);
  });

  it('probes nothing when the interface type is already cached (PCD set by an earlier module)', () => {
    const { bus } = tisRig();
    const first = Tpm2DeviceLib.open({ bus, clock: new VirtualClock() });
    const trace = new MmioTrace().attach(bus);
    const second = Tpm2DeviceLib.open({ bus, clock: new VirtualClock(), detection: first.detection });
    expect(second.kind).to.equal('fifo');
    expect(trace.entries).to.have.length(0);
  });

  it('burns TIMEOUT_A on the empty QEMU hole, as OVMF 2022.11 does twice per boot', async () => {
    const lib = Tpm2DeviceLib.open({ bus: new MmioBus(), clock: new VirtualClock({ skipIdle: true }) });
    const err: unknown = await lib.requestUseTpm().catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ProtocolError).with.property('code', 'TIMEOUT_A');
  });

  it('drives a TIS device and a CRB device to the same response', async () => {
    for (const rig of [tisRig(), crbRig()]) {
      await rig.lib.requestUseTpm();
      expect(await rig.lib.submit(STARTUP)).to.deep.equal(Uint8Array.of(0x80, 0x01, 0, 0, 0, 0x0a, 0, 0, 0, 0));
      expect(rig.backend.commands[0]?.command).to.deep.equal(STARTUP);
    }
  });

  it('decides "not TPM 1.2" from libtpms\' answer to GetTicks and "TPM 1.2" from a 1.2 tag', async () => {
    const libtpms = Uint8Array.of(0x80, 0x01, 0, 0, 0, 0x0a, 0, 0, 0, 0x84);
    const tpm12 = Uint8Array.of(0x00, 0xc4, 0, 0, 0, 0x0a, 0, 0, 0, 0x1e);
    const a = tisRig({ respond: () => libtpms });
    expect(await a.lib.probeTpm12()).to.equal(false);
    expect(a.backend.commands[0]?.command).to.deep.equal(Uint8Array.of(0x00, 0xc1, 0, 0, 0, 0x0a, 0, 0, 0, 0xf1));
    const b = tisRig({ respond: () => tpm12 });
    expect(await b.lib.probeTpm12()).to.equal(true);
  });

  it('sends no 1.2 probe over CRB but still requests the locality', async () => {
    const { lib, backend, bus } = crbRig();
    expect(await lib.probeTpm12()).to.equal(false);
    expect(backend.commands).to.have.length(0);
    expect(bus.read32(B + 0x0c)).to.equal(1);
  });

  it('Tpm12SubmitCommand returns a 1.2-tagged answer over FIFO, nothing for a TPM 2.0 tag, and sends nothing over CRB', async () => {
    const startup = Uint8Array.of(0x00, 0xc1, 0, 0, 0, 0x0c, 0, 0, 0, 0x99, 0, 1);
    const ok12 = Uint8Array.of(0x00, 0xc4, 0, 0, 0, 0x0a, 0, 0, 0, 0);
    const a = tisRig({ respond: () => ok12 });
    expect(await a.lib.tpm12RequestUse()).to.equal(true);
    expect(await a.lib.tpm12Submit(startup, 10)).to.deep.equal(ok12);
    expect(a.backend.commands[0]?.command).to.deep.equal(startup);
    const b = tisRig({ respond: () => Uint8Array.of(0x80, 0x01, 0, 0, 0, 0x0a, 0, 0, 0, 0x1e) });
    expect(await b.lib.tpm12Submit(startup, 10)).to.equal(undefined);
    const c = crbRig();
    expect(await c.lib.tpm12RequestUse()).to.equal(true);
    expect(await c.lib.tpm12Submit(startup, 10)).to.equal(undefined);
    expect(c.backend.commands).to.have.length(0);
  });

  it('Tpm12RequestUseTpm fails where no interface answers', async () => {
    const lib = Tpm2DeviceLib.open({ bus: new MmioBus({ unmappedByte: 0xff }), clock: new VirtualClock() });
    expect(await lib.tpm12RequestUse()).to.equal(false);
    expect(await lib.tpm12Submit(Uint8Array.of(0, 0xc1, 0, 0, 0, 10, 0, 0, 0, 0xf1), 10)).to.equal(undefined);
  });
});
