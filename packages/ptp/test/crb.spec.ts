import { expect } from 'chai';
import { CrbDevice, FakeBackend, MmioBus, TPM_BASE_ADDRESS } from '@tcg2sim/ptp';

// Expected values: QEMU 7.2 hw/tpm/tpm_crb.c reset state (docs/edk2-pei.md §3.1, §4.2).
const B = TPM_BASE_ADDRESS;
const STARTUP = Uint8Array.of(0x80, 0x01, 0, 0, 0, 0x0c, 0, 0, 0x01, 0x44, 0, 0);

function setup(backend = new FakeBackend()): { bus: MmioBus; dev: CrbDevice; backend: FakeBackend } {
  const bus = new MmioBus();
  const dev = new CrbDevice(backend);
  bus.map(B, dev);
  return { bus, dev, backend };
}

describe('CrbDevice (QEMU 7.2 tpm-crb)', () => {
  it('reads QEMU reset values', () => {
    const { bus } = setup();
    expect(bus.read8(B)).to.equal(0x81);
    expect(bus.read32(B + 0x30)).to.equal(0x00025811);
    expect(bus.read32(B + 0x34)).to.equal(0x00001014);
    expect(bus.read32(B + 0x14)).to.equal(0);
    expect(bus.read32(B + 0x44)).to.equal(2);
    expect(bus.read32(B + 0x58)).to.equal(0xf80);
    expect(bus.read32(B + 0x5c)).to.equal(0xfed40080);
    expect(bus.read32(B + 0x64)).to.equal(0xf80);
    expect(bus.read32(B + 0x68)).to.equal(0xfed40080);
    expect(bus.read8(B + 0x1000)).to.equal(0); // locality 1 is not decoded
  });

  it('grants and relinquishes locality 0 through LOC_CTRL', () => {
    const { bus } = setup();
    bus.write32(B + 0x08, 1);
    expect(bus.read32(B)).to.equal(0x83);
    expect(bus.read32(B + 0x0c)).to.equal(1);
    bus.write32(B + 0x08, 2);
    expect(bus.read32(B)).to.equal(0x81);
    expect(bus.read32(B + 0x0c)).to.equal(0);
  });

  it('moves between idle and ready on CTRL_REQ and keeps CTRL_REQ reading 0', () => {
    const { bus, dev } = setup();
    bus.write32(B + 0x40, 1);
    expect(bus.read32(B + 0x44)).to.equal(0);
    expect(bus.read32(B + 0x40)).to.equal(0);
    expect(dev.state).to.equal('ready');
    bus.write32(B + 0x40, 3); // not exactly 1 or 2: ignored
    expect(dev.state).to.equal('ready');
    bus.write32(B + 0x40, 2);
    expect(dev.state).to.equal('idle');
  });

  it('ignores writes to the command/response address and size registers', () => {
    const { bus } = setup();
    bus.write32(B + 0x58, 0x10);
    bus.write32(B + 0x5c, 0x1234);
    expect(bus.read32(B + 0x58)).to.equal(0xf80);
    expect(bus.read32(B + 0x5c)).to.equal(0xfed40080);
  });

  it('starts only with the locality assigned, shows START while busy and answers in place', async () => {
    const response = Uint8Array.of(0x80, 0x01, 0, 0, 0, 0x0a, 0, 0, 0, 0);
    const backend = new FakeBackend({ respond: () => response, hang: true, honourCancel: false });
    const { bus, dev } = setup(backend);
    bus.write32(B + 0x40, 1);
    STARTUP.forEach((b, i) => bus.write8(B + 0x80 + i, b));
    bus.write32(B + 0x4c, 1);
    expect(bus.read32(B + 0x4c)).to.equal(0); // no locality: ignored
    bus.write32(B + 0x08, 1);
    bus.write32(B + 0x4c, 1);
    expect(bus.read32(B + 0x4c)).to.equal(1);
    expect(dev.state).to.equal('execution');
    expect(backend.commands[0]?.command).to.deep.equal(STARTUP);
    bus.write32(B + 0x48, 1);
    expect(backend.cancels).to.equal(1);
    backend.options.honourCancel = true;
    await backend.cancel();
    await dev.settled();
    expect(bus.read32(B + 0x4c)).to.equal(0);
    expect(bus.read32(B + 0x80 + 8) & 0xffff).to.equal(0x0909);
    expect(dev.state).to.equal('completion');
  });

  it('sets CTRL_STS.tpmSts when the backend crashes', async () => {
    const { bus, dev } = setup(new FakeBackend({ crashNext: true }));
    bus.write32(B + 0x08, 1);
    bus.write32(B + 0x40, 1);
    STARTUP.forEach((b, i) => bus.write8(B + 0x80 + i, b));
    bus.write32(B + 0x4c, 1);
    await dev.settled();
    expect(bus.read32(B + 0x44) & 1).to.equal(1);
    expect(bus.read16(B + 0x80)).to.equal(0xc400);
  });
});
