/**
 * Where the pieces of an NV variable firmware volume are: the FV header, the variable store,
 * the FTW working block and the spare area (OvmfPkg/VarStore.fdf.inc; docs/edk2-pei.md §8.1).
 */
import { ByteReader, DecodeError, decodeFirst } from '@tcg2sim/binary-codec';
import { AUTHENTICATED_VARIABLE_GUID, SYSTEM_NV_DATA_FV_GUID, VARIABLE_GUID, VARIABLE_STORE_FORMATTED,
  VARIABLE_STORE_HEADER_SIZE, VARIABLE_STORE_HEALTHY } from './constants.ts';
import { VarStoreError } from './errors.ts';
import { EFIFirmwareVolumeHeader, EFIFvBlockMapEntry } from '../fv/structures.ts';
import { VariableStoreHeader } from './structures.ts';

const FVH_SIGNATURE = 0x4856465f; // '_FVH'
const MAX_BLOCK_MAP_ENTRIES = 64;

/** Absolute offsets (in the image) of each region of an NV variable FV. */
export interface NvLayout {
  /** Where the NV FV starts in the image (0 for OVMF_VARS*.fd and OVMF.fd). */
  readonly fvOffset: number;
  readonly fvLength: number;
  readonly blockSize: number;
  readonly fvHeader: EFIFirmwareVolumeHeader;
  /** VARIABLE_STORE_HEADER offset (fvOffset + HeaderLength). */
  readonly storeOffset: number;
  /** VARIABLE_STORE_HEADER.Size: the store ends at storeOffset + storeSize. */
  readonly storeSize: number;
  readonly storeHeader: VariableStoreHeader;
  /** True for gEfiAuthenticatedVariableGuid (60-byte record headers), false for gEfiVariableGuid. */
  readonly authenticated: boolean;
  /** NV_FTW_WORKING: the FTW work space. */
  readonly workingOffset: number;
  readonly workingSize: number;
  /** NV_FTW_SPARE. */
  readonly spareOffset: number;
  readonly spareSize: number;
}

/** Where the FTW areas are when the caller knows better than the OVMF rule. */
export interface FtwAreas {
  readonly workingOffset: number;
  readonly workingSize: number;
  readonly spareOffset: number;
  readonly spareSize: number;
}

function fail(code: 'BAD_FV_HEADER' | 'NOT_NV_FV' | 'BAD_STORE_HEADER' | 'BAD_LAYOUT', structure: string, detail: string, offset: number): never {
  throw new VarStoreError(code, structure, detail, offset);
}

/**
 * Parses the NV FV header at `fvOffset` (the checks OVMF's QemuFlashFvbServicesRuntimeDxe
 * `ValidateFvHeader` makes, plus the block map), the variable store header after it
 * (`GetVariableStoreStatus`: signature, Format 0x5A, State 0xFE) and places the FTW areas.
 *
 * Without `ftw`, the OVMF rule is used: after the variable region (FV header + store, rounded up to
 * a block) comes one NV_EVENT_LOG block, one NV_FTW_WORKING block and the spare area up to the end
 * of the FV (4M: 0x41000/0x1000, 0x42000/0x42000; 2M: 0xF000/0x1000, 0x10000/0x10000).
 *
 * @throws VarStoreError BAD_FV_HEADER, NOT_NV_FV, BAD_STORE_HEADER, BAD_LAYOUT; DecodeError when short
 */
