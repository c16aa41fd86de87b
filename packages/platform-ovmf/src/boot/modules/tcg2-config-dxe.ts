/**
 * Tcg2ConfigDxe (SecurityPkg/Tcg/Tcg2Config, TPM2_CONFIG_ENABLE builds): dispatched once the
 * variable-write protocol is there; its entry queries the TPM (no measurement).
 */
import { tcg2ConfigDxeEntry } from '../dxe-platform.ts';
import type { DxeContext } from './context.ts';
import type { DxeUnit } from './dxe-unit.ts';

/** Tcg2ConfigDxe's FILE_GUID (SecurityPkg/Tcg/Tcg2Config/Tcg2ConfigDxe.inf). */
export const TCG2_CONFIG_DXE_FILE_GUID = '4D9CBEF0-15A0-4D0C-83DB-5213E710C23F';

export const tcg2ConfigDxeUnit: DxeUnit = {
  module: { name: 'Tcg2ConfigDxe', fileGuid: TCG2_CONFIG_DXE_FILE_GUID },
  role: 'queries the TPM\'s banks and commands at its entry (no measurement)',
  async run(ctx: DxeContext): Promise<void> {
    ctx.stack.phase = 'dxe:Tcg2ConfigDxe';
    await tcg2ConfigDxeEntry(ctx.stack.deviceLib());
  },
};
