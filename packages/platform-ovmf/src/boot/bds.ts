import { EFIGuid, encode } from '@tcg2sim/binary-codec';
import type { MachineDescription } from '../machine.ts';

/** EFI_LOAD_OPTION attribute bits (UEFI 2.9 §3.1.3). */
export const LOAD_OPTION = {
  ACTIVE: 0x00000001,
  FORCE_RECONNECT: 0x00000002,
  HIDDEN: 0x00000008,
  CATEGORY_MASK: 0x00001f00,
  CATEGORY_BOOT: 0x00000000,
  CATEGORY_APP: 0x00000100,
} as const;

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
  /** A removable-media option for a whole disk: BDS expands it to the loader on its filesystem. */
  | { readonly kind: 'disk' }
  | { readonly kind: 'other' };

/** A Boot#### option as BDS registers it. */
export interface BootOption {
  readonly number: number;
  readonly attributes: number;
  readonly description: string;
  /** The FilePathList bytes (device path, end node included). */
  readonly filePath: Uint8Array;
  readonly optionalData: Uint8Array;
  readonly target: BootTarget;
}

// ---- device path nodes (UEFI 2.9 §10.3) used by OVMF's default options

function node(type: number, subType: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + body.length);
  out[0] = type;
  out[1] = subType;
  out[2] = (4 + body.length) & 0xff;
  out[3] = (4 + body.length) >> 8;
  out.set(body, 4);
  return out;
}
const END = node(0x7f, 0xff, new Uint8Array());
function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
function guidBytes(g: string): Uint8Array {
  return encode(EFIGuid, g);
}
/** Fv(name)/FvFile(file) (MEDIA_PIWG_FW_VOL_DP 4/7, MEDIA_PIWG_FW_FILE_DP 4/6). */
export function fvFilePath(fvName: string, fileGuid: string): Uint8Array {
  return concat([node(4, 7, guidBytes(fvName)), node(4, 6, guidBytes(fileGuid)), END]);
}
/** PciRoot(0x0) (ACPI_DEVICE_PATH HID PNP0A03, UID 0). */
function pciRoot(): Uint8Array {
  return node(2, 1, Uint8Array.of(0xd0, 0x41, 0x03, 0x0a, 0, 0, 0, 0));
}
function pci(dev: number, fn: number): Uint8Array {
  return node(1, 1, Uint8Array.of(fn, dev));
}

/**
 * The empty CD-ROM drive QEMU creates by default (no -nodefaults): q35 AHCI port 2
 * (`PciRoot(0x0)/Pci(0x1F,0x2)/Sata(0x2,0xFFFF,0x0)`, serial QM00005); pc PIIX IDE secondary
 * master (`PciRoot(0x0)/Pci(0x1,0x1)/Ata(Secondary,Master,0x0)`, serial QM00003). The
 * description is BmGetBootDescription's "UEFI " + ATA model + " " + serial + " ".
 */
export function defaultCdromOption(m: MachineDescription): { description: string; filePath: Uint8Array } {
  if (m.machine === 'q35') {
    return {
      description: 'UEFI QEMU DVD-ROM QM00005 ',
      filePath: concat([pciRoot(), pci(0x1f, 0x2), node(3, 0x12, Uint8Array.of(2, 0, 0xff, 0xff, 0, 0)), END]),
    };
  }
  return {
    description: 'UEFI QEMU DVD-ROM QM00003 ',
    filePath: concat([pciRoot(), pci(0x1, 0x1), node(3, 1, Uint8Array.of(1, 0, 0, 0)), END]),
  };
}

/**
 * The virtio-blk disk QEMU adds for `-drive if=virtio` on the VMs captured here (default VGA,
 * `-net none`): the first free PCI slot, 0x2 on q35 (0x1 is VGA), 0x3 on pc (0x1 PIIX3, 0x2 VGA).
 * BmGetBootDescription has no name for a virtio-blk BlockIo, so BmGetMiscDescription gives
 * "UEFI Misc Device"; the option's path is the controller's, short of any partition (measured on
 * real OVMF 2022.11 boots, q35 and pc).
 */
export function virtioDiskOption(m: MachineDescription): { description: string; filePath: Uint8Array } {
  return { description: 'UEFI Misc Device', filePath: virtioDiskDevicePath(m) };
}

/** PciRoot(0x0)/Pci(slot,0x0) of the virtio-blk disk, end node included. */
export function virtioDiskDevicePath(m: MachineDescription): Uint8Array {
  return concat([pciRoot(), pci(m.machine === 'q35' ? 0x2 : 0x3, 0x0), END]);
}

