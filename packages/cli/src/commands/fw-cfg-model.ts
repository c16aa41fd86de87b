/**
 * `predict` without --fw-cfg-from-qemu: the fw_cfg files QEMU 7.2 builds for the predicted VM,
 * modelled (@tcg2sim/qemu-acpi for etc/table-loader, etc/acpi/rsdp, etc/acpi/tables and
 * etc/tpm/log; @tcg2sim/qemu-fwcfg's qemu72SmbiosFiles for the SMBIOS tables), for the VM
 * `tcg2sim capture` starts: -machine q35|pc (7.2), RAM, CPUs, the TPM device, -net none, one
 * serial port, QEMU's default devices, TCG's default CPU, and the --disk controllers and --nic
 * NICs on the slots QEMU gives them, their resources placed as OVMF places them
 * (fw-cfg-model-devices.ts). Devices placed by bus/addr, or a VM described by a QEMU command
 * line or libvirt XML, are not covered: predict stays INCOMPLETE and says why.
 */
import { Tcg2Error } from '@tcg2sim/binary-codec';
import { SMM_ACCESS_PEI_FILE_GUID, decompressMemFvsAsync, firmwareChipsetFacts, measuresAcpiData, measuresSmbios } from '@tcg2sim/platform-ovmf';
import type { Scenario, SecOutput } from '@tcg2sim/platform-ovmf';
import { QemuAcpiError, qemu72AcpiFiles, ramSplit } from '@tcg2sim/qemu-acpi';
import type { SerialPort } from '@tcg2sim/qemu-acpi';
import { SMBIOS_ANCHOR_FILE, SMBIOS_TABLES_FILE, qemu72SmbiosFiles } from '@tcg2sim/qemu-fwcfg';
import { findFileByGuid } from '@tcg2sim/uefi';
import { FwCfgError } from '@tcg2sim/qemu-fwcfg';
import type { VmFwCfgFiles } from './fw-cfg-qemu.ts';
import type { Qemu72PciDevice } from '@tcg2sim/qemu-fwcfg';
import type { ShellCommand } from '@tcg2sim/qemu-config';
import { flagDevices, modelledPciState, placedDevicesReason } from './fw-cfg-model-devices.ts';
import { describedVm } from './fw-cfg-model-described.ts';
import type { DeviceVm } from './fw-cfg-model-devices.ts';

/** The modelled files, or why the VM is not one the model covers. */
export type ModelledFwCfg = VmFwCfgFiles | { readonly uncovered: string };

/** What the model needs to know of the VM (a Scenario has it). */
export type ModelVm = Pick<Scenario, 'machine' | 'memoryMiB' | 'cpus' | 'maxCpus' | 'smm' | 's3' | 'tpmInterface'> & DeviceVm;

/** The VM the model builds: the flags' (capture's VM) or a command line's. */
interface ModelShape {
  readonly devices: readonly Qemu72PciDevice[];
  readonly defaultDevices: boolean;
  readonly serialPort: SerialPort;
  readonly s3Disabled: boolean;
  readonly s4Disabled: boolean;
  readonly smmDisabled?: boolean;
  readonly what: string;
}

/** The model's VM for `s` (`described`: the --qemu-cmdline/--libvirt-xml line), or why it is outside the model. */
function modelShape(s: ModelVm, described: boolean | ShellCommand, smbios: boolean, smmBuild: boolean): ModelShape | string {
  if (smbios && s.maxCpus !== undefined && s.maxCpus !== s.cpus) return 'SMBIOS with maxcpus is not modelled';
  if (described === true) return 'a VM from --qemu-cmdline/--libvirt-xml (its devices and machine version decide the DSDT)';
  if (described !== false) {
    const d = describedVm(described);
    if ('uncovered' in d) return `the command line's ${d.uncovered}`;
    // an SMM build negotiates SMI features whenever QEMU has SMM, which smm=auto gives under TCG
    if (smmBuild && d.smmAuto && s.machine === 'q35') return 'an SMM build without smm=on|off on the machine (QEMU\'s auto enables SMM under TCG)';
    if (smbios && d.smbiosChanged) return 'the command line\'s -uuid or SMP topology changes SMBIOS, which is not modelled';
    const where = (x: Qemu72PciDevice): string => x.path.map((n) => `${n.dev.toString(16).padStart(2, '0')}.${n.fn}`).join('/');
    return { ...d, what: `the command line's VM${d.devices.length > 0 ? ` (${d.devices.map((x) => `${x.driver} at ${where(x)}`).join(', ')})` : ''}` };
  }
  const placed = placedDevicesReason(s);
  if (placed !== undefined) return `${placed} (QEMU's slots for them are not modelled without a command line)`;
  const devices = flagDevices(s);
  return {
    devices, defaultDevices: true, serialPort: true, s3Disabled: !s.s3, s4Disabled: false,
    what: `-machine ${s.machine}${s.smm ? ',smm=on' : ''} -m ${s.memoryMiB}, tpm-${s.tpmInterface}, -net none, one serial port, QEMU's default devices${devices.length > 0 ? `, ${devices.map((d) => `${d.driver} at 00:${(d.path[0]?.dev ?? 0).toString(16).padStart(2, '0')}.0`).join(', ')}` : ''}`,
  };
}

