import { guidFromString } from '@tcg2sim/binary-codec';
import { LOAD_OPTION as UEFI_LOAD_OPTION, decodeLoadOption, devicePathFromText, devicePathToText, encodeLoadOption, makeLoadOption } from '@tcg2sim/uefi';
import type { DevicePath } from '@tcg2sim/uefi';
import type { MachineDescription } from '../machine.ts';
import { uniqueDescriptions } from './bds-network.ts';
import type { NetworkOption } from './bds-network.ts';
import { diskInterfaceOf, diskOptions, keepsDefaultCdrom } from './disk-interfaces.ts';
import type { DiskSpec } from './disk-interfaces.ts';
import { LEGACY_BDS_PLATFORM_OPTIONS } from './bds-platform-options.ts';
import type { BdsPlatformOptions } from './bds-platform-options.ts';
import { connectRank } from './boot-order-apply.ts';
import type { DeviceConnection } from './boot-order-apply.ts';

/** EFI_LOAD_OPTION attribute bits (UEFI 2.9 §3.1.3). */
export const LOAD_OPTION = UEFI_LOAD_OPTION;

/** UiApp's FILE_GUID (MdeModulePkg/Application/UiApp/UiApp.inf). */
export const UI_APP_FILE_GUID = '462CAA21-7614-4503-836E-8AB6F4662331';
/** gUefiShellFileGuid (ShellPkg/Application/Shell/Shell.inf). */
export const UEFI_SHELL_FILE_GUID = '7C04A583-9E3E-4F1C-AD65-E05268D0B4D1';
/** mBmAutoCreateBootOptionGuid: OptionalData of the options BDS creates for removable media. */
export const BM_AUTO_CREATE_BOOT_OPTION_GUID = '8108AC4E-9F11-4D59-850E-E21A522C59B2';

/** What kind of target a boot option points at, for the attempt model. */
export type BootTarget =
  | { readonly kind: 'fv-app'; readonly fileGuid: string }
  | { readonly kind: 'cdrom-empty' }
  /** A removable-media option for a whole disk: BDS expands it to the loader on its filesystem.
   * `index`: the disk's command-line position (absent: the first). */
  | { readonly kind: 'disk'; readonly index?: number }
  /** A network option (a LoadFile handle under a NIC's MAC() node): see bds-network.ts. */
  | { readonly kind: 'network' }
  | { readonly kind: 'other' };

/** A Boot#### option as BDS registers it. */
export interface BootOption {
  readonly number: number;
  readonly attributes: number;
  readonly description: string;
  /** The first device path of FilePathList. */
  readonly filePath: DevicePath;
  readonly optionalData: Uint8Array;
  readonly target: BootTarget;
}

/** Fv(name)/FvFile(file). */
export function fvFilePath(fvName: string, fileGuid: string): DevicePath {
  return devicePathFromText(`Fv(${fvName})/FvFile(${fileGuid})`);
}

/**
 * The empty CD-ROM drive QEMU creates by default (no -nodefaults): q35 AHCI port 2, serial
 * QM00005; pc PIIX IDE secondary master, serial QM00003. The description is BmGetBootDescription's
 * "UEFI " + ATA model + " " + serial + " " (as the real Boot0001 variables show).
 */
export function defaultCdromOption(m: MachineDescription): { description: string; filePath: DevicePath } {
  if (m.machine === 'q35') {
    return { description: 'UEFI QEMU DVD-ROM QM00005 ', filePath: devicePathFromText('PciRoot(0x0)/Pci(0x1F,0x2)/Sata(0x2,0xFFFF,0x0)') };
  }
  return { description: 'UEFI QEMU DVD-ROM QM00003 ', filePath: devicePathFromText('PciRoot(0x0)/Pci(0x1,0x1)/Ata(Secondary,Master,0x0)') };
}

/** Classifies a boot option's first device path for the attempt model. */
export function bootTargetOf(path: DevicePath, m: MachineDescription, disks: readonly DiskSpec[] = ['virtio']): BootTarget {
  const text = devicePathToText(path);
  const fv = /^Fv\([0-9A-Fa-f-]+\)\/FvFile\(([0-9A-Fa-f-]+)\)$/.exec(text);
  if (fv?.[1] !== undefined) return { kind: 'fv-app', fileGuid: fv[1].toUpperCase() };
  if (text === devicePathToText(defaultCdromOption(m).filePath)) return { kind: 'cdrom-empty' };
  const d = diskOptions(m, disks).find((o) => devicePathToText(o.filePath) === text);
  if (d !== undefined) return d.index === 0 ? { kind: 'disk' } : { kind: 'disk', index: d.index };
  if (path.nodes.some((n) => n.type === 3 && n.subType === 11)) return { kind: 'network' };
  return { kind: 'other' };
}

