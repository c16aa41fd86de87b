import { expect } from 'chai';
import { FakeBackend, MmioBus, SUCCESS_RESPONSE, TisDevice, TPM_BASE_ADDRESS } from '@tcg2sim/ptp';

// Expected register values are QEMU 7.2 hw/tpm/tpm_tis_common.c + include/hw/acpi/tpm.h for a
// TPM 2.0 backend, as recorded on this machine (docs/edk2-pei.md §3.1, §4.1).
const B = TPM_BASE_ADDRESS;
const loc = (n: number, reg: number): number => B + n * 0x1000 + reg;
const STARTUP = Uint8Array.of(0x80, 0x01, 0, 0, 0, 0x0c, 0, 0, 0x01, 0x44, 0, 0);

function setup(backend = new FakeBackend(), bufferSize?: number): { bus: MmioBus; dev: TisDevice; backend: FakeBackend } {
  const bus = new MmioBus();
  const dev = new TisDevice(backend, bufferSize === undefined ? {} : { bufferSize });
  bus.map(B, dev);
  return { bus, dev, backend };
}

function writeCommand(bus: MmioBus, bytes: Uint8Array, locality = 0): void {
  for (const b of bytes) bus.write8(loc(locality, 0x24), b);
}

describe('TisDevice (QEMU 7.2 tpm-tis)', () => {
  it('reads QEMU reset values at every locality', () => {
    const { bus } = setup();
    for (let n = 0; n < 5; n++) {
      expect(bus.read8(loc(n, 0x00))).to.equal(0x81);
      expect(bus.read32(loc(n, 0x30))).to.equal(0x00002100);
      expect(bus.read32(loc(n, 0x14))).to.equal(0x30000697);
      expect(bus.read32(loc(n, 0xf00))).to.equal(0x00011014);
      expect(bus.read8(loc(n, 0xf04))).to.equal(0x01);
      expect(bus.read32(loc(n, 0x08))).to.equal(0x08);
      expect(bus.read8(loc(n, 0x0c))).to.equal(5);
      expect(bus.read32(loc(n, 0x10))).to.equal(0);
    }
  });

  it('reads STS and the FIFO of an inactive locality as all ones', () => {
    const { bus } = setup();
    expect(bus.read32(loc(0, 0x18))).to.equal(0xffffffff);
    expect(bus.read8(loc(0, 0x24))).to.equal(0xff);
    expect(bus.read32(loc(0, 0x80))).to.equal(0xffffffff);
    expect(bus.read32(loc(0, 0x40))).to.equal(0xffffffff); // unassigned offset
  });

  it('grants a request when no locality is active and latches requests from others', () => {
    const { bus, dev } = setup();
    bus.write8(loc(0, 0), 0x02);
    expect(bus.read8(loc(0, 0))).to.equal(0xa1);
    expect(dev.activeLocality).to.equal(0);
    bus.write8(loc(2, 0), 0x02);
    expect(bus.read8(loc(2, 0))).to.equal(0x83);
    expect(bus.read8(loc(0, 0))).to.equal(0xa5); // pendingRequest
    bus.write8(loc(0, 0), 0x20); // relinquish: locality 2 takes over
    expect(dev.activeLocality).to.equal(2);
    expect(bus.read8(loc(0, 0))).to.equal(0x81);
    expect(bus.read8(loc(2, 0))).to.equal(0xa1);
  });

  it('lets a higher locality seize and marks the loser beenSeized', () => {
    const { bus, dev } = setup();
    bus.write8(loc(1, 0), 0x02);
    bus.write8(loc(0, 0), 0x08); // lower locality cannot seize
    expect(dev.activeLocality).to.equal(1);
    bus.write8(loc(3, 0), 0x08);
    expect(dev.activeLocality).to.equal(3);
    expect(bus.read8(loc(1, 0))).to.equal(0x91);
    bus.write8(loc(1, 0), 0x10); // clear beenSeized
    expect(bus.read8(loc(1, 0))).to.equal(0x81);
  });

  it('ignores every write to locality 4', () => {
    const { bus, dev } = setup();
    bus.write8(loc(4, 0), 0x02);
    expect(dev.activeLocality).to.equal(undefined);
  });

  it('walks idle, ready, reception, execution and completion with QEMU status bytes', async () => {
    const response = Uint8Array.of(0x80, 0x01, 0, 0, 0, 0x0c, 0, 0, 0, 0, 0xaa, 0xbb);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const backend = new FakeBackend({ respond: () => response, hang: true });
    const { bus, dev } = setup(backend);
    bus.write8(loc(0, 0), 0x02);
    expect(dev.state(0)).to.equal('idle');
    expect(bus.read8(loc(0, 0x18))).to.equal(0x00);
    expect(bus.read8(loc(0, 0x19))).to.equal(0xff); // byte read caps 4096 at 0xFF
    expect(bus.read16(loc(0, 0x19))).to.equal(0x1000);
    bus.write8(loc(0, 0x18), 0x40);
    expect(dev.state(0)).to.equal('ready');
    expect(bus.read32(loc(0, 0x18))).to.equal(0x04100040); // family TPM2, burst 4096, commandReady
    bus.write8(loc(0, 0x24), STARTUP[0] ?? 0);
    expect(dev.state(0)).to.equal('reception');
    expect(bus.read8(loc(0, 0x18))).to.equal(0x88);
    writeCommand(bus, STARTUP.subarray(1, 11));
    expect(bus.read8(loc(0, 0x18))).to.equal(0x88);
    bus.write8(loc(0, 0x24), STARTUP[11] ?? 0);
    expect(bus.read8(loc(0, 0x18))).to.equal(0x80);
    bus.write8(loc(0, 0x24), 0x55); // Expect is clear: dropped
    bus.write8(loc(0, 0x18), 0x20);
    expect(dev.state(0)).to.equal('execution');
    expect(backend.commands[0]?.command).to.deep.equal(STARTUP);
    // A busy backend shows as "not ready": neither dataAvail nor commandReady.
    await Promise.resolve();
    expect(bus.read8(loc(0, 0x18))).to.equal(0x80);
    expect(bus.read8(loc(0, 0x24))).to.equal(0xff);
    backend.options.hang = false;
    void backend.cancel(); // honoured cancel answers TPM_RC_CANCELED
    release();
    await gate;
    await dev.settled();
    expect(dev.state(0)).to.equal('completion');
    expect(bus.read8(loc(0, 0x18))).to.equal(0x90);
    expect(bus.read8(loc(0, 0x19))).to.equal(10);
    const got: number[] = [];
    for (let i = 0; i < 10; i++) got.push(bus.read8(loc(0, 0x24)));
    expect(got).to.deep.equal([0x80, 0x01, 0, 0, 0, 0x0a, 0, 0, 0x09, 0x09]);
    expect(bus.read8(loc(0, 0x18))).to.equal(0x80);
    expect(bus.read8(loc(0, 0x24))).to.equal(0xff);
    bus.write8(loc(0, 0x18), 0x02); // responseRetry
    expect(bus.read8(loc(0, 0x18))).to.equal(0x90);
    expect(bus.read32(loc(0, 0x24))).to.equal(0x00000180); // four bytes at once
    bus.write8(loc(0, 0x18), 0x40);
    expect(dev.state(0)).to.equal('ready');
    expect(bus.read8(loc(0, 0x18))).to.equal(0x40);
  });

  it('drops command bytes beyond the buffer and clears Expect (command-size overflow)', async () => {
    const { bus, dev, backend } = setup(new FakeBackend(), 16);
    bus.write8(loc(0, 0), 0x02);
    bus.write8(loc(0, 0x18), 0x40);
    const big = new Uint8Array(20);
    big.set([0x80, 0x01, 0, 0, 0, 20]);
    writeCommand(bus, big.subarray(0, 16));
    expect(bus.read8(loc(0, 0x18))).to.equal(0x88);
    writeCommand(bus, big.subarray(16));
    expect(bus.read8(loc(0, 0x18))).to.equal(0x80);
    bus.write8(loc(0, 0x18), 0x20);
    await dev.settled();
    expect(backend.commands[0]?.command.length).to.equal(16);
  });

  it('cancels through STS.commandCancel and aborts to ready when commandReady is written mid-execution', async () => {
    const backend = new FakeBackend({ hang: true, honourCancel: false });
    const { bus, dev } = setup(backend);
    bus.write8(loc(0, 0), 0x02);
    bus.write8(loc(0, 0x18), 0x40);
    writeCommand(bus, STARTUP);
    bus.write8(loc(0, 0x18), 0x20);
    bus.write32(loc(0, 0x18), 0x01000000);
    expect(backend.cancels).to.equal(1);
    bus.write8(loc(0, 0x18), 0x40);
    expect(backend.cancels).to.equal(2);
    expect(bus.read8(loc(0, 0x18))).to.equal(0x80); // still executing: not ready
    backend.options.honourCancel = true;
    await backend.cancel();
    await dev.settled();
    expect(dev.state(0)).to.equal('ready');
    expect(bus.read8(loc(0, 0x18))).to.equal(0x40);
  });

  it('hands the command to the backend at the writing locality', async () => {
    const { bus, dev, backend } = setup();
    bus.write8(loc(2, 0), 0x02);
    bus.write8(loc(2, 0x18), 0x40);
    writeCommand(bus, STARTUP, 2);
    bus.write8(loc(2, 0x18), 0x20);
    await dev.settled();
    expect(backend.commands[0]?.locality).to.equal(2);
    expect(bus.read8(loc(2, 0x18))).to.equal(0x90);
  });

  it('serves a response larger than the buffer truncated, burstCount capped at the buffer', async () => {
    const big = new Uint8Array(5000);
    big.set([0x80, 0x01, 0, 0, 0x13, 0x88]);
    const { bus, dev } = setup(new FakeBackend({ respond: () => big }));
    bus.write8(loc(0, 0), 0x02);
    bus.write8(loc(0, 0x18), 0x40);
    writeCommand(bus, STARTUP);
    bus.write8(loc(0, 0x18), 0x20);
    await dev.settled();
    expect(bus.read32(loc(0, 0x18)) >>> 8).to.equal(0x041000);
  });

  it('answers a backend crash with the TPM_FAIL response QEMU writes', async () => {
    const { bus, dev } = setup(new FakeBackend({ crashNext: true }));
    bus.write8(loc(0, 0), 0x02);
    bus.write8(loc(0, 0x18), 0x40);
    writeCommand(bus, STARTUP);
    bus.write8(loc(0, 0x18), 0x20);
    await dev.settled();
    const got: number[] = [];
    for (let i = 0; i < 10; i++) got.push(bus.read8(loc(0, 0x24)));
    expect(got).to.deep.equal([0x00, 0xc4, 0, 0, 0, 0x0a, 0, 0, 0, 0x09]);
    expect(dev.lastBackendError).to.have.property('code', 'PROCESS_EXITED');
  });

  it('serves the response through XDATA_FIFO with 32-bit reads', async () => {
    const response = Uint8Array.of(0x80, 0x01, 0, 0, 0, 0x0c, 0, 0, 0, 0, 0xaa, 0xbb);
    const { bus, dev } = setup(new FakeBackend({ respond: () => response }));
    bus.write8(loc(0, 0), 0x02);
    bus.write8(loc(0, 0x18), 0x40);
    writeCommand(bus, STARTUP);
    bus.write8(loc(0, 0x18), 0x20);
    await dev.settled();
    expect(bus.read32(loc(0, 0x18)) >>> 8 & 0xffff).to.equal(12);
    expect([bus.read32(loc(0, 0x80)), bus.read32(loc(0, 0x84)), bus.read32(loc(0, 0x88))]).to.deep.equal([
      0x00000180, 0x00000c00, 0xbbaa0000,
    ]);
    expect(bus.read8(loc(0, 0x18))).to.equal(0x80);
  });

  it('masks and clears interrupt bits only for the active locality', () => {
    const { bus } = setup();
    bus.write32(loc(0, 0x08), 0x80000087);
    expect(bus.read32(loc(0, 0x08))).to.equal(0x08); // not active: ignored
    bus.write8(loc(0, 0), 0x02);
    bus.write32(loc(0, 0x08), 0x80000087);
    expect(bus.read32(loc(0, 0x08))).to.equal(0x80000087);
    bus.write8(loc(0, 0x18), 0x40);
    expect(bus.read32(loc(0, 0x10))).to.equal(0x80); // commandReady interrupt raised
    bus.write32(loc(0, 0x10), 0x80);
    expect(bus.read32(loc(0, 0x10))).to.equal(0);
  });

  it('keeps the success response of a fake backend byte-exact', async () => {
    const { bus, dev } = setup();
    bus.write8(loc(0, 0), 0x02);
    bus.write8(loc(0, 0x18), 0x40);
    writeCommand(bus, STARTUP);
    bus.write8(loc(0, 0x18), 0x20);
    await dev.settled();
    const got = new Uint8Array(10);
    for (let i = 0; i < 10; i++) got[i] = bus.read8(loc(0, 0x24));
    expect(got).to.deep.equal(SUCCESS_RESPONSE);
  });
});