export function parseNvLayout(image: Uint8Array, fvOffset = 0, ftw?: FtwAreas): NvLayout {
  const S = 'EFI_FIRMWARE_VOLUME_HEADER';
  if (image.length - fvOffset < 0x48) {
    throw new DecodeError('SHORT_BUFFER', `NV firmware volume needs 0x48 header bytes, ${Math.max(0, image.length - fvOffset)} left`, fvOffset, [S]);
  }
  const r = new ByteReader(image, fvOffset);
  const h = EFIFirmwareVolumeHeader.decode(r);
  if (h.signature !== FVH_SIGNATURE) fail('BAD_FV_HEADER', S, 'Signature is not _FVH', fvOffset + 0x28);
  if (h.revision !== 2) fail('BAD_FV_HEADER', S, `Revision ${h.revision} is not 2`, fvOffset + 0x37);
  if (h.headerLength < 0x48 || (h.headerLength & 1) !== 0) fail('BAD_FV_HEADER', S, `HeaderLength 0x${h.headerLength.toString(16)} invalid`, fvOffset + 0x30);
  if (h.fileSystemGuid !== SYSTEM_NV_DATA_FV_GUID) fail('NOT_NV_FV', S, `FileSystemGuid ${h.fileSystemGuid} is not gEfiSystemNvDataFvGuid`, fvOffset + 0x10);
  const room = BigInt(image.length - fvOffset);
  if (h.fvLength > room || h.fvLength < BigInt(h.headerLength)) {
    fail('BAD_FV_HEADER', S, `FvLength 0x${h.fvLength.toString(16)} does not fit the image (0x${room.toString(16)} bytes)`, fvOffset + 0x20);
  }
  const fvLength = Number(h.fvLength);
  if (fvOffset + h.headerLength > image.length) fail('BAD_FV_HEADER', S, 'header runs past the image', fvOffset + 0x30);
  let sum = 0;
  for (let i = 0; i < h.headerLength; i += 2) sum = (sum + (image[fvOffset + i] ?? 0) + ((image[fvOffset + i + 1] ?? 0) << 8)) & 0xffff;
  if (sum !== 0) fail('BAD_FV_HEADER', S, `checksum does not sum to 0 (0x${sum.toString(16)})`, fvOffset + 0x32);

  // Block map: OVMF has one entry (N blocks of 0x1000); EDK II's FVB assumes one block size.
  const bm: EFIFvBlockMapEntry[] = [];
  const bmr = new ByteReader(image, fvOffset + 0x38, fvOffset + h.headerLength);
  for (;;) {
    if (bm.length > MAX_BLOCK_MAP_ENTRIES) fail('BAD_FV_HEADER', S, 'block map has too many entries', bmr.offset);
    const at = bmr.offset;
    if (bmr.remaining < 8) fail('BAD_FV_HEADER', S, 'block map is not terminated inside HeaderLength', at);
    const e = EFIFvBlockMapEntry.decode(bmr);
    if (e.numBlocks === 0 && e.length === 0) break;
    bm.push(e);
  }
  const first = bm[0];
  if (first === undefined) fail('BAD_FV_HEADER', S, 'empty block map', fvOffset + 0x38);
  const blockSize = first.length;
  if (blockSize === 0 || (blockSize & (blockSize - 1)) !== 0) fail('BAD_FV_HEADER', S, `block size 0x${blockSize.toString(16)} is not a power of two`, fvOffset + 0x3c);
  let total = 0;
  for (const e of bm) {
    if (e.length !== blockSize) fail('BAD_FV_HEADER', S, 'block map mixes block sizes', fvOffset + 0x38);
    total += e.numBlocks * e.length;
  }
  if (total !== fvLength) fail('BAD_FV_HEADER', S, `block map covers 0x${total.toString(16)} bytes, FvLength is 0x${fvLength.toString(16)}`, fvOffset + 0x38);

  // VARIABLE_STORE_HEADER at FV + HeaderLength.
  const VS = 'VARIABLE_STORE_HEADER';
  const storeOffset = fvOffset + h.headerLength;
  if (storeOffset + VARIABLE_STORE_HEADER_SIZE > fvOffset + fvLength) fail('BAD_STORE_HEADER', VS, 'no room for the store header', storeOffset);
  const [sh] = decodeFirst(VariableStoreHeader, image.subarray(storeOffset, storeOffset + VARIABLE_STORE_HEADER_SIZE));
  let authenticated: boolean;
  if (sh.signature === AUTHENTICATED_VARIABLE_GUID) authenticated = true;
  else if (sh.signature === VARIABLE_GUID) authenticated = false;
  else fail('BAD_STORE_HEADER', VS, `Signature ${sh.signature} is neither gEfiAuthenticatedVariableGuid nor gEfiVariableGuid`, storeOffset);
  if (sh.format !== VARIABLE_STORE_FORMATTED) fail('BAD_STORE_HEADER', VS, `Format 0x${sh.format.toString(16)} is not FORMATTED (0x5A)`, storeOffset + 20);
  if (sh.state !== VARIABLE_STORE_HEALTHY) fail('BAD_STORE_HEADER', VS, `State 0x${sh.state.toString(16)} is not HEALTHY (0xFE)`, storeOffset + 21);
  if (sh.size < VARIABLE_STORE_HEADER_SIZE || storeOffset + sh.size > fvOffset + fvLength) {
    fail('BAD_STORE_HEADER', VS, `Size 0x${sh.size.toString(16)} does not fit the FV`, storeOffset + 16);
  }

  const areas = ftw ?? ovmfFtwAreas(fvOffset, fvLength, blockSize, storeOffset + sh.size);
  const L = 'NV_FTW_WORKING';
  const fvEnd = fvOffset + fvLength;
  const storeEnd = storeOffset + sh.size;
  if (areas.workingSize < 0x20 + 0x50 || areas.workingOffset < storeEnd || areas.workingOffset + areas.workingSize > fvEnd) {
    fail('BAD_LAYOUT', L, `working block [0x${areas.workingOffset.toString(16)}, +0x${areas.workingSize.toString(16)}) does not fit after the store`, areas.workingOffset);
  }
  const regionBlocks = Math.ceil((storeEnd - fvOffset) / blockSize);
  if (areas.spareOffset % blockSize !== (fvOffset % blockSize) || areas.spareSize % blockSize !== 0 || areas.spareSize < regionBlocks * blockSize ||
    areas.spareOffset < areas.workingOffset + areas.workingSize || areas.spareOffset + areas.spareSize > fvEnd) {
    fail('BAD_LAYOUT', 'NV_FTW_SPARE', `spare area [0x${areas.spareOffset.toString(16)}, +0x${areas.spareSize.toString(16)}) must be block aligned, hold the variable region and fit the FV`, areas.spareOffset);
  }
  return {
    fvOffset, fvLength, blockSize, fvHeader: h, storeOffset, storeSize: sh.size, storeHeader: sh, authenticated,
    workingOffset: areas.workingOffset, workingSize: areas.workingSize, spareOffset: areas.spareOffset, spareSize: areas.spareSize,
  };
}