/**
 * The virtio-blk disk QEMU adds for `-drive if=virtio` on the VMs captured here (default VGA,
 * `-net none`): the first free PCI slot, 0x2 on q35 (0x1 is VGA), 0x3 on pc (0x1 PIIX3, 0x2 VGA).
 * BmGetBootDescription has no name for a virtio-blk BlockIo, so BmGetMiscDescription gives
 * "UEFI Misc Device"; the option's path is the controller's, short of any partition (measured on
 * real OVMF 2022.11 boots, q35 and pc).
 */
export function virtioDiskOption(m: MachineDescription): { description: string; filePath: DevicePath } {
  return { description: 'UEFI Misc Device', filePath: virtioDiskDevicePath(m) };
}

/** PciRoot(0x0)/Pci(slot,0x0) of the virtio-blk disk. */
export function virtioDiskDevicePath(m: MachineDescription): DevicePath {
  return devicePathFromText(virtioDiskText(m));
}

function virtioDiskText(m: MachineDescription): string {
  return `PciRoot(0x0)/Pci(${m.machine === 'q35' ? '0x2' : '0x3'},0x0)`;
}

/** What BDS boots from a GPT disk: the partition holding the loader and the loader's path. */
export interface DiskBootTarget {
  /** HD() PartitionNumber (1-based entry index). */
  readonly partitionNumber: number;
  readonly partitionStart: bigint;
  readonly partitionSize: bigint;
  /** UniquePartitionGUID: the HD() signature. */
  readonly partitionGuid: string;
  /** `\\EFI\\BOOT\\BOOTX64.EFI`. */
  readonly filePath: string;
}

/**
 * The full path BmExpandMediaDevicePath gives LoadImage for the disk option:
 * `PciRoot(0x0)/Pci(slot,0x0)/HD(n,GPT,guid,start,size)/\\EFI\\BOOT\\BOOTX64.EFI`.
 */
export function expandedDiskLoaderPath(m: MachineDescription, t: DiskBootTarget, disks: readonly DiskSpec[] = ['virtio'], index = 0): DevicePath {
  const hd = `HD(${t.partitionNumber},GPT,${t.partitionGuid},0x${t.partitionStart.toString(16).toUpperCase()},0x${t.partitionSize.toString(16).toUpperCase()})`;
  const controller = diskOptions(m, disks).find((o) => o.index === index)?.text ?? virtioDiskText(m);
  return devicePathFromText(`${controller}/${hd}/${t.filePath}`);
}

/** What the VM has besides OVMF's own devices. */
export interface BootDevices {
  /** A virtio-blk disk (`-drive if=virtio`). */
  readonly virtioDisk?: boolean;
  /** The attached disks in command-line order (overrides `virtioDisk`). */
  readonly disks?: readonly DiskSpec[];
  /** The LoadFile options of NICs driven by option ROM drivers, in enumeration order (bds-network.ts). */
  readonly network?: readonly NetworkOption[];
  /**
   * Whether BDS creates an option for the empty DVD-ROM (default true: edk2-stable202211;
   * edk2-stable202305 and later create none for an absent removable medium).
   */
  readonly emptyCdromOption?: boolean;
  /** Whether DXEFV holds the UEFI Shell (default true; some builds, e.g. Debian's secboot, do not). */
  readonly shell?: boolean;
  /** PlatformBootManagerLib's own options (default: edk2-stable202211's, bds-platform-options.ts). */
  readonly platform?: BdsPlatformOptions;
  /** Which devices BDS connected (default all; QEMU's bootorder narrows it: boot-order-apply.ts). */
  readonly connection?: DeviceConnection;
}

/**
 * The boot options OVMF 2022.11 creates on a VM with default devices and an empty store:
 * Boot0000 the Boot Manager Menu (UiApp, ACTIVE|HIDDEN|CATEGORY_APP), then the auto-created
 * options in enumeration order (BlockIo: the DVD-ROM, then a virtio-blk disk when there is one;
 * then LoadFile: the network options of NICs), descriptions made unique, then
 * "EFI Internal Shell"; BootOrder in number order. Without a disk: 0000,0001,0002; with one the
 * disk is Boot0002 and the Shell Boot0003; one NIC adds five options before the Shell. Without the
 * DVD-ROM option (`emptyCdromOption` false, edk2-stable202305 and later) the numbers move down by one.
 * edk2-stable202505 and later (`platform`): Boot0000 is BootManagerMenuApp, Boot0001 "EFI Firmware
 * Setup" (an APP option) before the enumerated devices, and the Shell an APP option.
 */
