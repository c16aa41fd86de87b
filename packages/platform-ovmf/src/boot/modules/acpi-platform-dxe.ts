/**
 * QemuFwCfgAcpiPlatform (OvmfPkg/AcpiPlatformDxe): after PCI enumeration it installs QEMU's ACPI
 * tables; from edk2-stable202302 its AcpiPlatformLib measures etc/table-loader and every blob it
 * allocates ("ACPI DATA", PCR1). Whether this build's module does is read from its code (the
 * event text in its image); the blobs are QEMU's fw_cfg files (BootInput.fwCfgFiles).
 */
import { measureAcpiData, measuresAcpiData } from '../../acpi/acpi-data.ts';
import type { DxeContext } from './context.ts';
import type { DxeUnit } from './dxe-unit.ts';
import { moduleIn } from './unit.ts';
import type { ModuleRef } from './unit.ts';

/** QemuFwCfgAcpiPlatform's FILE_GUID (OvmfPkg/AcpiPlatformDxe/QemuFwCfgAcpiPlatformDxe.inf). */
export const QEMU_FW_CFG_ACPI_PLATFORM_FILE_GUID = '17985E6F-E778-4D94-AEFA-C5DD2B77E186';

const MODULE: ModuleRef = { name: 'QemuFwCfgAcpiPlatform', fileGuid: QEMU_FW_CFG_ACPI_PLATFORM_FILE_GUID };

export const acpiPlatformDxeUnit: DxeUnit = {
  module: MODULE,
  role: 'measures QEMU\'s ACPI blobs ("ACPI DATA", PCR1) when its code has that measurement',
  present(sec) {
    const m = moduleIn(sec.dxeFv.volume, 'DXEFV', MODULE);
    if (!m.present) return m;
    return measuresAcpiData(sec)
      ? { present: true, evidence: `${m.evidence}, whose AcpiPlatformLib holds the "ACPI DATA" event text (edk2-stable202302 on)` }
      : { present: false, evidence: `${m.evidence}, without the "ACPI DATA" measurement (before edk2-stable202302): QEMU's ACPI blobs are not measured` };
  },
  async run(ctx: DxeContext): Promise<void> {
    const files = ctx.input.fwCfgFiles;
    if (files === undefined) return; // predict says INCOMPLETE (predict-check.ts)
    ctx.stack.phase = 'dxe:AcpiPlatform';
    await measureAcpiData(ctx.dxe, files);
    ctx.acpiDataMeasured = true;
    ctx.notes.push('AcpiPlatformLib: "ACPI DATA" measured for etc/table-loader and each blob it allocates (from the given fw_cfg files)');
  },
};
