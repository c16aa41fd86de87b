/**
 * The typed description of a VM as QEMU is told it: what a command line (or libvirt domain)
 * says, resolved (implied devices, defaults, PCI addresses), before anything is decided about
 * what tcg2sim models. `toPredictInput` (predict-mapping.ts) maps it onto a prediction.
 */
import type { PropObject } from './option-syntax.ts';

/** Where a description element came from: the option as written and its offset. */
export interface Origin {
  /** `-device e1000e,netdev=n0` (shortened), or `(default)` for something QEMU adds itself. */
  readonly text: string;
  readonly offset: number | undefined;
}

export interface MachineConfig {
  /** The name as given (`pc-q35-7.2`, `q35`, `virt-7.2`). */
  readonly name: string;
  /** `virt`: qemu-system-aarch64's Arm machine (docs/armvirt.md, virt-mapping.ts). */
  readonly family: 'q35' | 'pc' | 'virt';
  /** `7.2` for a versioned name; undefined for the `q35`/`pc`/`virt` aliases (the newest version). */
  readonly version: string | undefined;
  /** `smm=on|off`; undefined when not given (QEMU's `auto`). */
  readonly smm: boolean | undefined;
  /** `usb=on` adds the machine's USB controller. */
  readonly usb: boolean;
  /** Other properties as given (pflash0/1, memory-backend, accel, …). */
  readonly properties: Readonly<Record<string, string>>;
  readonly origin: Origin;
}

export interface SmpConfig {
  readonly cpus: number;
  readonly maxCpus: number;
  readonly sockets: number | undefined;
  readonly dies: number | undefined;
  readonly cores: number | undefined;
  readonly threads: number | undefined;
}

export interface CpuConfig {
  /** `qemu64` when -cpu is not given. */
  readonly model: string;
  /** `+feat`/`-feat` as true/false, `key=value` as strings. */
  readonly features: Readonly<Record<string, string | boolean>>;
  readonly origin: Origin;
}

/** A `-global driver.property=value`. */
export interface GlobalProperty {
  readonly driver: string;
  readonly property: string;
  readonly value: string;
  readonly origin: Origin;
}

/** A block image as QEMU opens it (resolved through -blockdev format/protocol nodes). */
export interface BlockImage {
  /** The file QEMU opens, when the protocol is `file` (or host_device). */
  readonly filename: string | undefined;
  /** raw, qcow2, … (undefined: QEMU probes, which -drive without format= does). */
  readonly format: string | undefined;
  readonly readOnly: boolean;
  /** The -drive id / -blockdev node-name the device refers to. */
  readonly id: string | undefined;
  readonly origin: Origin;
}

export type Firmware =
  | { readonly kind: 'pflash'; readonly code: BlockImage; readonly vars: BlockImage | undefined }
  | { readonly kind: 'bios'; readonly file: string; readonly origin: Origin }
  /** Neither -bios nor pflash: QEMU's own default (SeaBIOS). */
  | { readonly kind: 'default' };

export interface TpmConfig {
  /** `tpm-tis` or `tpm-crb` (or another TPM device model, kept as given). */
  readonly model: string;
  /** The -tpmdev back-end type: emulator (swtpm) or passthrough. */
  readonly backend: string;
  readonly origin: Origin;
}

/** A PCI function address. */
export interface PciAddress {
  /** The id of the bus (`pcie.0`, `pci.0`, a root port's or bridge's id). */
  readonly bus: string;
  readonly slot: number;
  readonly fn: number;
  /** Whether it was given (`addr=`) or assigned as QEMU assigns it (first free slot). */
  readonly assigned: 'explicit' | 'auto';
  /** UEFI device path text of the function: `PciRoot(0x0)/Pci(0x1,0x3)/Pci(0x0,0x0)`. */
  readonly devicePath: string;
}

/** What a device is, for deciding what it changes. */
export type DeviceKind =
  | 'pci-bridge'
  | 'nic'
  | 'disk'
  | 'storage-controller'
  | 'usb-controller'
  | 'display'
  | 'tpm'
  | 'inert'
  | 'unknown';

export interface DeviceConfig {
  readonly driver: string;
  readonly id: string | undefined;
  readonly kind: DeviceKind;
  /** Set for PCI devices once placed. */
  readonly pci: PciAddress | undefined;
  /** The bus property as given (PCI or not: `usb.0`, `scsi0.0`, `virtio-serial0.0`). */
  readonly busProperty: string | undefined;
  readonly bootindex: number | undefined;
  /** `romfile=` as given ('' disables the ROM); undefined: the device's default ROM. */
  readonly romfile: string | undefined;
  /** `rombar=` (0 hides the ROM BAR). */
  readonly rombar: number | undefined;
  /** The image of a disk (drive=…). */
  readonly drive: BlockImage | undefined;
  /** The -netdev of a NIC. */
  readonly netdev: string | undefined;
  /** Whether QEMU adds it by itself (default VGA, NIC, CD-ROM) or a -drive/-nic implies it. */
  readonly implicit: boolean;
  readonly props: PropObject;
  readonly origin: Origin;
}

export interface BootConfig {
  readonly order: string | undefined;
  readonly once: string | undefined;
  readonly menu: boolean | undefined;
  readonly strict: boolean | undefined;
  readonly origin: Origin | undefined;
}

export interface FwCfgItem {
  readonly name: string;
  readonly file: string | undefined;
  readonly string: string | undefined;
  readonly origin: Origin;
}

/** An option that changes measurements and that the description does not model. */
export interface Unmodelled {
  readonly origin: Origin;
  readonly reason: string;
}

/** Everything the command line says that matters for a boot. */
export interface VmDescription {
  readonly program: string;
  readonly env: Readonly<Record<string, string>>;
  readonly machine: MachineConfig;
  readonly memoryMiB: number;
  readonly smp: SmpConfig;
  readonly cpu: CpuConfig;
  /** `kvm`, `tcg` (QEMU's default), … */
  readonly accel: string;
  readonly globals: readonly GlobalProperty[];
  readonly firmware: Firmware;
  readonly tpm: TpmConfig | undefined;
  /** Every device, built-in devices QEMU adds by default included, in creation order. */
  readonly devices: readonly DeviceConfig[];
  readonly boot: BootConfig;
  readonly fwCfg: readonly FwCfgItem[];
  /** -nodefaults: no default VGA, NIC, CD-ROM, serial, monitor. */
  readonly nodefaults: boolean;
  /** `-no-acpi`, where given (a machine without ACPI tables; `-machine acpi=off` is a machine property). */
  readonly noAcpi: Origin | undefined;
  /** -L directories (where QEMU looks for ROM files). */
  readonly dataDirs: readonly string[];
  /** Options that change measurements and that tcg2sim does not model (from the option table). */
  readonly unmodelledOptions: readonly Unmodelled[];
}
