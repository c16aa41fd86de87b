/**
 * PlatformPei (OvmfPkg/PlatformPei): what it writes into PEIFV's own globals before Tcg2Pei
 * measures the volume (PlatformInfo HOB copy, QemuFwCfgPeiLib's flags, the pre-PlatformInitLib
 * globals, PeiCore's ACPI timer base): platform-pei/peifv.ts finds those places in its image and
 * fills them for the VM. Without PlatformPei, PEIFV is measured as SEC decompressed it; without
 * Tcg2Pei it is never measured, and PlatformPei's writes play no part.
 */
import { getVariable } from '@tcg2sim/uefi';
import { peiFvAtMeasurement, PLATFORM_PEI_FILE_GUID } from '../../platform-pei/peifv.ts';
import type { PeiContext } from './context.ts';
import { modulePresence } from './stand-ins.ts';
import { TCG2_PEI_FILE_GUID } from '../../platform-pei/firmware-version.ts';
import type { PeiUnit } from './pei-unit.ts';
import { bootOrderFromIndexes } from '../boot-order-devices.ts';
import { qemu72FwCfgFiles } from '../../platform-pei/qemu-fw-cfg-files.ts';
import type { QemuFwCfgFile } from '../../platform-pei/qemu-fw-cfg-files.ts';

/**
 * QEMU's fw_cfg directory for the VM, which edk2-stable202608's QemuFwCfgLib caches in HOBs before
 * SMBASE relocation (pei-hob-list-202608.ts): the one read from the installed QEMU when
 * `fwCfgFiles` is a whole directory (--fw-cfg-from-qemu reads every file, etc/e820 among them;
 * the modelled ACPI and SMBIOS files alone are not one), else the capture VM's
 * (qemu-fw-cfg-files.ts) with a non-empty bootorder (bootindex: the file BdsDxe reads, made as
 * bds-dxe.ts makes it); undefined: the capture VM's as it is.
 */
function fwCfgFilesOf(input: PeiContext['input']): readonly QemuFwCfgFile[] | undefined {
  const read = input.fwCfgFiles;
  if (read?.has('etc/e820') === true) return [...read].map(([name, data]) => ({ name, size: data.length }));
  const bootOrder = input.qemuBootOrder ?? bootOrderFromIndexes(input.machine, input.disk === undefined ? [] : [
    { iface: input.diskInterface ?? 'virtio', placement: input.diskPlacement, bootIndex: input.diskBootIndex },
    ...(input.moreDisks ?? []).map((d) => ({ iface: d.diskInterface ?? 'virtio', placement: d.placement, bootIndex: d.bootIndex })),
  ], input.nics ?? [], input.bootStrict === true);
  if (bootOrder === undefined || bootOrder.length === 0) return undefined;
  return qemu72FwCfgFiles(input.machine).map((f) => (f.name === 'bootorder' ? { name: f.name, size: bootOrder.length } : f));
}

export const platformPeiUnit: PeiUnit = {
  module: { name: 'PlatformPei', fileGuid: PLATFORM_PEI_FILE_GUID },
  role: 'writes into PEIFV before Tcg2Pei measures it (PCR0)',
  // peiFvAtMeasurement looks for PlatformPei itself and says so when the volume has none.
  always: true,
  run(ctx: PeiContext): Promise<void> {
    const { input, sec, build } = ctx;
    if (!modulePresence(sec, 'PEI', { name: 'Tcg2Pei', fileGuid: TCG2_PEI_FILE_GUID }).present) {
      ctx.notes.push('PlatformPei: PEIFV has no Tcg2Pei, so PEIFV is never measured: PlatformPei\'s writes into it play no part');
      return Promise.resolve();
    }
    ctx.measuredPeiFv = peiFvAtMeasurement(sec.peiFv, input.machine, build, (n, g) => (input.vars === undefined ? undefined : getVariable(input.vars, n, g)?.data), undefined, fwCfgFilesOf(input));
    ctx.notes.push(...ctx.measuredPeiFv.notes);
    return Promise.resolve();
  },
};
