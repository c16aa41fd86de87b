/**
 * EFI_LOAD_OPTION (UEFI 2.9 §3.1.3), the contents of Boot####, Driver####, SysPrep#### and
 * PlatformRecovery#### variables:
 *
 * ```
 * UINT32   Attributes
 * UINT16   FilePathListLength            bytes of FilePathList
 * CHAR16   Description[]                 NUL-terminated
 * EFI_DEVICE_PATH_PROTOCOL FilePathList[] one or more device paths, FilePathListLength bytes
 * UINT8    OptionalData[]                the rest of the variable
 * ```
 * Measured boot hashes the variable bytes as they are (EV_EFI_VARIABLE_BOOT), so decoding keeps
 * the raw description and file path list and encoding writes them back unchanged.
 */
import { ByteReader, ByteWriter, DecodeError, inPath } from '@tcg2sim/binary-codec';
import type { Codec } from '@tcg2sim/binary-codec';
import { decodeDevicePathList, encodeDevicePath } from './device-path/node.ts';
import type { DevicePath, DevicePathLimits, DevicePathNode } from './device-path/node.ts';
import { stringToChar16Z } from './device-path/forms-media.ts';

/** EFI_LOAD_OPTION Attributes bits (UEFI 2.9 §3.1.3). */
export const LOAD_OPTION = {
  ACTIVE: 0x00000001,
  FORCE_RECONNECT: 0x00000002,
  HIDDEN: 0x00000008,
  CATEGORY: 0x00001f00,
  CATEGORY_BOOT: 0x00000000,
  CATEGORY_APP: 0x00000100,
} as const;

/** A decoded EFI_LOAD_OPTION. Byte fields are views into the input. */
export interface EfiLoadOption {
  readonly attributes: number;
  /** The description as text (UTF-16 code units as stored). */
  readonly description: string;
  /** The description bytes as stored, NUL terminator included. */
  readonly descriptionRaw: Uint8Array;
  /** The device paths of FilePathList; the first is the one the boot manager uses. */
  readonly filePathList: readonly DevicePath[];
  /** The FilePathList bytes (FilePathListLength of them). */
  readonly filePathListRaw: Uint8Array;
  readonly optionalData: Uint8Array;
}

const NAME = 'EFI_LOAD_OPTION';
/** The longest description accepted, in CHAR16 (terminator excluded). */
export const MAX_LOAD_OPTION_DESCRIPTION = 4096;

function readChar16Z(r: ByteReader): { text: string; raw: Uint8Array } {
  const start = r.offset;
  let text = '';
  for (;;) {
    if (r.remaining < 2) throw new DecodeError('SHORT_BUFFER', 'Description has no NUL terminator', r.offset);
    const c = r.u16le();
    if (c === 0) break;
    if (text.length >= MAX_LOAD_OPTION_DESCRIPTION) {
      throw new DecodeError('LIMIT_EXCEEDED', `Description longer than ${MAX_LOAD_OPTION_DESCRIPTION} characters`, r.offset);
    }
    text += String.fromCharCode(c);
  }
  return { text, raw: r.buffer.subarray(start, r.offset) };
}

/** The EFI_LOAD_OPTION layout (decode keeps raw fields; encode writes them back verbatim). */
export function efiLoadOptionCodec(limits?: DevicePathLimits): Codec<EfiLoadOption> {
  return {
    name: NAME,
    encode(w: ByteWriter, v: EfiLoadOption): void {
      if (v.filePathListRaw.length > 0xffff) throw new RangeError(`"filePathListRaw" of ${v.filePathListRaw.length} bytes exceeds UINT16`);
      w.u32le(v.attributes).u16le(v.filePathListRaw.length).bytes(v.descriptionRaw).bytes(v.filePathListRaw).bytes(v.optionalData);
    },
    decode(r: ByteReader): EfiLoadOption {
      return inPath(NAME, () => {
        const attributes = inPath('attributes', () => r.u32le());
        const lenAt = r.offset;
        const filePathListLength = inPath('filePathListLength', () => r.u16le());
        const d = inPath('description', () => readChar16Z(r));
        if (filePathListLength > r.remaining) {
          throw new DecodeError('SHORT_BUFFER', `FilePathListLength ${filePathListLength} exceeds the ${r.remaining} bytes left`, lenAt, ['filePathListLength']);
        }
        const filePathListRaw = r.bytes(filePathListLength);
        if (filePathListLength === 0) throw new DecodeError('BAD_VALUE', 'FilePathList is empty', lenAt, ['filePathListLength']);
        const filePathList = inPath('filePathList', () => decodeDevicePathList(filePathListRaw, limits));
        const optionalData = r.rest();
        return { attributes, description: d.text, descriptionRaw: d.raw, filePathList, filePathListRaw, optionalData };
      });
    },
  };
}

/** The default EFI_LOAD_OPTION codec. */
export const EFILoadOption: Codec<EfiLoadOption> = efiLoadOptionCodec();

/**
 * Decodes a Boot#### / Driver#### variable's data.
 * @throws DecodeError `SHORT_BUFFER` (truncated; FilePathListLength past the end; no NUL),
 *   `BAD_VALUE` (empty or malformed FilePathList), `LIMIT_EXCEEDED`
 */
export function decodeLoadOption(bytes: Uint8Array, limits?: DevicePathLimits): EfiLoadOption {
  const r = new ByteReader(bytes);
  return efiLoadOptionCodec(limits).decode(r); // OptionalData takes the rest, so nothing trails
}

/** The exact bytes of a load option (raw fields written back unchanged). */
export function encodeLoadOption(v: EfiLoadOption): Uint8Array {
  const w = new ByteWriter();
  EFILoadOption.encode(w, v);
  return w.finish();
}

/** What {@link makeLoadOption} needs. */
export interface LoadOptionInit {
  readonly attributes: number;
  readonly description: string;
  /** Device paths as node lists (each gets its End node) or decoded paths (raw bytes used). */
  readonly filePaths: readonly (readonly DevicePathNode[] | DevicePath)[];
  readonly optionalData?: Uint8Array;
}

/** Builds a load option value from parts (what EfiBootManagerInitializeLoadOption + variable writing produce). */
export function makeLoadOption(init: LoadOptionInit): EfiLoadOption {
  const paths = init.filePaths.map((p) => ('raw' in p ? p.raw : encodeDevicePath(p)));
  const total = paths.reduce((n, p) => n + p.length, 0);
  const filePathListRaw = new Uint8Array(total);
  let at = 0;
  for (const p of paths) {
    filePathListRaw.set(p, at);
    at += p.length;
  }
  return {
    attributes: init.attributes,
    description: init.description,
    descriptionRaw: stringToChar16Z(init.description),
    filePathList: decodeDevicePathList(filePathListRaw),
    filePathListRaw,
    optionalData: init.optionalData ?? new Uint8Array(),
  };
}
