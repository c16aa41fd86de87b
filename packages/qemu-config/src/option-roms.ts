/**
 * Which option ROM file QEMU loads for a device, and from where: `romfile=` as given, else the
 * device model's default (QEMU 7.2: iPXE `efi-*.rom` for NICs, SeaBIOS `vgabios-*.bin` for VGA
 * devices), found like QEMU finds it: in the `-L` directories, then the data directories next to
 * the binary (Debian: `BINDIR/../share/qemu`, `../share/seabios`, `../lib/ipxe/qemu`;
 * `qemu-system-x86_64 -L help` lists them). `--option-rom-dir DIR` replaces that search. With
 * `rombar=0` the ROM has no BAR, and OVMF (which does not read fw_cfg `genroms/`) never sees it.
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import type { DeviceConfig, VmDescription } from './vm-description.ts';

const EEPRO100 = ['i82550', 'i82551', 'i82557a', 'i82557b', 'i82557c', 'i82558a', 'i82558b', 'i82559a', 'i82559b', 'i82559c', 'i82559er', 'i82562', 'i82801'];

/** QEMU 7.2's default `romfile` per device model (absent: no ROM). */
export const DEFAULT_ROM_FILES: ReadonlyMap<string, string> = new Map<string, string>([
  ...['virtio-net-pci', 'virtio-net-pci-transitional', 'virtio-net-pci-non-transitional'].map((d): [string, string] => [d, 'efi-virtio.rom']),
  ...['e1000', 'e1000-82544gc', 'e1000-82545em'].map((d): [string, string] => [d, 'efi-e1000.rom']),
  ['e1000e', 'efi-e1000e.rom'],
  ['rtl8139', 'efi-rtl8139.rom'],
  ['vmxnet3', 'efi-vmxnet3.rom'],
  ['ne2k_pci', 'efi-ne2k_pci.rom'],
  ['pcnet', 'efi-pcnet.rom'],
  ...EEPRO100.map((d): [string, string] => [d, 'efi-eepro100.rom']),
  ['VGA', 'vgabios-stdvga.bin'],
  ['cirrus-vga', 'vgabios-cirrus.bin'],
  ['qxl-vga', 'vgabios-qxl.bin'],
  ['virtio-vga', 'vgabios-virtio.bin'],
  ['vmware-svga', 'vgabios-vmware.bin'],
  ['ati-vga', 'vgabios-ati.bin'],
  ['bochs-display', 'vgabios-bochs-display.bin'],
]);

export interface OptionRom {
  /** The file name or path as QEMU is told it (`romfile=` or the default). */
  readonly name: string;
  /** Where it was found; undefined when no searched directory has it. */
  readonly path: string | undefined;
  readonly source: 'romfile' | 'default';
  /** False with `rombar=0`: no ROM BAR, so the firmware does not see the ROM. */
  readonly exposed: boolean;
}

/** The directories QEMU searches for data files, for a binary at `program`. */
export function qemuDataDirs(program: string, dataDirs: readonly string[]): string[] {
  const bin = isAbsolute(program) ? dirname(program) : '/usr/bin';
  return [...dataDirs, join(bin, '..', 'share', 'qemu'), join(bin, '..', 'share', 'seabios'), join(bin, '..', 'lib', 'ipxe', 'qemu')];
}

/**
 * The option ROM of `dev` in `vm`: undefined when it has none (`romfile=` empty, or a model
 * without a default ROM).
 */
export function optionRomOf(dev: DeviceConfig, vm: Pick<VmDescription, 'program' | 'dataDirs'>, optionRomDir?: string): OptionRom | undefined {
  const given = dev.romfile;
  if (given === '') return undefined;
  const name = given ?? DEFAULT_ROM_FILES.get(dev.driver);
  if (name === undefined) return undefined;
  const dirs = optionRomDir !== undefined ? [optionRomDir] : qemuDataDirs(vm.program, vm.dataDirs);
  const path = isAbsolute(name) ? (existsSync(name) ? name : undefined) : dirs.map((d) => join(d, name)).find((p) => existsSync(p));
  return { name, path, source: given !== undefined ? 'romfile' : 'default', exposed: dev.rombar !== 0 };
}
