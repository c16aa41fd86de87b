/**
 * OvmfPkg/PlatformPei/MemTypeInfo.c (2022.11): `mMemoryTypeInformation[]`, a writable array in
 * PlatformPei's .data (so inside PEIFV), holding EFI_MEMORY_TYPE_INFORMATION {UINT32 Type;
 * UINT32 NumberOfPages} for ACPI NVS, ACPI reclaim, reserved, runtime code and runtime data,
 * terminated by {EfiMaxMemoryType, 0}. In SMM_REQUIRE builds (which have a PEI variable
 * service) RefreshMemTypeInfo raises those defaults in place from the `MemoryTypeInformation`
 * variable before Tcg2Pei measures PEIFV.
 */

/** gEfiMemoryTypeInformationGuid. */
export const MEMORY_TYPE_INFORMATION_GUID = '4C19049F-4137-4DD3-9C10-8B97A83FFDFA';
/** EFI_MEMORY_TYPE_INFORMATION_VARIABLE_NAME. */
export const MEMORY_TYPE_INFORMATION_VARIABLE = 'MemoryTypeInformation';

/** The record types of the array, in its order (EfiACPIMemoryNVS … EfiRuntimeServicesData). */
const TYPES = [0x0a, 0x09, 0x00, 0x05, 0x06] as const;
const EFI_MAX_MEMORY_TYPE = 0x10;
/** Bytes of the array: five records and the terminator. */
export const MEMORY_TYPE_INFO_ARRAY_SIZE = 8 * (TYPES.length + 1);

function u32(b: Uint8Array, at: number): number {
  return ((b[at] ?? 0) | ((b[at + 1] ?? 0) << 8) | ((b[at + 2] ?? 0) << 16) | ((b[at + 3] ?? 0) << 24)) >>> 0;
}

/**
 * Finds the array by its contents in `data` (PlatformPei's .data): five records with the types
 * above, then {EfiMaxMemoryType (0x10, or 0x0F before edk2-stable202302), 0}. Returns the offset in `data`, or undefined.
 */
export function locateMemoryTypeInformation(data: Uint8Array): number | undefined {
  for (let at = 0; at + MEMORY_TYPE_INFO_ARRAY_SIZE <= data.length; at += 4) {
    let ok = true;
    for (let i = 0; i < TYPES.length && ok; i++) ok = u32(data, at + 8 * i) === TYPES[i];
    // EfiMaxMemoryType is 0x0F before EfiUnacceptedMemoryType (edk2-stable202302) took that value.
    const end = u32(data, at + 40);
    if (ok && (end === EFI_MAX_MEMORY_TYPE || end === EFI_MAX_MEMORY_TYPE - 1) && u32(data, at + 44) === 0) return at;
  }
  return undefined;
}

/**
 * RefreshMemTypeInfo: for each record of the array, a variable record of the same type with
 * more pages raises NumberOfPages. A variable whose size is not a multiple of 8 is ignored, as
 * are types the array does not hold and records that would lower a default.
 * @param array the 48 array bytes, updated in place
 * @returns the number of records changed
 */
export function refreshMemTypeInfo(array: Uint8Array, variable: Uint8Array | undefined): number {
  if (variable === undefined || variable.length % 8 !== 0) return 0;
  const view = new DataView(array.buffer, array.byteOffset, array.byteLength);
  let changed = 0;
  for (let i = 0; i < TYPES.length; i++) {
    const type = view.getUint32(8 * i, true);
    const pages = view.getUint32(8 * i + 4, true);
    for (let j = 0; j + 8 <= variable.length; j += 8) {
      if (u32(variable, j) !== type) continue;
      const v = u32(variable, j + 4);
      if (pages < v) {
        view.setUint32(8 * i + 4, v, true);
        changed++;
      }
      break;
    }
  }
  return changed;
}
