/**
 * A `virt` description (qemu-system-aarch64 -M virt) onto what `tcg2sim predict` models for
 * ArmVirtQemu (docs/armvirt.md): RAM, CPUs, the two pflash units and a tpm-tis-device on an
 * emulator (swtpm) back-end, under TCG. The options QEMU's fw_cfg contents depend on (machine
 * type, CPU model, -smp) are kept as given, so that `--fw-cfg-from-qemu` reads the same tables.
 * NICs (virtio-net-pci: its x64 iPXE ROM image is measured, ArmVirtQemu's VirtioNetDxe drives it)
 * and raw GPT disks on virtio-blk-pci, nvme or virtio-scsi-pci + scsi-hd are taken with their PCI
 * places on virt's root bus (slot 0 is the GPEX host bridge) or behind root ports.
 * Everything else that could change what the firmware measures is a {@link Finding} naming the
 * option: other NIC models and disk interfaces, bootindex, other devices, machine properties,
 * globals, fw_cfg items, -boot, KVM, CPU models not checked against a real boot.
 */
import type { Finding, PredictInput, PredictMapping } from './predict-mapping.ts';
import type { VmDescription } from './vm-description.ts';
import { disksOf, nicsOf } from './predict-devices.ts';
import { bootOrderOf } from './boot-order.ts';
import { pflashFirmware } from './pflash-mapping.ts';
import type { BootOrderFinding } from './boot-order.ts';
import type { PredictDisk, PredictNic } from './predict-devices.ts';

/** The `virt` options QEMU's fw_cfg tables depend on, as QEMU is to be given them. */
export interface VirtQemuOptions {
  /** `-machine` type (`virt`, `virt-7.2`). */
  readonly machine: string;
  /** `-cpu` model. */
  readonly cpu: string;
  /** `-smp` argument. */
  readonly smp: string;
  /**
   * `gic-version` as given (`2`, `3`, `max`; undefined: QEMU 7.2's TCG default, 2): GICv3 gives
   * another MADT (a GICv3 distributor, a redistributor range, the ITS) and an IORT ITS group.
   */
  readonly gicVersion?: string;
  /**
   * False for a machine without ACPI (`-no-acpi`, `acpi=off`): QEMU offers no etc/table-loader and
   * ArmVirtQemu's PlatformHasAcpiDtDxe hands the OS the device tree instead.
   */
  readonly acpi?: boolean;
  /**
   * AHCI controllers (`-device ich9-ahci|ahci`, with or without SATA disks on them): ArmVirtQemu has
   * no AHCI or ATA driver, so neither they nor their disks give a boot option or a measurement.
   */
  readonly ahciControllers?: number;
}

/** gic-version values checked against real boots under TCG (QEMU 7.2: max is GICv3 there). */
export const VIRT_GIC_VERSIONS: ReadonlySet<string> = new Set(['2', '3', 'max']);

/** AArch64 CPU models whose boots were checked against the prediction (QEMU 7.2, TCG). */
export const VIRT_CPU_MODELS: ReadonlySet<string> = new Set(['cortex-a57', 'max']);

/** Machine properties without effect on what ArmVirtQemu measures (or read elsewhere: pflash). */
const INERT_VIRT_PROPERTIES = new Set(['pflash0', 'pflash1', 'accel', 'dump-guest-core', 'mem-merge', 'memory-backend', 'usb', 'graphics', 'suppress-vmdesc']);

function smpText(d: VmDescription): string {
  const s = d.smp;
  const parts = [String(s.cpus)];
  if (s.maxCpus !== s.cpus) parts.push(`maxcpus=${s.maxCpus}`);
  for (const [k, v] of [['sockets', s.sockets], ['dies', s.dies], ['cores', s.cores], ['threads', s.threads]] as const) if (v !== undefined) parts.push(`${k}=${v}`);
  return parts.join(',');
}

