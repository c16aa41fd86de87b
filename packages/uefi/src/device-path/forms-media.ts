/**
 * Media (type 4) and BIOS Boot Specification (type 5) device path nodes (UEFI 2.9 §10.3.5-§10.3.6)
 * and their EDK II text forms. A File Path node prints as its path name alone.
 */
import { fixedBytes, restBytes, struct, u16le, u32le, u64le, u8 } from '@tcg2sim/binary-codec';
import { DEVICE_PATH_TYPE } from './node.ts';
import { vendorForm } from './forms-hw-acpi.ts';
import { arity, form, guidToString, hx, parseGuidArg, parseNum, parseU64, textError } from './text-util.ts';
import type { NodeForm } from './text-util.ts';

const MEDIA = DEVICE_PATH_TYPE.MEDIA;

/** HARDDRIVE_DEVICE_PATH (4/1). */
export const HardDriveDevicePath = struct('HARDDRIVE_DEVICE_PATH', {
  partitionNumber: u32le, partitionStart: u64le, partitionSize: u64le,
  signature: fixedBytes('Signature', 16), mbrType: u8, signatureType: u8,
});
/** CDROM_DEVICE_PATH (4/2). */
export const CdromDevicePath = struct('CDROM_DEVICE_PATH', { bootEntry: u32le, partitionStart: u64le, partitionSize: u64le });
/** FILEPATH_DEVICE_PATH (4/4): a NUL-terminated UTF-16LE path name. */
export const FilePathDevicePath = struct('FILEPATH_DEVICE_PATH', { pathName: restBytes('PathName', 0xffff) });
/** MEDIA_PROTOCOL_DEVICE_PATH (4/5). */
export const MediaProtocolDevicePath = struct('MEDIA_PROTOCOL_DEVICE_PATH', { protocol: fixedBytes('Protocol', 16) });
/** MEDIA_FW_VOL_FILEPATH_DEVICE_PATH (4/6, PI): the FFS file name. */
export const MediaFwVolFilePathDevicePath = struct('MEDIA_FW_VOL_FILEPATH_DEVICE_PATH', { fvFileName: fixedBytes('FvFileName', 16) });
/** MEDIA_FW_VOL_DEVICE_PATH (4/7, PI): the firmware volume name. */
export const MediaFwVolDevicePath = struct('MEDIA_FW_VOL_DEVICE_PATH', { fvName: fixedBytes('FvName', 16) });
/** MEDIA_RELATIVE_OFFSET_RANGE_DEVICE_PATH (4/8). */
export const MediaRelativeOffsetRangeDevicePath = struct('MEDIA_RELATIVE_OFFSET_RANGE_DEVICE_PATH', { reserved: u32le, startingOffset: u64le, endingOffset: u64le });
/** BBS_BBS_DEVICE_PATH (5/1): DeviceType, StatusFlag, NUL-terminated ASCII description. */
export const BbsBbsDevicePath = struct('BBS_BBS_DEVICE_PATH', { deviceType: u16le, statusFlag: u16le, string: restBytes('String', 0xffff) });

/** The UTF-16LE string of a NUL-terminated CHAR16 buffer that holds nothing after its NUL. */
export function char16ZToString(b: Uint8Array): string | undefined {
  if (b.length < 2 || b.length % 2 !== 0) return undefined;
  const n = b.length / 2 - 1;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (dv.getUint16(2 * n, true) !== 0) return undefined;
  let s = '';
  for (let i = 0; i < n; i++) {
    const c = dv.getUint16(2 * i, true);
    if (c === 0) return undefined;
    s += String.fromCharCode(c);
  }
  return s;
}

/** A NUL-terminated UTF-16LE buffer (code units as they are, no normalisation). */
export function stringToChar16Z(s: string): Uint8Array {
  const out = new Uint8Array(2 * s.length + 2);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < s.length; i++) dv.setUint16(2 * i, s.charCodeAt(i), true);
  return out;
}

const BBS_TYPES: Readonly<Record<number, string>> = { 1: 'Floppy', 2: 'HD', 3: 'CDROM', 4: 'PCMCIA', 5: 'USB', 6: 'Network' };

function asciiZ(b: Uint8Array): string | undefined {
  if (b.length === 0 || b[b.length - 1] !== 0) return undefined;
  const body = b.subarray(0, b.length - 1);
  if (!body.every((c) => c >= 0x20 && c < 0x7f)) return undefined;
  return String.fromCharCode(...body);
}

