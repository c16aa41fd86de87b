/**
 * `predict --fw-cfg-from-qemu`: the fw_cfg files the installed QEMU builds for the predicted VM,
 * read through qtest (@tcg2sim/qemu-fwcfg; no firmware boot), for builds whose AcpiPlatformLib
 * measures QEMU's ACPI blobs. The VM is the one `tcg2sim capture` starts: from --qemu-cmdline /
 * --libvirt-xml the user's own line (qtestArguments), else machine (with smm=on for --smm), RAM,
 * CPUs, the TPM device on an swtpm, `-net none`, one serial port, the --disk images on their
 * controllers and the --nic NICs after them. QEMU builds etc/acpi/tables from the PCI state
 * the firmware left: before reading, the PCI hierarchy is programmed as OVMF's PciBusDxe leaves
 * it (qemu-fwcfg ovmf-pci/, docs/newer-ovmf.md "ACPI data with PCI devices").
 * ArmVirtQemu images: the same on `qemu-system-aarch64 -M virt` (virtFwCfgFiles).
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FwCfgError, OVMF_SMI_FEATURE_MASK, ovmfPciApertures, readQemuFwCfgFiles, readVirtFwCfgFiles } from '@tcg2sim/qemu-fwcfg';
import type { ApertureCpu, E820Entry, OvmfPciApertures } from '@tcg2sim/qemu-fwcfg';
import { MachineDescription, SMM_ACCESS_PEI_FILE_GUID, TABLE_LOADER_FILE, diskQemuArguments, firmwareChipsetFacts, ramLayout } from '@tcg2sim/platform-ovmf';
import { NIC_MODELS, VIRT_FLASH_BANK_SIZE } from '@tcg2sim/qemu-vmm';
import { qtestArguments } from '@tcg2sim/qemu-config';
import type { ShellCommand } from '@tcg2sim/qemu-config';
import { findFileByGuid } from '@tcg2sim/uefi';
import type { Scenario, SecOutput } from '@tcg2sim/platform-ovmf';
import type { VirtQemuOptions } from '@tcg2sim/qemu-config';
import { CommandFailure } from '../errors.ts';

/** The files, and a note saying where they came from. */
export interface VmFwCfgFiles {
  readonly files: ReadonlyMap<string, Uint8Array>;
  readonly note: string;
}

/** The QEMU options of the scenario's VM that decide its ACPI tables (without --qemu-cmdline). */
export function vmArguments(s: Scenario, swtpmSocket: string): string[] {
  const smp = s.maxCpus !== undefined ? `${s.cpus},maxcpus=${s.maxCpus}` : String(s.cpus);
  const disks = s.disk === undefined ? [] : [{ file: s.disk, iface: s.diskInterface ?? 'virtio' }, ...(s.moreDisks ?? []).map((d) => ({ file: d.disk, iface: d.diskInterface ?? 'virtio' }))];
  const nics = (s.nics ?? []).flatMap((n, i) => {
    const model = typeof n === 'string' ? n : n.model;
    const romfile = typeof n !== 'string' && n.romfile !== undefined ? n.romfile : s.optionRomDir !== undefined ? join(s.optionRomDir, NIC_MODELS[model].romfile) : undefined;
    const props = [model, `netdev=tcg2sim-net${i}`, ...(typeof n !== 'string' && n.mac !== undefined ? [`mac=${n.mac}`] : []), ...(romfile !== undefined ? [`romfile=${romfile.replaceAll(',', ',,')}`] : [])];
    return ['-netdev', `user,id=tcg2sim-net${i}`, '-device', props.join(',')];
  });
  return [
    '-machine', s.smm ? `${s.machine},smm=on` : s.machine, '-m', String(s.memoryMiB), '-smp', smp,
    '-chardev', `socket,id=chrtpm,path=${swtpmSocket}`, '-tpmdev', 'emulator,id=tpm0,chardev=chrtpm', '-device', `tpm-${s.tpmInterface},tpmdev=tpm0`,
    '-net', 'none', '-serial', 'null',
    ...diskQemuArguments(s.machine, disks), ...nics,
  ];
}

/** Why the flags' VM cannot be built for QEMU without a command line (placed devices), or undefined. */
function unplacedReason(s: Scenario): string | undefined {
  if (s.devices !== undefined && s.devices.length > 0) return 'other PCI devices (a scenario\'s devices)';
  if (s.diskPlacement !== undefined || (s.moreDisks ?? []).some((d) => d.diskPlacement !== undefined)) return 'disks placed by bus/addr';
  if ((s.nics ?? []).some((n) => typeof n !== 'string' && n.pciPath !== undefined)) return 'NICs placed by bus/addr';
  return undefined;
}

