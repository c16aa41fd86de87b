/**
 * The option ROM a NIC's ROM BAR shows: QEMU finds its `romfile` in its data directories
 * (`qemu-system-x86_64 -L help` lists them; Debian: /usr/share/qemu, /usr/share/seabios,
 * /usr/lib/ipxe/qemu, where ipxe-qemu installs efi-*.rom), and maps it as a ROM BAR whose size
 * is the file's rounded up to a power of two, the rest zero (hw/pci/pci.c pci_add_option_rom).
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { VmmError } from './errors.ts';

/** QEMU's data directories on Debian, in search order. */
export const DEFAULT_ROM_DIRS: readonly string[] = ['/usr/share/qemu', '/usr/share/seabios', '/usr/lib/ipxe/qemu'];

/** The largest ROM file read (PCI ROM BARs of NICs are 256 KiB; QEMU itself stops at 2 GiB). */
export const MAX_ROM_FILE = 16 * 1024 * 1024;

/** A ROM as the device decodes it. */
export interface OptionRomBar {
  /** Where the file was found. */
  readonly file: string;
  /** The BAR contents: the file, then zeros up to the next power of two. */
  readonly bar: Uint8Array;
  /** The file's size. */
  readonly fileSize: number;
}

/** The path of `romfile` in `dirs` (the first that has it), or VmmError ROM_NOT_FOUND. */
export function findRomFile(romfile: string, dirs: readonly string[] = DEFAULT_ROM_DIRS): string {
  for (const d of dirs) {
    const p = join(d, romfile);
    try {
      if (statSync(p).isFile()) return p;
    } catch {
      // not in this directory
    }
  }
  throw new VmmError('ROM_NOT_FOUND', `option ROM ${romfile} is in none of ${dirs.join(', ')} (Debian: apt-get install ipxe-qemu; or give --option-rom-dir)`);
}

/** The ROM BAR for file contents `bytes` (named `file`). */
export function romBar(bytes: Uint8Array, file: string): OptionRomBar {
  if (bytes.length === 0) throw new VmmError('BAD_ROM_FILE', 'the option ROM file is empty (QEMU refuses it)', file);
  if (bytes.length > MAX_ROM_FILE) throw new VmmError('BAD_ROM_FILE', `the option ROM file has ${bytes.length} bytes, more than ${MAX_ROM_FILE}`, file);
  let size = 1;
  while (size < bytes.length) size *= 2;
  const bar = new Uint8Array(size);
  bar.set(bytes);
  return { file, bar, fileSize: bytes.length };
}

/** Reads `path` and returns its ROM BAR. */
export function readRomBar(path: string): OptionRomBar {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (e) {
    throw new VmmError('BAD_ROM_FILE', `cannot read the option ROM: ${(e as Error).message}`, path, { cause: e });
  }
  if (size > MAX_ROM_FILE) throw new VmmError('BAD_ROM_FILE', `the option ROM file has ${size} bytes, more than ${MAX_ROM_FILE}`, path);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new VmmError('BAD_ROM_FILE', `cannot read the option ROM: ${(e as Error).message}`, path, { cause: e });
  }
  return romBar(bytes, path);
}