/** The File Path form: no name and no parentheses in text. */
export const FILE_PATH_FORM: NodeForm = form('', MEDIA, 4, FilePathDevicePath,
  (v) => {
    const s = char16ZToString(v.pathName);
    return s === undefined ? undefined : [s];
  },
  (a) => ({ pathName: stringToChar16Z(a[0] ?? '') }));

/** Media and BBS forms, in the order they are tried. */
export const MEDIA_FORMS: readonly NodeForm[] = [
  form('HD', MEDIA, 1, HardDriveDevicePath,
    (v) => {
      const tail = [hx(v.partitionStart), hx(v.partitionSize)];
      const num = String(v.partitionNumber);
      if (v.signatureType === 1) {
        const sig = new DataView(v.signature.buffer, v.signature.byteOffset, 16).getUint32(0, true);
        return [num, 'MBR', `0x${sig.toString(16).toUpperCase().padStart(8, '0')}`, ...tail];
      }
      if (v.signatureType === 2) return [num, 'GPT', guidToString(v.signature), ...tail];
      return [num, String(v.signatureType), '0', ...tail];
    },
    (a, n) => {
      arity(a, 5, n);
      const signature = new Uint8Array(16);
      let mbrType = 0;
      let signatureType: number;
      if (a[1] === 'MBR') {
        new DataView(signature.buffer).setUint32(0, parseNum(a[2], 0xffffffff, n), true);
        mbrType = 1;
        signatureType = 1;
      } else if (a[1] === 'GPT') {
        signature.set(parseGuidArg(a[2], n));
        mbrType = 2;
        signatureType = 2;
      } else {
        signatureType = parseNum(a[1], 0xff, n);
        if (parseU64(a[2], n) !== 0n) throw textError('HD signature of an unknown type must be 0', n);
      }
      return { partitionNumber: parseNum(a[0], 0xffffffff, n), partitionStart: parseU64(a[3], n), partitionSize: parseU64(a[4], n), signature, mbrType, signatureType };
    }),
  form('CDROM', MEDIA, 2, CdromDevicePath, (v) => [hx(v.bootEntry), hx(v.partitionStart), hx(v.partitionSize)], (a, n) => {
    arity(a, 3, n);
    return { bootEntry: parseNum(a[0], 0xffffffff, n), partitionStart: parseU64(a[1], n), partitionSize: parseU64(a[2], n) };
  }),
  vendorForm('VenMedia', MEDIA, 3),
  FILE_PATH_FORM,
  form('Media', MEDIA, 5, MediaProtocolDevicePath, (v) => [guidToString(v.protocol)], (a, n) => {
    arity(a, 1, n);
    return { protocol: parseGuidArg(a[0], n) };
  }),
  form('FvFile', MEDIA, 6, MediaFwVolFilePathDevicePath, (v) => [guidToString(v.fvFileName)], (a, n) => {
    arity(a, 1, n);
    return { fvFileName: parseGuidArg(a[0], n) };
  }),
  form('Fv', MEDIA, 7, MediaFwVolDevicePath, (v) => [guidToString(v.fvName)], (a, n) => {
    arity(a, 1, n);
    return { fvName: parseGuidArg(a[0], n) };
  }),
  form('Offset', MEDIA, 8, MediaRelativeOffsetRangeDevicePath, (v) => (v.reserved === 0 ? [hx(v.startingOffset), hx(v.endingOffset)] : undefined), (a, n) => {
    arity(a, 2, n);
    return { reserved: 0, startingOffset: parseU64(a[0], n), endingOffset: parseU64(a[1], n) };
  }),
  form('BBS', DEVICE_PATH_TYPE.BBS, 1, BbsBbsDevicePath,
    (v) => {
      const s = asciiZ(v.string);
      if (s === undefined) return undefined;
      return [BBS_TYPES[v.deviceType] ?? hx(v.deviceType), s, hx(v.statusFlag)];
    },
    (a, n) => {
      arity(a, 3, n);
      const named = Object.entries(BBS_TYPES).find(([, name]) => name === a[0]);
      const deviceType = named ? Number(named[0]) : parseNum(a[0], 0xffff, n);
      const s = a[1] ?? '';
      return { deviceType, statusFlag: parseNum(a[2], 0xffff, n), string: Uint8Array.from(`${s}\0`, (c) => c.charCodeAt(0) & 0xff) };
    }),
];