/** Devices taken on virt besides NICs and disks: the SCSI disks' controller and the PCIe ports they may sit behind. */
const VIRT_DEVICES = new Set(['virtio-scsi-pci', 'pcie-root-port', 'ich9-ahci', 'ahci']);
/**
 * NIC models on virt checked against real boots: virtio-net-pci (VirtioNetDxe), e1000 and e1000e
 * (their ROM's x64 iPXE image measured, no driver: docs/armvirt.md §15).
 */
const VIRT_NIC_MODELS = new Set(['virtio-net-pci', 'e1000', 'e1000e']);
/** AHCI controllers on virt, and the SATA devices that sit on them. */
const VIRT_AHCI = new Set(['ich9-ahci', 'ahci']);
const SATA_DEVICES = new Set(['ide-hd', 'ide-cd']);

function deviceFindings(d: VmDescription, findings: Finding[]): { nics: PredictNic[]; disks: PredictDisk[]; ahci: number } {
  // An AHCI controller and its SATA disks: no driver in ArmVirtQemu (the image is checked for one
  // when predicting), so the disks' images are never read; a bootindex on them is not modelled.
  for (const dev of d.devices) {
    if ((VIRT_AHCI.has(dev.driver) || SATA_DEVICES.has(dev.driver)) && dev.bootindex !== undefined) findings.push({ origin: dev.origin, reason: `bootindex on ${dev.driver} on virt: a SATA boot entry is not modelled` });
  }
  const ahci = d.devices.filter((x) => VIRT_AHCI.has(x.driver)).length;
  for (const dev of d.devices) {
    if (dev.kind === 'tpm' || dev.kind === 'disk') continue;
    if (dev.kind === 'nic') {
      if (!VIRT_NIC_MODELS.has(dev.driver)) findings.push({ origin: dev.origin, reason: `NIC model ${dev.driver} on virt: not modelled (virtio-net-pci, e1000 and e1000e are)` });
      continue;
    }
    if (!VIRT_DEVICES.has(dev.driver)) findings.push({ origin: dev.origin, reason: `${dev.driver}: devices other than tpm-tis-device, virtio-net-pci, virtio-blk-pci, nvme, virtio-scsi-pci + scsi-hd and pcie-root-port are not modelled on virt` });
  }
  const nics = nicsOf({ ...d, devices: d.devices.filter((x) => x.kind !== 'nic' || VIRT_NIC_MODELS.has(x.driver)) }, findings);
  const { disks } = disksOf({ ...d, devices: d.devices.filter((x) => !SATA_DEVICES.has(x.driver)) }, findings);
  return { nics, disks, ahci };
}

