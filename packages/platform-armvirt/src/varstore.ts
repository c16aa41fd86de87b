/**
 * ArmVirtQemu's variable flash bank as the variable-store reader (@tcg2sim/uefi) can take it:
 * ArmVirtQemu.fdf's FTW placement, a blank bank (Debian 12 ships AAVMF_VARS.fd zero-filled: the
 * firmware formats it), and the FV header edk2-stable202211's NorFlashDxe writes when it formats
 * the bank (ArmPlatformPkg/Drivers/NorFlashDxe/NorFlashFvb.c InitializeFvAndVariableStoreHeaders):
 * FvLength covers the variable store and both FTW areas (0xC0000), but BlockMap[0].NumBlocks is
 * the whole flash device's block count (LastBlock + 1: 0x100 blocks of 0x40000 on virt's 64 MiB
 * bank). EDK II reads the store regardless; the reader here requires the block map to cover
 * exactly FvLength, so it is given a copy whose block map says FvLength / BlockSize blocks.
 */
import { snapshotVariables } from '@tcg2sim/uefi';
import type { FtwAreas, VariableSnapshot } from '@tcg2sim/uefi';

/**
 * Where ArmVirtQemu.fdf puts the fault-tolerant-write areas in the variable flash bank (not where
 * OVMF's VarStore.fdf.inc does): variables at 0 (0x40000), the FTW working block at 0x40000
 * (0x40000), the spare at 0x80000 (0x40000), all inside the NV FV of 0xC0000 bytes.
 */
export const ARMVIRT_VARSTORE_FTW: FtwAreas = { workingOffset: 0x40000, workingSize: 0x40000, spareOffset: 0x80000, spareSize: 0x40000 };

/** All bytes 0x00 or all 0xFF: no variable store has been written yet. */
function isErased(b: Uint8Array): boolean {
  const first = b[0];
  if (first !== 0x00 && first !== 0xff) return false;
  for (const x of b) if (x !== first) return false;
  return true;
}

/**
 * A copy of `vars` whose FV block map covers FvLength, when NorFlashDxe's device-wide block map is
 * all that is wrong with the header (same block size, a whole number of blocks); else undefined.
 */
function withFvLengthBlockMap(vars: Uint8Array): Uint8Array | undefined {
  if (vars.length < 0x48) return undefined;
  const v = new DataView(vars.buffer, vars.byteOffset, vars.byteLength);
  if (v.getUint32(0x28, true) !== 0x4856465f) return undefined; // "_FVH"
  const fvLength = v.getBigUint64(0x20, true);
  const headerLength = v.getUint16(0x30, true);
  const numBlocks = v.getUint32(0x38, true);
  const blockSize = v.getUint32(0x3c, true);
  if (blockSize === 0 || headerLength < 0x48 || headerLength > vars.length || (headerLength & 1) !== 0) return undefined;
  if (BigInt(numBlocks) * BigInt(blockSize) === fvLength || fvLength % BigInt(blockSize) !== 0n) return undefined;
  // The terminator entry must follow the one entry (NorFlashDxe writes exactly one).
  if (v.getUint32(0x40, true) !== 0 || v.getUint32(0x44, true) !== 0) return undefined;
  const copy = vars.slice();
  const c = new DataView(copy.buffer);
  c.setUint32(0x38, Number(fvLength / BigInt(blockSize)), true);
  c.setUint16(0x32, 0, true);
  let sum = 0;
  for (let i = 0; i < headerLength; i += 2) sum = (sum + c.getUint16(i, true)) & 0xffff;
  c.setUint16(0x32, (0x10000 - sum) & 0xffff, true);
  return copy;
}

/**
 * The variables DXE starts from: undefined for a blank bank; the store otherwise (NorFlashDxe's
 * header quirk tolerated, with a note).
 * @throws VarStoreError, DecodeError for a store that is malformed in any other way
 */
export function armVirtVariables(vars: Uint8Array | undefined, notes: string[]): VariableSnapshot | undefined {
  if (vars === undefined) return undefined;
  if (isErased(vars)) {
    notes.push('variable store: the image is blank (Debian 12 ships AAVMF_VARS.fd zero-filled): NorFlashDxe formats it, DXE starts from an empty store');
    return undefined;
  }
  const fixed = withFvLengthBlockMap(vars);
  if (fixed !== undefined) {
    notes.push("variable store: NorFlashDxe's FV header lists the whole flash device in its block map (edk2-stable202211): read with FvLength's blocks");
    return snapshotVariables(fixed, { ftw: ARMVIRT_VARSTORE_FTW });
  }
  return snapshotVariables(vars, { ftw: ARMVIRT_VARSTORE_FTW });
}
