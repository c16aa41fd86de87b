/** A simulated DXE driver: its module, and its step in the DXE phase (dxe-dispatch.ts). */
import type { SecOutput } from '../../sec.ts';
import type { DxeContext } from './context.ts';
import type { ModuleRef, Presence } from './unit.ts';

export interface DxeUnit {
  readonly module: ModuleRef;
  /** What the unit simulates of the module (for the dispatch listing). */
  readonly role: string;
  /**
   * Whether the module in this image does what the unit simulates; by default whether DXEFV
   * holds the module (or the embedded default firmware has a stand-in for it, stand-ins.ts). A
   * unit whose behaviour depends on the module's code (a release difference) reads that code here.
   */
  readonly present?: (sec: SecOutput) => Presence;
  /** A module of one distribution's builds, not an OvmfPkg one: listed only when DXEFV holds it. */
  readonly distributionOnly?: boolean;
  run(ctx: DxeContext): Promise<void>;
}
