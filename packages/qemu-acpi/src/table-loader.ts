/**
 * QEMU's `etc/table-loader`: the linker/loader script the firmware runs over the ACPI blobs
 * (QEMU's BIOS linker/loader interface, hw/acpi/bios-linker-loader.c; EDK II reads the same
 * format in OvmfPkg/Include/IndustryStandard/QemuLoader.h). A
 * sequence of 128-byte commands: a UINT32 command, then its arguments, zero-padded; file names
 * are 56-byte NUL-padded fields. The script is padded with zero commands to a multiple of 4 KiB.
 */
import { concatBytes, encode, fixedBytes, struct, u32le, u8 } from '@tcg2sim/binary-codec';
import type { Codec } from '@tcg2sim/binary-codec';
import { QemuAcpiError } from './errors.ts';

export const LOADER_COMMAND_SIZE = 128;
export const LOADER_FILE_NAME_SIZE = 56;
/** QEMU pads the loader script to this (ACPI_BUILD_ALIGN_SIZE). */
export const LOADER_ALIGN = 0x1000;

export const LOADER_ALLOCATE = 1;
export const LOADER_ADD_POINTER = 2;
export const LOADER_ADD_CHECKSUM = 3;
/** ALLOCATE zones: anywhere in RAM below 4 GiB, or the F-segment (0xE0000-0xFFFFF). */
export const ZONE_HIGH = 1;
export const ZONE_FSEG = 2;

const fileName = (n: string): Codec<Uint8Array> => fixedBytes(n, LOADER_FILE_NAME_SIZE);

/** ALLOCATE: 4 + 56 + 4 + 1 bytes, then padding. */
export const LoaderAllocate = struct('LoaderAllocate', {
  command: u32le, file: fileName('file'), align: u32le, zone: u8, padding: fixedBytes('padding', 63),
});
/** ADD_POINTER: add the source blob's address to the `size`-byte field at `offset` in the destination blob. */
export const LoaderAddPointer = struct('LoaderAddPointer', {
  command: u32le, destFile: fileName('destFile'), srcFile: fileName('srcFile'), offset: u32le, size: u8, padding: fixedBytes('padding', 7),
});
/** ADD_CHECKSUM: set the byte at `offset` so that bytes `start`..`start+length` sum to 0. */
export const LoaderAddChecksum = struct('LoaderAddChecksum', {
  command: u32le, file: fileName('file'), offset: u32le, start: u32le, length: u32le, padding: fixedBytes('padding', 56),
});

/** One loader command, as the model builds it. */
export type LoaderCommand =
  | { readonly kind: 'allocate'; readonly file: string; readonly align: number; readonly zone: number }
  | { readonly kind: 'add-pointer'; readonly destFile: string; readonly srcFile: string; readonly offset: number; readonly size: 1 | 2 | 4 | 8 }
  | { readonly kind: 'add-checksum'; readonly file: string; readonly offset: number; readonly start: number; readonly length: number };

function nameField(name: string): Uint8Array {
  const bytes = Buffer.from(name, 'latin1');
  if (bytes.length >= LOADER_FILE_NAME_SIZE) throw new QemuAcpiError('BAD_LOADER_COMMAND', `table-loader: file name '${name}' longer than ${LOADER_FILE_NAME_SIZE - 1} bytes`);
  const out = new Uint8Array(LOADER_FILE_NAME_SIZE);
  out.set(bytes);
  return out;
}

function encodeCommand(c: LoaderCommand): Uint8Array {
  switch (c.kind) {
    case 'allocate':
      return encode(LoaderAllocate, { command: LOADER_ALLOCATE, file: nameField(c.file), align: c.align, zone: c.zone, padding: new Uint8Array(63) });
    case 'add-pointer':
      return encode(LoaderAddPointer, { command: LOADER_ADD_POINTER, destFile: nameField(c.destFile), srcFile: nameField(c.srcFile), offset: c.offset, size: c.size, padding: new Uint8Array(7) });
    case 'add-checksum':
      return encode(LoaderAddChecksum, { command: LOADER_ADD_CHECKSUM, file: nameField(c.file), offset: c.offset, start: c.start, length: c.length, padding: new Uint8Array(56) });
  }
}

/** The loader script of those commands, unpadded (QEMU's `virt` machine hands it over as built). */
export function encodeTableLoaderUnpadded(commands: readonly LoaderCommand[]): Uint8Array {
  return concatBytes(...commands.map(encodeCommand));
}

/** The `etc/table-loader` blob of those commands, padded to 4 KiB (q35/pc: acpi_align_size). */
export function encodeTableLoader(commands: readonly LoaderCommand[]): Uint8Array {
  const body = concatBytes(...commands.map(encodeCommand));
  const out = new Uint8Array(Math.max(LOADER_ALIGN, Math.ceil(body.length / LOADER_ALIGN) * LOADER_ALIGN));
  out.set(body);
  return out;
}