/** Maps a `virt` description onto predict's inputs, collecting every unmodelled finding. */
export function mapVirtToPredict(d: VmDescription): PredictMapping {
  const findings: Finding[] = d.unmodelledOptions.map((u) => ({ origin: u.origin, reason: u.reason }));
  if (d.machine.version !== undefined && d.machine.version !== '7.2') findings.push({ origin: d.machine.origin, reason: `machine version ${d.machine.version}: the model is QEMU 7.2's virt (virt, virt-7.2)` });
  for (const [k, v] of Object.entries(d.machine.properties)) {
    // gic-version: 2 is QEMU 7.2 virt's default under TCG, 3 and max (GICv3 under TCG) give other
    // ACPI tables, read from QEMU with the property (--fw-cfg-from-qemu); the firmware measures
    // nothing else differently (real boots, docs/armvirt.md §15). libvirt always writes it.
    if (k === 'gic-version') {
      if (!VIRT_GIC_VERSIONS.has(v)) findings.push({ origin: d.machine.origin, reason: v === 'host' ? 'gic-version=host takes the host\'s GIC under KVM, which is not modelled (2, 3 and max under TCG are)' : `gic-version=${v} is not modelled on virt (2, 3 and max are)` });
      continue;
    }
    // acpi=off is -no-acpi: no ACPI tables, the device tree only
    if (k === 'acpi' && (v === 'on' || v === 'off' || v === 'auto')) continue;
    if (!INERT_VIRT_PROPERTIES.has(k)) findings.push({ origin: d.machine.origin, reason: `machine property ${k}=${v} is not modelled on virt` });
  }
  if (d.accel !== 'tcg') findings.push({ origin: d.machine.origin, reason: `-accel ${d.accel}: ArmVirtQemu is checked under TCG only` });
  if (d.cpu.origin.offset === undefined) findings.push({ origin: d.cpu.origin, reason: "virt's default CPU is the 32-bit cortex-a15, which does not run AArch64 AAVMF: give -cpu cortex-a57" });
  else if (!VIRT_CPU_MODELS.has(d.cpu.model)) findings.push({ origin: d.cpu.origin, reason: `CPU model ${d.cpu.model}: not checked against a real boot on virt (${[...VIRT_CPU_MODELS].join(', ')} are)` });
  if (Object.keys(d.cpu.features).length > 0) findings.push({ origin: d.cpu.origin, reason: `CPU features ${Object.keys(d.cpu.features).join(', ')}: not modelled on virt` });
  if (d.smp.maxCpus !== d.smp.cpus) findings.push({ origin: { text: '-smp', offset: undefined }, reason: `maxcpus ${d.smp.maxCpus} > cpus ${d.smp.cpus}: not modelled on virt` });
  for (const g of d.globals) findings.push({ origin: g.origin, reason: `global ${g.driver}.${g.property}: not modelled on virt` });
  for (const f of d.fwCfg) findings.push({ origin: f.origin, reason: `fw_cfg ${f.name}: not modelled on virt` });
  // -boot order=/once=/menu= give no bootorder entries; strict=on adds HALT after the bootindex paths (boot-order.ts), as on x86
  const { nics, disks, ahci } = deviceFindings(d, findings);
  const bootOrderFindings: BootOrderFinding[] = [];
  const qemuBootOrder = bootOrderOf(d, bootOrderFindings);
  findings.push(...bootOrderFindings.map((f) => ({ origin: f.device.origin, reason: f.reason })));
  const [disk, ...moreDisks] = disks;
  let firmware: PredictInput['firmware'] | undefined;
  if (d.firmware.kind !== 'pflash') {
    findings.push({ origin: d.firmware.kind === 'bios' ? d.firmware.origin : { text: '(no pflash)', offset: undefined }, reason: 'give AAVMF as pflash units 0 (AAVMF_CODE.fd) and 1 (AAVMF_VARS.fd) on virt' });
  } else {
    firmware = pflashFirmware(d.firmware, findings);
  }
  if (d.tpm === undefined) findings.push({ origin: { text: '(no -device tpm-tis-device)', offset: undefined }, reason: 'a VM without a TPM measures nothing' });
  else if (d.tpm.model !== 'tpm-tis-device') findings.push({ origin: d.tpm.origin, reason: `${d.tpm.model} on virt: tpm-tis-device is virt's TPM` });
  else if (d.tpm.backend !== 'emulator') findings.push({ origin: d.tpm.origin, reason: `-tpmdev ${d.tpm.backend}: the TPM is modelled as swtpm (-tpmdev emulator)` });
  const gic = d.machine.properties['gic-version'];
  const input: PredictInput | undefined = firmware !== undefined && d.tpm?.model === 'tpm-tis-device'
    ? {
      machine: 'virt', memoryMiB: d.memoryMiB, cpus: d.smp.cpus, maxCpus: d.smp.maxCpus, smm: false, s3: false,
      cpu: { vendor: '', physBits: 0, page1g: false }, defaultCdrom: false, tpmInterface: 'tis', firmware, disk: disk?.file, qemuBootOrder,
      ...(disk !== undefined ? { diskInterface: disk.iface, diskPlacement: disk.placement } : {}),
      ...(moreDisks.length > 0 ? { moreDisks } : {}),
      ...(nics.length > 0 ? { nics } : {}),
      virt: {
        machine: d.machine.name, cpu: d.cpu.model, smp: smpText(d),
        ...(gic !== undefined ? { gicVersion: gic } : {}),
        ...(d.noAcpi !== undefined || d.machine.properties['acpi'] === 'off' ? { acpi: false } : {}),
        ...(ahci > 0 ? { ahciControllers: ahci } : {}),
      },
    }
    : undefined;
  return { input, findings, notes: [] };
}
