/** A simulated PEIM: its module, and its step in PeiCore's dispatch (pei-dispatch.ts). */
import type { PeiContext } from './context.ts';
import type { ModuleRef } from './unit.ts';

export interface PeiUnit {
  readonly module: ModuleRef;
  /** What the unit simulates of the module (for the dispatch listing). */
  readonly role: string;
  /**
   * Runs whether or not PEIFV holds the module; by default a unit runs only when its module is
   * there. Set for PlatformPei (peifv.ts handles its absence) and for the core of the model
   * (Tcg2ConfigPei, Tcg2Pei, Tcg2Dxe, PciBusDxe, BdsDxe): the embedded default firmware
   * (default-firmware.ts) has only stand-in modules under tcg2sim's own GUIDs and boots as OVMF
   * 2022.11, and a build without TPM2_ENABLE is not yet predicted as one (its listing says so).
   */
  readonly always?: boolean;
  run(ctx: PeiContext): Promise<void>;
}
