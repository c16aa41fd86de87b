/** A simulated PEIM: its module, and its step in PeiCore's dispatch (pei-dispatch.ts). */
import type { PeiContext } from './context.ts';
import type { ModuleRef } from './unit.ts';

export interface PeiUnit {
  readonly module: ModuleRef;
  /** What the unit simulates of the module (for the dispatch listing). */
  readonly role: string;
  /**
   * Runs whether or not PEIFV holds the module; by default a unit runs only when its module (or
   * the embedded default firmware's stand-in for it, stand-ins.ts) is there. Set for PlatformPei
   * only: peifv.ts looks for PlatformPei itself and measures PEIFV as SEC left it without one.
   */
  readonly always?: boolean;
  run(ctx: PeiContext): Promise<void>;
}
