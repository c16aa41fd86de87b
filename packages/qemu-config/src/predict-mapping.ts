/**
 * A {@link VmDescription} onto what `tcg2sim predict` models today: machine (q35/pc), memory,
 * CPUs, the CPU facts PlatformPei reads, S3, the TPM interface, the firmware files, the NICs
 * (virtio-net-pci, e1000, e1000e with their PCI locations, mac= and romfile=) and raw disks on
 * virtio-blk, NVMe, SATA or virtio-scsi (predict-devices.ts: the first is `disk`, the others
 * `moreDisks`, in creation order). Everything in the description that
 * changes measurements and has no model is a {@link Finding} naming the option; options without
 * effect on measurements pass silently.
 */
import { QemuConfigError } from './errors.ts';
import { disksOf, nicsOf, otherDevicesOf } from './predict-devices.ts';
import type { PredictDevice, PredictDisk, PredictNic } from './predict-devices.ts';
import type { DeviceKind, Origin, VmDescription } from './vm-description.ts';
import { bootOrderOf } from './boot-order.ts';
import { pflashFirmware } from './pflash-mapping.ts';
import { mapVirtToPredict } from './virt-mapping.ts';
import type { VirtQemuOptions } from './virt-mapping.ts';
import type { BootOrderFinding } from './boot-order.ts';

/** Something that changes measurements and is not modelled. */
export interface Finding {
  readonly origin: Origin;
  readonly reason: string;
}

/** What predict takes (the scenario's machine fields, firmware, TPM interface and disk). */
export interface PredictInput {
  /** `virt`: an ArmVirtQemu VM (virt-mapping.ts); only memory, CPUs, firmware and `virt` apply. */
  readonly machine: 'q35' | 'pc' | 'virt';
  readonly memoryMiB: number;
  readonly cpus: number;
  readonly maxCpus: number;
  readonly smm: boolean;
  readonly s3: boolean;
  readonly cpu: { readonly vendor: string; readonly physBits: number; readonly page1g: boolean };
  /** QEMU's default empty CD-ROM is there (no -nodefaults). */
  readonly defaultCdrom: boolean;
  readonly tpmInterface: 'tis' | 'crb';
  readonly firmware: { readonly kind: 'pflash'; readonly code: string; readonly vars: string | undefined } | { readonly kind: 'bios'; readonly bios: string };
  /** The raw image BDS boots. */
  readonly disk: string | undefined;
  /** Its controller and place (with `disk`). */
  readonly diskInterface?: PredictDisk['iface'];
  readonly diskPlacement?: PredictDisk['placement'];
  /** The disks after the first, in creation order (each with its controller and place). */
  readonly moreDisks?: readonly PredictDisk[];
  /** The NICs in creation order, each with its PCI location. */
  readonly nics?: readonly PredictNic[];
  /** The other PCI devices the command line adds (their drivers' allocations move ImageLocationInMemory). */
  readonly devices?: readonly PredictDevice[];
  /** QEMU's bootorder fw_cfg file from the devices' bootindex (boot-order.ts); undefined without any. */
  readonly qemuBootOrder: Uint8Array | undefined;
  /** On `virt`: the options QEMU's fw_cfg contents (ACPI, SMBIOS) depend on, as given. */
  readonly virt?: VirtQemuOptions;
}

export interface PredictMapping {
  /** Undefined when something essential (firmware, TPM) is missing; see findings. */
  readonly input: PredictInput | undefined;
  readonly findings: readonly Finding[];
  /**
   * What is modelled but less exactly (none at present: the boot model itself notes the devices
   * whose allocations it has no measured footprint for).
   */
  readonly notes: readonly string[];
}

/** Device kinds that change measurements and have no model yet. */
const DEVICE_KIND_FINDINGS: Readonly<Record<DeviceKind, string | undefined>> = {
  nic: undefined, // nicsOf decides
  unknown: 'a device tcg2sim does not know, so it cannot tell whether it changes measurements',
  disk: undefined, // diskFinding decides
  'pci-bridge': undefined,
  'storage-controller': undefined,
  'usb-controller': undefined,
  display: undefined,
  tpm: undefined,
  inert: undefined,
};

/** Machine properties without effect on what the firmware measures (or read elsewhere: smm, usb, pflash). */
const INERT_MACHINE_PROPERTIES = new Set(['usb', 'smm', 'dump-guest-core', 'mem-merge', 'memory-backend', 'pflash0', 'pflash1', 'accel', 'vmport', 'kernel_irqchip', 'kernel-irqchip', 'hpet', 'graphics', 'suppress-vmdesc', 'smbus', 'pit', 'pic', 'i8042', 'default-bus-bypass-iommu', 'x-oem-id', 'x-oem-table-id', 'sata']);