/** Runs `read` with the control socket of a fresh swtpm (the VM's TPM device needs one), then ends it. */
async function withSwtpm<T>(read: (socket: string, dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'tcg2sim-fwcfg-'));
  const sock = join(dir, 'swtpm-ctrl.sock');
  const swtpm = spawn('swtpm', ['socket', '--tpm2', '--tpmstate', `dir=${dir}`, '--ctrl', `type=unixio,path=${sock}`, '--flags', 'not-need-init'], { stdio: 'ignore' });
  const spawnError = new Promise<never>((_, reject) => swtpm.once('error', (e) => reject(new CommandFailure(`--fw-cfg-from-qemu: cannot start swtpm: ${e.message}`))));
  spawnError.catch(() => undefined);
  try {
    for (let i = 0; i < 250 && !existsSync(sock); i++) await Promise.race([new Promise((r) => setTimeout(r, 20)), spawnError]);
    if (!existsSync(sock)) throw new CommandFailure('--fw-cfg-from-qemu: swtpm did not open its control socket');
    return await read(sock, dir);
  } catch (e) {
    if (e instanceof FwCfgError) throw new CommandFailure(`--fw-cfg-from-qemu: ${e.message}`, { cause: e });
    throw e;
  } finally {
    swtpm.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The VM as --qemu-cmdline / --libvirt-xml give it. */
export interface VmCommand {
  readonly cmd: ShellCommand;
  readonly flag: string;
  readonly cpu: ApertureCpu;
}

/**
 * Starts an swtpm and QEMU under qtest for the scenario's VM (`vm`: the user's command line),
 * programs its PCI hierarchy as OVMF's enumeration leaves it, and reads its fw_cfg files.
 */
export async function vmFwCfgFiles(s: Scenario, sec: SecOutput, vm?: VmCommand): Promise<VmFwCfgFiles> {
  const chipset = firmwareChipsetFacts(sec.peiFv, s.machine);
  // SMM builds negotiate QEMU's SMI features first (broadcast, CPU hotplug and hot-unplug: OvmfPkg
  // SmiFeatures.c), which changes the CPU hotplug AML.
  const smmBuild = s.smm && findFileByGuid(sec.peiFv.volume, SMM_ACCESS_PEI_FILE_GUID) !== undefined;
  const unplaced = vm === undefined ? unplacedReason(s) : undefined;
  const what = vm !== undefined
    ? `the ${vm.flag} VM (its devices, serial console on null)`
    : `-machine ${s.machine}${s.smm ? ',smm=on' : ''} -m ${s.memoryMiB}, tpm-${s.tpmInterface}, -net none, one serial port${s.disk !== undefined ? ', the disks' : ''}${(s.nics ?? []).length > 0 ? ', the NICs' : ''}`;
  const layout = ramLayout(MachineDescription.parse({ machine: s.machine, memoryMiB: s.memoryMiB }));
  // PlatformPei's apertures from the machine, RAM, CPU and QEMU's own E820 table
  const pci = (e820: readonly E820Entry[] | undefined): OvmfPciApertures => ovmfPciApertures({
    machine: s.machine, belowFourG: BigInt(layout.belowFourG), aboveFourG: layout.aboveFourG, e820,
    ...(chipset.pciExpressBase !== undefined ? { pciExpressBase: chipset.pciExpressBase } : {}), ...(vm !== undefined ? { cpu: vm.cpu } : {}),
  });
  // one swtpm per QEMU (it ends when QEMU closes its control channel)
  const read = (programPci: boolean): Promise<Map<string, Uint8Array>> => withSwtpm(async (sock, dir) => {
    let args: string[];
    if (vm !== undefined) {
      const varsCopy = join(dir, 'vars.fd');
      if (s.vars !== undefined) copyFileSync(s.vars, varsCopy);
      args = qtestArguments(vm.cmd, { swtpmCtrl: sock, varsCopy, scratchSocket: join(dir, 'qmp.sock') });
    } else args = vmArguments(s, sock);
    return readQemuFwCfgFiles({ machine: s.machine, chipset, args, ...(programPci ? { pci } : {}), ...(smmBuild ? { smiFeatureMask: OVMF_SMI_FEATURE_MASK } : {}) });
  });
  let pciNote = '';
  let files: Map<string, Uint8Array>;
  try {
    files = await read(true);
  } catch (e) {
    const cause = e instanceof CommandFailure ? e.cause : e;
    if (!(cause instanceof FwCfgError) || cause.code !== 'PCI_NOT_MODELLED') throw e;
    pciNote = cause.message;
    files = await read(false);
  }
  const notModelled = pciNote !== '' ? pciNote : unplaced !== undefined ? `${unplaced} need --qemu-cmdline or --libvirt-xml to be placed in QEMU` : undefined;
  const note = `ACPI blobs ("ACPI DATA") read from qemu-system-x86_64 under qtest for ${what}, the PCI hierarchy programmed as OVMF's PciBusDxe leaves it (${chipset.evidence}${smmBuild ? '; SMI features negotiated as OVMF does' : ''})`;
  return {
    files,
    note: notModelled === undefined ? note : `INCOMPLETE: --fw-cfg-from-qemu: ${notModelled}: QEMU's etc/acpi/tables follows the PCI resources OVMF assigns, which are not modelled for this VM: the "ACPI DATA" event of etc/acpi/tables and PCR1 may be wrong`,
  };
}

/**
 * The same for an ArmVirtQemu image on `qemu-system-aarch64 -M virt` (capture's VM, virtQemuArguments,
 * without its QMP and console). pflash unit 0 must hold a 64 MiB image, as on a real boot: QEMU's
 * DSDT differs when the bank is empty (docs/armvirt.md §8); what the image holds does not matter
 * (no guest code runs under -S), so a sparse blank file stands in for it.
 */
export async function virtFwCfgFiles(s: Pick<Scenario, 'memoryMiB' | 'cpus'>, virt?: VirtQemuOptions): Promise<VmFwCfgFiles> {
  const v = virt ?? { machine: 'virt', cpu: 'cortex-a57', smp: String(s.cpus) };
  // the machine properties the tables depend on: the GIC (MADT, IORT) and ACPI itself (acpi=off: no etc/table-loader)
  const machine = [v.machine, ...(v.gicVersion !== undefined ? [`gic-version=${v.gicVersion}`] : []), ...(v.acpi === false ? ['acpi=off'] : [])].join(',');
  return withSwtpm(async (sock, dir) => {
    const flash = join(dir, 'pflash0.fd');
    writeFileSync(flash, new Uint8Array());
    truncateSync(flash, VIRT_FLASH_BANK_SIZE);
    const args = [
      '-machine', machine, '-cpu', v.cpu, '-m', String(s.memoryMiB), '-smp', v.smp,
      '-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${flash}`,
      '-chardev', `socket,id=chrtpm,path=${sock}`, '-tpmdev', 'emulator,id=tpm0,chardev=chrtpm', '-device', 'tpm-tis-device,tpmdev=tpm0',
      '-net', 'none', '-serial', 'null',
    ];
    const files = await readVirtFwCfgFiles({ args });
    const what = files.has(TABLE_LOADER_FILE) ? 'ACPI blobs ("ACPI DATA")' : `fw_cfg files (no ${TABLE_LOADER_FILE}: no ACPI tables)`;
    return { files, note: `${what} read from qemu-system-aarch64 under qtest for -machine ${machine} -cpu ${v.cpu} -m ${s.memoryMiB} -smp ${v.smp}, pflash unit 0 present, tpm-tis-device, -net none` };
  });
}

/**
 * The fw_cfg files for one configuration of a matrix (`predict --matrix … --fw-cfg-from-qemu`): one
 * QEMU under qtest per configuration, as a single `predict` reads them; `files` empty when the
 * build measures none of QEMU's blobs.
 */
export async function configurationFwCfgFiles(s: Scenario, code: Uint8Array, sec: Promise<SecOutput>): Promise<VmFwCfgFiles> {
  const notMeasured = { files: new Map<string, Uint8Array>(), note: '--fw-cfg-from-qemu: this build does not measure QEMU\'s ACPI blobs: QEMU not started' };
  const { armVirtImage, isArmVirtImage } = await import('@tcg2sim/platform-armvirt');
  const { measuresAcpiData } = await import('@tcg2sim/platform-ovmf');
  if (isArmVirtImage(code)) return measuresAcpiData(armVirtImage(code)) ? virtFwCfgFiles(s) : notMeasured;
  const booted = await sec;
  return measuresAcpiData(booted) ? vmFwCfgFiles(s, booted) : notMeasured;
}
