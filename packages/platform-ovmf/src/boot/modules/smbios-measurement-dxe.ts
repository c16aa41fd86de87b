/**
 * SmbiosMeasurementDxe (MdeModulePkg/Universal/SmbiosMeasurementDxe, OVMF from
 * edk2-stable202505): registers a ReadyToBoot callback that measures the SMBIOS tables once
 * (PCR1), before or after Tcg2Dxe's own ReadyToBoot events depending on the build
 * (smbios/smbios-order.ts). The tables are QEMU's fw_cfg files with OVMF's type 0.
 */
import { measureSmbios, SMBIOS_MEASUREMENT_DXE_FILE_GUID } from '../../smbios/smbios-measurement.ts';
import { smbiosReadyToBootOrder } from '../../smbios/smbios-order.ts';
import type { DxeContext } from './context.ts';
import type { DxeUnit } from './dxe-unit.ts';

export const smbiosMeasurementDxeUnit: DxeUnit = {
  module: { name: 'SmbiosMeasurementDxe', fileGuid: SMBIOS_MEASUREMENT_DXE_FILE_GUID },
  role: 'measures the SMBIOS tables at the first ReadyToBoot (PCR1)',
  run(ctx: DxeContext): Promise<void> {
    const files = ctx.input.fwCfgFiles;
    if (files === undefined) return Promise.resolve(); // predict says INCOMPLETE (predict-check.ts)
    const order = smbiosReadyToBootOrder(ctx.sec);
    let done = false;
    const callback = {
      module: 'SmbiosMeasurementDxe',
      run: async (): Promise<void> => {
        if (done) return;
        done = true;
        const measured = await measureSmbios(ctx.dxe, ctx.sec, files, ctx.version.value, ctx.input.machine, ctx.dxeUintn, ctx.build.smmSmramRequire, ctx.notes);
        if (measured) ctx.smbiosMeasured = true;
        ctx.notes.push(`SmbiosMeasurementDxe: ${order.evidence}`);
      },
    };
    const tcg2 = ctx.readyToBoot.findIndex((c) => c.module === 'Tcg2Dxe');
    ctx.readyToBoot.splice(order.beforeTcg2Dxe ? Math.max(tcg2, 0) : tcg2 + 1, 0, callback);
    return Promise.resolve();
  },
};