/** -global DRIVER.PROPERTY without effect on measurements. */
const INERT_GLOBALS = new Set(['ICH9-LPC.disable_s4', 'PIIX4_PM.disable_s4', 'cfi.pflash01.secure', 'kvm-pit.lost_tick_policy', 'isa-fdc.driveA', 'isa-fdc.driveB', 'isa-fdc.fdtypeA', 'isa-fdc.fdtypeB', 'ICH9-LPC.noreboot', 'PIIX4_PM.disable_s3', 'ICH9-LPC.disable_s3', 'mc146818rtc.lost_tick_policy', 'qxl-vga.vram_size', 'qxl-vga.ram_size']);

/** CPU models whose CPUID vendor tcg2sim knows (QEMU 7.2 builtin definitions). */
const CPU_VENDORS: Readonly<Record<string, string>> = { qemu64: 'AuthenticAMD', kvm64: 'GenuineIntel', qemu32: 'GenuineIntel', kvm32: 'GenuineIntel' };

function on(v: string): boolean {
  return v === '1' || v === 'on' || v === 'true' || v === 'yes';
}

/** The s3 fact: -global ICH9-LPC.disable_s3=1 (q35) or PIIX4_PM.disable_s3=1 (pc) takes S3 out of fw_cfg etc/system-states. */
export function s3Of(d: VmDescription): boolean {
  const driver = d.machine.family === 'q35' ? 'ICH9-LPC' : 'PIIX4_PM';
  const g = d.globals.findLast((x) => x.driver === driver && x.property === 'disable_s3');
  return g === undefined ? true : !on(g.value);
}

function cpuOf(d: VmDescription, findings: Finding[]): PredictInput['cpu'] {
  const f = d.cpu.features;
  const vendorFeature = f['vendor'];
  const physFeature = f['phys-bits'];
  const vendor = typeof vendorFeature === 'string' ? vendorFeature : CPU_VENDORS[d.cpu.model];
  let physBits = 40; // QEMU 7.2's default phys-bits without host-phys-bits
  if (typeof physFeature === 'string') {
    if (!/^\d{1,2}$/.test(physFeature) || Number(physFeature) < 32 || Number(physFeature) > 52) findings.push({ origin: d.cpu.origin, reason: `phys-bits=${physFeature} is not 32..52` });
    else physBits = Number(physFeature);
  }
  const pdpe1gb = f['pdpe1gb'];
  const page1g = pdpe1gb === true || (typeof pdpe1gb === 'string' && on(pdpe1gb));
  if (vendor === undefined) findings.push({ origin: d.cpu.origin, reason: `CPU model ${d.cpu.model}: its CPUID vendor and 1 GiB-page support (read by PlatformPei for the address width, PCR0) are not modelled (qemu64/kvm64, or vendor=… and phys-bits=…, are)` });
  if (d.accel !== 'tcg' && (typeof vendorFeature !== 'string' || typeof physFeature !== 'string')) {
    findings.push({ origin: d.cpu.origin, reason: `with -accel ${d.accel} the CPUID vendor and physical-address width PlatformPei reads (PCR0) are the host CPU's, which tcg2sim cannot see: pin them with -cpu ${d.cpu.model},vendor=…,phys-bits=… or use -accel tcg` });
  }
  for (const k of ['host-phys-bits', 'vmx', 'smx', 'lmce']) {
    const v = f[k];
    if (v === true || (typeof v === 'string' && on(v))) findings.push({ origin: d.cpu.origin, reason: `${k}: changes what PlatformPei reads (address width or fw_cfg etc/msr_feature_control), not modelled` });
  }
  return { vendor: vendor ?? 'AuthenticAMD', physBits, page1g };
}

function deviceFindings(d: VmDescription, findings: Finding[]): { disks: PredictDisk[]; cdrom: boolean; nics: PredictNic[] } {
  for (const dev of d.devices) {
    const reason = DEVICE_KIND_FINDINGS[dev.kind];
    if (reason !== undefined) findings.push({ origin: dev.origin, reason: dev.kind === 'unknown' ? `${dev.driver}: ${reason}` : reason });
    if (dev.kind !== 'nic' && dev.romfile !== undefined && dev.romfile !== '') findings.push({ origin: dev.origin, reason: `romfile=${dev.romfile}: an option ROM's EFI image is measured in PCR2, not modelled` });
  }
  const { disks, cdrom } = disksOf(d, findings);
  return { disks, cdrom, nics: nicsOf(d, findings) };
}