/** The OVMF placement rule (VarStore.fdf.inc) for the FTW areas. */
export function ovmfFtwAreas(fvOffset: number, fvLength: number, blockSize: number, storeEnd: number): FtwAreas {
  const region = Math.ceil((storeEnd - fvOffset) / blockSize) * blockSize;
  const workingOffset = fvOffset + region + blockSize; // NV_EVENT_LOG takes one block
  const spareOffset = workingOffset + blockSize;
  return { workingOffset, workingSize: blockSize, spareOffset, spareSize: fvOffset + fvLength - spareOffset };
}

/** A layout and whether its headers had to be taken from the FTW spare copy. */
export interface LocatedLayout {
  readonly layout: NvLayout;
  /**
   * True when the FV / store header in place was unreadable (a power cut after the FTW erased the
   * target blocks) and the layout came from the copy staged in the spare area. EDK II's FTW
   * restart rewrites it from there; OVMF's flash driver, which validates the FV header before FTW
   * runs, would instead reinitialize the whole NV FV (QemuFlashFvbServicesRuntimeDxe
   * InitializeVariableFvHeader), losing every variable.
   */
  readonly headerFromSpare: boolean;
}

const SPARE_SCAN_STEP = 0x200;

/**
 * {@link parseNvLayout}, falling back to the FV header copy in the spare area when the one in
 * place was erased by an interrupted FTW write. The copy counts only if the layout it describes
 * puts the spare area exactly where the copy was found.
 */
export function locateNvLayout(image: Uint8Array, fvOffset = 0, ftw?: FtwAreas): LocatedLayout {
  try {
    return { layout: parseNvLayout(image, fvOffset, ftw), headerFromSpare: false };
  } catch (err) {
    if (!(err instanceof VarStoreError) || (err.code !== 'BAD_FV_HEADER' && err.code !== 'NOT_NV_FV' && err.code !== 'BAD_STORE_HEADER')) throw err;
    for (let off = fvOffset + SPARE_SCAN_STEP; off + 0x48 <= image.length; off += SPARE_SCAN_STEP) {
      if (image[off + 0x28] !== 0x5f || image[off + 0x29] !== 0x46 || image[off + 0x2a] !== 0x56 || image[off + 0x2b] !== 0x48) continue;
      const headerLength = (image[off + 0x30] ?? 0) | ((image[off + 0x31] ?? 0) << 8);
      const n = Math.min(headerLength + VARIABLE_STORE_HEADER_SIZE, image.length - off);
      // An interrupted rewrite leaves each header byte either erased or already equal to the copy.
      let prefix = true;
      for (let i = 0; i < n && prefix; i++) {
        const b = image[fvOffset + i];
        if (b !== 0xff && b !== image[off + i]) prefix = false;
      }
      if (!prefix) continue;
      const patched = image.slice();
      patched.set(image.subarray(off, off + n), fvOffset);
      try {
        const layout = parseNvLayout(patched, fvOffset, ftw);
        if (layout.spareOffset === off) return { layout, headerFromSpare: true };
      } catch {
        // not a usable copy
      }
    }
    throw err;
  }
}