export function defaultOvmfBootOptions(m: MachineDescription, dxeFvName: string, devices: BootDevices = {}): BootOption[] {
  const cd = defaultCdromOption(m);
  const interfaces: readonly DiskSpec[] = devices.disks ?? (devices.virtioDisk === true ? ['virtio'] : []);
  // An ide-hd or scsi-hd disk makes QEMU drop its default CD-ROM, as -nodefaults does; BDS
  // numbers the options that follow from the first free number.
  const connection = devices.connection ?? { kind: 'all' };
  const withCd = m.defaultCdrom && keepsDefaultCdrom(interfaces.map(diskInterfaceOf)) && devices.emptyCdromOption !== false && connectRank(connection, devicePathToText(cd.filePath)) !== undefined;
  // LoadFile handles: the NICs' in connect order.
  const network = (devices.network ?? [])
    .map((o, i) => ({ o, i, rank: connectRank(connection, devicePathToText(o.filePath)) }))
    .filter((r): r is { o: NetworkOption; i: number; rank: number } => r.rank !== undefined)
    .sort((a, b) => a.rank - b.rank || a.i - b.i)
    .map((r) => r.o);
  const autoGuid = guidFromString(BM_AUTO_CREATE_BOOT_OPTION_GUID);
  const enumerated: { description: string; filePath: DevicePath; target: BootTarget }[] = [
    ...(withCd ? [{ ...cd, target: { kind: 'cdrom-empty' } as const }] : []),
    ...diskOptions(m, interfaces, connection).map((d) => ({ description: d.description, filePath: d.filePath, target: d.index === 0 ? { kind: 'disk' } as const : { kind: 'disk', index: d.index } as const })),
    ...network.map((o) => ({ ...o, target: { kind: 'network' } as const })),
  ];
  const names = uniqueDescriptions(enumerated.map((o) => o.description));
  const platform = devices.platform ?? LEGACY_BDS_PLATFORM_OPTIONS;
  const first = platform.firmwareSetup ? 2 : 1;
  const auto: BootOption[] = enumerated.map((o, i) => ({
    number: first + i,
    attributes: LOAD_OPTION.ACTIVE,
    description: names[i] ?? o.description,
    filePath: o.filePath,
    optionalData: autoGuid,
    target: o.target,
  }));
  return [
    {
      number: 0,
      attributes: LOAD_OPTION.ACTIVE | LOAD_OPTION.HIDDEN | LOAD_OPTION.CATEGORY_APP,
      description: platform.menu.description,
      filePath: fvFilePath(dxeFvName, platform.menu.fileGuid),
      optionalData: new Uint8Array(),
      target: { kind: 'fv-app', fileGuid: platform.menu.fileGuid },
    },
    ...(platform.firmwareSetup ? [{
      number: 1,
      attributes: LOAD_OPTION.ACTIVE | LOAD_OPTION.CATEGORY_APP,
      description: 'EFI Firmware Setup',
      filePath: fvFilePath(dxeFvName, UI_APP_FILE_GUID),
      optionalData: new Uint8Array(),
      target: { kind: 'fv-app', fileGuid: UI_APP_FILE_GUID } as const,
    }] : []),
    ...auto,
    ...(devices.shell === false ? [] : [{
      number: first + auto.length,
      attributes: platform.shellAttributes,
      description: 'EFI Internal Shell',
      filePath: fvFilePath(dxeFvName, UEFI_SHELL_FILE_GUID),
      optionalData: new Uint8Array(),
      target: { kind: 'fv-app', fileGuid: UEFI_SHELL_FILE_GUID } as const,
    }]),
  ];
}

/** The Boot#### variable bytes of an option (EFI_LOAD_OPTION). */
export function encodeBootOption(o: BootOption): Uint8Array {
  return encodeLoadOption(makeLoadOption({ attributes: o.attributes, description: o.description, filePaths: [o.filePath], optionalData: o.optionalData }));
}

/** A Boot#### variable decoded into a boot option (undefined when it does not decode). */
export function decodeBootOption(number: number, data: Uint8Array, m: MachineDescription, disks?: readonly DiskSpec[]): BootOption | undefined {
  try {
    const lo = decodeLoadOption(data);
    const first = lo.filePathList[0];
    if (first === undefined) return undefined;
    return { number, attributes: lo.attributes, description: lo.description, filePath: first, optionalData: lo.optionalData, target: bootTargetOf(first, m, disks) };
  } catch {
    return undefined;
  }
}

/** BootOrder bytes: UINT16 option numbers. */
export function encodeBootOrder(numbers: readonly number[]): Uint8Array {
  const out = new Uint8Array(numbers.length * 2);
  numbers.forEach((n, i) => {
    out[2 * i] = n & 0xff;
    out[2 * i + 1] = n >> 8;
  });
  return out;
}

/** BootOrder's option numbers. */
export function decodeBootOrder(data: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < data.length; i += 2) out.push((data[i] ?? 0) | ((data[i + 1] ?? 0) << 8));
  return out;
}