/** Maps a description onto predict's inputs, collecting every unmodelled finding. */
export function mapToPredict(d: VmDescription): PredictMapping {
  if (d.machine.family === 'virt') return mapVirtToPredict(d);
  const findings: Finding[] = d.unmodelledOptions.map((u) => ({ origin: u.origin, reason: u.reason }));
  if (d.noAcpi !== undefined) findings.push({ origin: d.noAcpi, reason: 'a machine without ACPI is not modelled' });
  if (d.machine.version !== undefined && d.machine.version !== '7.2') findings.push({ origin: d.machine.origin, reason: `machine version ${d.machine.version}: the model is QEMU 7.2's machine types (pc-q35-7.2, pc-i440fx-7.2)` });
  for (const [k, v] of Object.entries(d.machine.properties)) {
    if (!INERT_MACHINE_PROPERTIES.has(k) || (k === 'sata' && !on(v))) findings.push({ origin: d.machine.origin, reason: `machine property ${k}=${v} is not modelled` });
  }
  const cpu = cpuOf(d, findings);
  for (const g of d.globals) {
    if (!INERT_GLOBALS.has(`${g.driver}.${g.property}`)) findings.push({ origin: g.origin, reason: `global ${g.driver}.${g.property}: tcg2sim does not know whether it changes measurements` });
  }
  for (const f of d.fwCfg) {
    if (/^(opt\/ovmf\/|opt\/org\.tianocore\/|etc\/)/.test(f.name)) findings.push({ origin: f.origin, reason: `fw_cfg ${f.name} is read by OVMF (or overrides QEMU's own item), not modelled` });
  }
  const { disks, cdrom, nics } = deviceFindings(d, findings);
  const [disk, ...moreDisks] = disks;
  const devices = otherDevicesOf(d, disks);
  const bootOrderFindings: BootOrderFinding[] = [];
  const qemuBootOrder = bootOrderOf(d, bootOrderFindings);
  findings.push(...bootOrderFindings.map((f) => ({ origin: f.device.origin, reason: f.reason })));
  let firmware: PredictInput['firmware'] | undefined;
  if (d.firmware.kind === 'default') findings.push({ origin: { text: '(no -bios, no pflash)', offset: undefined }, reason: "QEMU's default firmware is SeaBIOS, give OVMF with -drive if=pflash or -bios" });
  else if (d.firmware.kind === 'bios') firmware = { kind: 'bios', bios: d.firmware.file };
  else {
    firmware = pflashFirmware(d.firmware, findings);
  }
  let tpmInterface: PredictInput['tpmInterface'] | undefined;
  if (d.tpm === undefined) findings.push({ origin: { text: '(no -device tpm-tis/tpm-crb)', offset: undefined }, reason: 'a VM without a TPM measures nothing' });
  else if (d.tpm.model === 'tpm-tis') tpmInterface = 'tis';
  else if (d.tpm.model === 'tpm-crb') tpmInterface = 'crb';
  const input = firmware !== undefined && tpmInterface !== undefined
    ? {
      machine: d.machine.family, memoryMiB: d.memoryMiB, cpus: d.smp.cpus, maxCpus: d.smp.maxCpus, smm: d.machine.smm ?? false, s3: s3Of(d), cpu, defaultCdrom: cdrom, tpmInterface, firmware,
      disk: disk?.file,
      qemuBootOrder,
      ...(disk !== undefined ? { diskInterface: disk.iface, diskPlacement: disk.placement } : {}),
      ...(moreDisks.length > 0 ? { moreDisks } : {}),
      ...(nics.length > 0 ? { nics } : {}),
      ...(devices.length > 0 ? { devices } : {}),
    }
    : undefined;
  return { input, findings, notes: [] };
}

/** One line naming every finding: `-device e1000e,netdev=n0: NICs are not modelled yet (…); …`. */
export function describeFindings(findings: readonly Finding[]): string {
  return findings.map((f) => `${f.origin.text}${f.origin.offset !== undefined ? ` (offset ${f.origin.offset})` : ''}: ${f.reason}`).join('; ');
}

/**
 * predict's inputs, or QemuConfigError('NOT_MODELLED') naming everything that is not modelled.
 * @throws QemuConfigError('NOT_MODELLED')
 */
export function requirePredictable(d: VmDescription): PredictInput {
  const m = mapToPredict(d);
  const first = m.findings[0];
  if (first !== undefined || m.input === undefined) {
    throw new QemuConfigError('NOT_MODELLED', describeFindings(m.findings), { where: first?.origin.text ?? '', ...(first?.origin.offset !== undefined ? { offset: first.origin.offset } : {}) });
  }
  return m.input;
}
