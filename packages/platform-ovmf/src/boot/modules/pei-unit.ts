/** A simulated PEIM: its module, and its step in PeiCore's dispatch (pei-dispatch.ts). */
import type { PeiContext } from './context.ts';
import type { ModuleRef } from './unit.ts';

export interface PeiUnit {
  readonly module: ModuleRef;
  /** What the unit simulates of the module (for the dispatch listing). */
  readonly role: string;
  /**
   * Runs whether or not PEIFV holds the module (the unit itself handles its absence, and says
   * why in the listing); by default a unit runs only when its module is there.
   */
  readonly always?: boolean;
  run(ctx: PeiContext): Promise<void>;
}