/** What BDS boots from a GPT disk: the partition holding the loader and the loader's path. */
export interface DiskBootTarget {
  /** HD() PartitionNumber (1-based entry index). */
  readonly partitionNumber: number;
  readonly partitionStart: bigint;
  readonly partitionSize: bigint;
  /** UniquePartitionGUID: the HD() signature. */
  readonly partitionGuid: string;
  /** `\EFI\BOOT\BOOTX64.EFI`. */
  readonly filePath: string;
}

/**
 * The full path BmExpandMediaDevicePath gives LoadImage for the disk option:
 * `PciRoot(0x0)/Pci(slot,0x0)/HD(n,GPT,guid,start,size)/\EFI\BOOT\BOOTX64.EFI`.
 */
export function expandedDiskLoaderPath(m: MachineDescription, t: DiskBootTarget): Uint8Array {
  const hd = new Uint8Array(38);
  const v = new DataView(hd.buffer);
  v.setUint32(0, t.partitionNumber, true);
  v.setBigUint64(4, t.partitionStart, true);
  v.setBigUint64(12, t.partitionSize, true);
  hd.set(guidBytes(t.partitionGuid), 20);
  hd[36] = 0x02; // MBRType: GPT
  hd[37] = 0x02; // SignatureType: GUID
  const name = new Uint8Array(t.filePath.length * 2 + 2);
  for (let i = 0; i < t.filePath.length; i++) {
    name[2 * i] = t.filePath.charCodeAt(i) & 0xff;
    name[2 * i + 1] = t.filePath.charCodeAt(i) >> 8;
  }
  const controller = virtioDiskDevicePath(m);
  return concat([controller.subarray(0, controller.length - END.length), node(4, 1, hd), node(4, 4, name), END]);
}

/** What the VM has besides OVMF's own devices. */
export interface BootDevices {
  /** A virtio-blk disk (`-drive if=virtio`). */
  readonly virtioDisk?: boolean;
}

/**
 * The boot options OVMF 2022.11 creates on a VM with default devices and an empty store:
 * Boot0000 the Boot Manager Menu (UiApp, ACTIVE|HIDDEN|CATEGORY_APP), then the auto-created
 * options in enumeration order (the DVD-ROM, then a virtio-blk disk when there is one), then
 * "EFI Internal Shell"; BootOrder in number order. Without a disk: 0000,0001,0002; with one the
 * disk is Boot0002 and the Shell Boot0003.
 */
export function defaultOvmfBootOptions(m: MachineDescription, dxeFvName: string, devices: BootDevices = {}): BootOption[] {
  const cd = defaultCdromOption(m);
  const disk: BootOption[] = devices.virtioDisk === true
    ? [{ number: 2, attributes: LOAD_OPTION.ACTIVE, ...virtioDiskOption(m), optionalData: guidBytes(BM_AUTO_CREATE_BOOT_OPTION_GUID), target: { kind: 'disk' } }]
    : [];
  return [
    {
      number: 0,
      attributes: LOAD_OPTION.ACTIVE | LOAD_OPTION.HIDDEN | LOAD_OPTION.CATEGORY_APP,
      description: 'UiApp',
      filePath: fvFilePath(dxeFvName, UI_APP_FILE_GUID),
      optionalData: new Uint8Array(),
      target: { kind: 'fv-app', fileGuid: UI_APP_FILE_GUID },
    },
    {
      number: 1,
      attributes: LOAD_OPTION.ACTIVE,
      description: cd.description,
      filePath: cd.filePath,
      optionalData: guidBytes(BM_AUTO_CREATE_BOOT_OPTION_GUID),
      target: { kind: 'cdrom-empty' },
    },
    ...disk,
    {
      number: 2 + disk.length,
      attributes: LOAD_OPTION.ACTIVE,
      description: 'EFI Internal Shell',
      filePath: fvFilePath(dxeFvName, UEFI_SHELL_FILE_GUID),
      optionalData: new Uint8Array(),
      target: { kind: 'fv-app', fileGuid: UEFI_SHELL_FILE_GUID },
    },
  ];
}

/** EFI_LOAD_OPTION bytes: UINT32 Attributes; UINT16 FilePathListLength; CHAR16 Description[]; FilePathList; OptionalData. */
export function encodeBootOption(o: BootOption): Uint8Array {
  const desc = new Uint8Array(o.description.length * 2 + 2);
  for (let i = 0; i < o.description.length; i++) {
    desc[2 * i] = o.description.charCodeAt(i) & 0xff;
    desc[2 * i + 1] = o.description.charCodeAt(i) >> 8;
  }
  const head = new Uint8Array(6);
  const v = new DataView(head.buffer);
  v.setUint32(0, o.attributes, true);
  v.setUint16(4, o.filePath.length, true);
  return concat([head, desc, o.filePath, o.optionalData]);
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
