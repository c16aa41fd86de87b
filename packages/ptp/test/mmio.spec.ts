import { expect } from 'chai';
import { MmioBus, MmioTrace, VirtualClock, collapseRepeats } from '@tcg2sim/ptp';
import type { MmioDevice, MmioWidth } from '@tcg2sim/ptp';

class Ram implements MmioDevice {
  readonly name = 'ram';
  readonly size = 16;
  readonly bytes = new Uint8Array(16);
  read(offset: number, width: MmioWidth): number {
    let v = 0;
    for (let i = 0; i < width; i++) v |= (this.bytes[offset + i] ?? 0) << (8 * i);
    return v >>> 0;
  }
  write(offset: number, width: MmioWidth, value: number): void {
    for (let i = 0; i < width; i++) this.bytes[offset + i] = (value >>> (8 * i)) & 0xff;
  }
}

describe('MmioBus', () => {
  it('routes accesses to the mapped device and reads unmapped space as the configured byte', () => {
    const bus = new MmioBus({ unmappedByte: 0xff });
    bus.map(0x1000, new Ram());
    bus.write32(0x1000, 0x11223344);
    expect(bus.read8(0x1001)).to.equal(0x33);
    expect(bus.read16(0x1002)).to.equal(0x1122);
    expect(bus.read32(0x2000)).to.equal(0xffffffff);
    expect(new MmioBus().read32(0x2000)).to.equal(0);
  });

  it('splits a 64-bit write into low and high dwords', () => {
    const bus = new MmioBus();
    const trace = new MmioTrace(0x1000).attach(bus);
    bus.map(0x1000, new Ram());
    bus.write64(0x1008, 0x1_fed40080n);
    expect(trace.format()).to.deep.equal(['W4 008=fed40080', 'W4 00c=00000001']);
  });

  it('refuses bad widths, values, addresses and overlapping maps with RangeError', () => {
    const bus = new MmioBus();
    bus.map(0x1000, new Ram());
    expect(() => bus.read(0x1000, 3 as MmioWidth)).to.throw(RangeError);
    expect(() => bus.write8(0x1000, 0x100)).to.throw(RangeError);
    expect(() => bus.read8(-1)).to.throw(RangeError);
    expect(() => bus.map(0x1008, new Ram())).to.throw(RangeError);
  });

  it('stops tracing when detached and collapses polling runs', () => {
    const bus = new MmioBus();
    const trace = new MmioTrace(0).attach(bus);
    bus.read8(0x18);
    bus.read8(0x18);
    bus.read8(0x18);
    bus.write8(0x18, 0x20);
    trace.detach();
    bus.read8(0x18);
    expect(collapseRepeats(trace.format())).to.deep.equal(['R1 018=00*', 'W1 018=20']);
  });
});

describe('VirtualClock', () => {
  it('advances only by stalls and fires timers in deadline order', async () => {
    const clock = new VirtualClock();
    const fired: string[] = [];
    void clock.delay(100).then(() => fired.push('b'));
    void clock.delay(50).then(() => fired.push('a'));
    await clock.stall(60);
    expect(clock.now()).to.equal(60);
    expect(fired).to.deep.equal(['a']);
    await clock.stall(40);
    expect(fired).to.deep.equal(['a', 'b']);
    expect(clock.pendingTimers).to.equal(0);
  });

  it('makes stalls wait for held work without advancing time for it', async () => {
    const clock = new VirtualClock();
    let release: () => void = () => undefined;
    const work = new Promise<void>((r) => (release = r));
    clock.waitFor(work);
    let stalled = false;
    const s = clock.stall(30).then(() => (stalled = true));
    await new Promise((r) => setImmediate(r));
    expect(stalled).to.equal(false);
    release();
    await s;
    expect(clock.now()).to.equal(30);
    await clock.stall(30); // nothing held any more
    expect(clock.now()).to.equal(60);
  });

  it('skips idle polling up to the next timer only when asked to and nothing is held', async () => {
    expect(await new VirtualClock().skipIdle(100, 30)).to.equal(0);
    const clock = new VirtualClock({ skipIdle: true });
    let fired = false;
    void clock.delay(1000).then(() => (fired = true));
    expect(await clock.skipIdle(100, 30)).to.equal(34); // ceil(1000 / 30)
    expect(clock.now()).to.equal(1020);
    await Promise.resolve();
    expect(fired).to.equal(true);
    expect(await clock.skipIdle(100, 30)).to.equal(100); // no timer left: the whole budget
    clock.waitFor(new Promise(() => undefined));
    expect(await clock.skipIdle(100, 30)).to.equal(0); // real-time work pending: never skip
  });

  it('rejects negative durations with RangeError', () => {
    const clock = new VirtualClock();
    expect(() => clock.advance(-1)).to.throw(RangeError);
  });
});