/** The files for `s` booting `sec`'s image, or why they are not modelled (`described`: the VM's command line, true when it is not at hand). */
export async function modelledFwCfgFiles(s: ModelVm, sec: SecOutput, described: boolean | ShellCommand): Promise<ModelledFwCfg> {
  const smbios = measuresSmbios(sec);
  const smmBuild = findFileByGuid(sec.peiFv.volume, SMM_ACCESS_PEI_FILE_GUID) !== undefined;
  const shape = modelShape(s, described, smbios, smmBuild);
  if (typeof shape === 'string') return { uncovered: shape };
  const chipset = firmwareChipsetFacts(sec.peiFv, s.machine);
  const smi = s.machine === 'q35' && s.smm && smmBuild;
  let files: Map<string, Uint8Array>;
  try {
    // QEMU's DSDT follows the resources OVMF assigned the devices (docs/ovmf-pci-resources.md)
    const pci = await modelledPciState(s, shape.devices, chipset.pciExpressBase, shape.defaultDevices);
    files = new Map(qemu72AcpiFiles({
      machine: s.machine, cpus: s.cpus, ...(s.maxCpus !== undefined ? { maxCpus: s.maxCpus } : {}), memoryMiB: s.memoryMiB, tpm: s.tpmInterface,
      chipset: { pmBase: chipset.pmBase, ...(chipset.pciExpressBase !== undefined ? { pciExpressBase: chipset.pciExpressBase } : {}) },
      smiCpuHotplug: smi, s3Disabled: shape.s3Disabled, s4Disabled: shape.s4Disabled, ...(shape.smmDisabled === true ? { smmDisabled: true } : {}), defaultDevices: shape.defaultDevices, serialPort: shape.serialPort, pci,
    }));
  } catch (e) {
    if (e instanceof QemuAcpiError || e instanceof FwCfgError) return { uncovered: e.message };
    throw e;
  }
  if (smbios) {
    const t = qemu72SmbiosFiles({ machine: s.machine, ...ramSplit(s.machine, s.memoryMiB), cpus: s.cpus });
    files.set(SMBIOS_ANCHOR_FILE, t.anchor);
    files.set(SMBIOS_TABLES_FILE, t.tables);
  }
  return {
    files,
    note: `QEMU 7.2's ACPI tables (modelled); --fw-cfg-from-qemu reads your QEMU's: ${shape.what}${shape.devices.length > 0 ? ' (PCI resources placed as OVMF\'s PciBusDxe places them)' : ''} (${chipset.evidence}${smi ? '; SMI features negotiated as OVMF does' : ''})${smbios ? '; SMBIOS too, with type 4 of TCG\'s default qemu64 CPU' : ''}`,
  };
}

/** The modelled files for `vm` booting `code`, when that build measures them and the model covers the VM (capture's prediction check). */
export async function modelledFwCfgFilesOf(code: Uint8Array, vm: ModelVm): Promise<ReadonlyMap<string, Uint8Array> | undefined> {
  const sec = await decompressedOrUndefined(decompressMemFvsAsync(code));
  if (sec === undefined || !measuresAcpiData(sec)) return undefined;
  const m = await modelledFwCfgFiles(vm, sec, false);
  return 'uncovered' in m ? undefined : m.files;
}

/** SEC's output, or undefined when the image does not decompress: the prediction then reports that, naming the file. */
export async function decompressedOrUndefined(sec: Promise<SecOutput>): Promise<SecOutput | undefined> {
  try {
    return await sec;
  } catch (e) {
    if (e instanceof Tcg2Error) return undefined;
    throw e;
  }
}
