/**
 * Time as the firmware sees it (docs/architecture.md §3): `now()` and `stall(µs)`, EDK II's
 * MicroSecondDelay. `stall` is asynchronous and yields, so a backend computing a response (a
 * promise) makes progress while the driver polls the status registers.
 */

/** The driver's view of time. All values are microseconds. */
export interface Clock {
  /** Microseconds since an arbitrary origin. */
  now(): number;
  /** Waits `us` microseconds (MicroSecondDelay) and lets other work run meanwhile. */
  stall(us: number): Promise<void>;
  /** A promise that resolves after `us` microseconds of this clock (for backends and tests). */
  delay(us: number): Promise<void>;
  /**
   * Optional (VirtualClock with `skipIdle`): a poller that has read the same value many times
   * asks to jump ahead instead of stalling `maxSteps` more times by `stepUs`. Returns how many
   * steps were skipped (0: keep polling). Only a clock that knows nothing can change meanwhile
   * (no real-time work pending) may skip, and never past its next timer.
   */
  skipIdle?(maxSteps: number, stepUs: number): Promise<number>;
}

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly resolve: () => void;
}

function aus(us: number): void {
  if (!Number.isFinite(us) || us < 0) throw new RangeError(`"us" expected a non-negative number, got ${us}`);
}

const RESOLVED: Promise<void> = Promise.resolve();
const macrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Deterministic time: `stall(us)` moves time forward by exactly `us` and fires the timers that
 * fall due, so a 90 s EDK II timeout costs no real 90 s. Timers fire in deadline order.
 * Every `yieldEvery` stalls (and whenever a timer fires) the stall also yields one macrotask,
 * so I/O-bound backends make progress as well; otherwise it yields microtasks only.
 */
export class VirtualClock implements Clock {
  #now = 0;
  #seq = 0;
  #stalls = 0;
  readonly #timers: Timer[] = [];
  readonly #holds = new Set<Promise<unknown>>();
  readonly #yieldEvery: number;

  readonly #skip: boolean;

  /**
   * @param options.skipIdle let pollers that keep reading the same value jump to the next timer
   *   (or their deadline) instead of polling through virtual time: a 90 s timeout then takes
   *   milliseconds. Only safe when every asynchronous thing the device waits for is a timer of
   *   this clock or held with {@link VirtualClock.waitFor}.
   */
  constructor(options: { readonly start?: number; readonly yieldEvery?: number; readonly skipIdle?: boolean } = {}) {
    this.#now = options.start ?? 0;
    this.#yieldEvery = options.yieldEvery ?? 1024;
    this.#skip = options.skipIdle ?? false;
  }

  async skipIdle(maxSteps: number, stepUs: number): Promise<number> {
    if (!this.#skip || maxSteps <= 0 || stepUs <= 0) return 0;
    // Let everything already queued (microtasks, immediates) run before deciding.
    await macrotask();
    if (this.#holds.size > 0) return 0;
    const next = this.#timers[0]?.at;
    const steps = next === undefined ? maxSteps : Math.min(maxSteps, Math.max(1, Math.ceil((next - this.#now) / stepUs)));
    this.advance(steps * stepUs);
    return steps;
  }

  now(): number {
    return this.#now;
  }

  stall(us: number): Promise<void> {
    aus(us);
    const fired = this.advance(us);
    this.#stalls++;
    if (this.#holds.size > 0) return Promise.allSettled([...this.#holds]).then(() => undefined);
    if (fired > 0 || this.#stalls % this.#yieldEvery === 0) return macrotask();
    return RESOLVED;
  }

  /**
   * Work that takes real time but no virtual time (a command running in swtpm): until `p`
   * settles, every stall also waits for it. The driver then sees the answer on its next poll,
   * deterministically, instead of polling through a virtual timeout while swtpm computes.
   * Do not hold on something that may never settle.
   */
  waitFor(p: Promise<unknown>): void {
    const done = (): void => {
      this.#holds.delete(p);
    };
    this.#holds.add(p);
    p.then(done, done);
  }

  delay(us: number): Promise<void> {
    aus(us);
    return new Promise((resolve) => {
      this.#timers.push({ at: this.#now + us, seq: this.#seq++, resolve });
      this.#timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    });
  }

  /**
   * Moves time forward by `us` without yielding and resolves every timer now due.
   * @returns how many timers fired.
   */
  advance(us: number): number {
    aus(us);
    this.#now += us;
    let fired = 0;
    while (this.#timers.length > 0 && (this.#timers[0]?.at ?? Infinity) <= this.#now) {
      const t = this.#timers.shift();
      t?.resolve();
      fired++;
    }
    return fired;
  }

  /** Timers not yet due. */
  get pendingTimers(): number {
    return this.#timers.length;
  }
}

/**
 * Wall-clock time for real backends (swtpm). `stall` really waits at least `us` microseconds,
 * yielding to the event loop (setImmediate) while it does, so socket I/O proceeds.
 */
export class RealClock implements Clock {
  now(): number {
    return performance.now() * 1000;
  }

  async stall(us: number): Promise<void> {
    aus(us);
    const until = this.now() + us;
    do {
      await macrotask();
    } while (this.now() < until);
  }

  delay(us: number): Promise<void> {
    aus(us);
    return new Promise((resolve) => setTimeout(resolve, us / 1000));
  }
}
