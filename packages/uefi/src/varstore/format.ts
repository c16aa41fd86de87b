/**
 * Creating an empty NV variable FV in OVMF's shape (OvmfPkg/VarStore.fdf.inc): variable region
 * (FV header + VARIABLE_STORE_HEADER + records), one NV_EVENT_LOG block, one NV_FTW_WORKING block
 * (with a valid working-block header), and a spare area two blocks larger than the variable region.
 */
import { encode } from '@tcg2sim/binary-codec';
import { AUTHENTICATED_VARIABLE_GUID, SYSTEM_NV_DATA_FV_GUID, VARIABLE_GUID, VARIABLE_STORE_FORMATTED,
  VARIABLE_STORE_HEALTHY } from './constants.ts';
import { expectedWorkingBlockHeader } from './ftw.ts';
import { EFIFirmwareVolumeHeader, EFIFvBlockMapEntry } from '../fv/structures.ts';
import { VariableStoreHeader } from './structures.ts';

/** Shape of a new store. Defaults give OVMF_VARS_4M.fd's geometry. */
export interface VarStoreFormat {
  /** Erase block size (default 0x1000). */
  readonly blockSize?: number;
  /** Blocks of the variable region, FV header included (default 0x40). */
  readonly regionBlocks?: number;
  /** gEfiAuthenticatedVariableGuid (default) or gEfiVariableGuid. */
  readonly authenticated?: boolean;
}

/** FV attributes OVMF's NV FV carries (0x0004FEFF). */
const NV_FV_ATTRIBUTES = 0x0004feff;

/** A new, empty, valid NV variable FV (byte-identical to OVMF_VARS_4M.fd with the defaults). */
export function formatVarStore(format: VarStoreFormat = {}): Uint8Array {
  const bs = format.blockSize ?? 0x1000;
  const region = (format.regionBlocks ?? 0x40) * bs;
  if (bs < 0x100 || (bs & (bs - 1)) !== 0) throw new RangeError('"blockSize" must be a power of two >= 0x100');
  if (region < bs) throw new RangeError('"regionBlocks" must be at least 1');
  const fvLength = region + bs + bs + (region + 2 * bs);
  const image = new Uint8Array(fvLength).fill(0xff);
  const blockMap = encode(EFIFvBlockMapEntry, { numBlocks: fvLength / bs, length: bs });
  const terminator = encode(EFIFvBlockMapEntry, { numBlocks: 0, length: 0 });
  const headerLength = 0x38 + blockMap.length + terminator.length;
  const fvh = encode(EFIFirmwareVolumeHeader, {
    zeroVector: new Uint8Array(16), fileSystemGuid: SYSTEM_NV_DATA_FV_GUID, fvLength: BigInt(fvLength), signature: 0x4856465f,
    attributes: NV_FV_ATTRIBUTES, headerLength, checksum: 0, extHeaderOffset: 0, reserved: 0, revision: 2,
  });
  const header = new Uint8Array(headerLength);
  header.set(fvh, 0);
  header.set(blockMap, 0x38);
  header.set(terminator, 0x38 + blockMap.length);
  let sum = 0;
  for (let i = 0; i < headerLength; i += 2) sum = (sum + (header[i] ?? 0) + ((header[i + 1] ?? 0) << 8)) & 0xffff;
  const checksum = (0x10000 - sum) & 0xffff;
  header[0x32] = checksum & 0xff;
  header[0x33] = checksum >>> 8;
  image.set(header, 0);
  image.set(encode(VariableStoreHeader, {
    signature: format.authenticated === false ? VARIABLE_GUID : AUTHENTICATED_VARIABLE_GUID, size: region - headerLength,
    format: VARIABLE_STORE_FORMATTED, state: VARIABLE_STORE_HEALTHY, reserved: 0, reserved1: 0,
  }), headerLength);
  image.set(expectedWorkingBlockHeader(bs), region + bs);
  return image;
}
