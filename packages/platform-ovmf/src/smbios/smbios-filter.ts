/**
 * SmbiosMeasurementDxe's filter (MdeModulePkg/Universal/SmbiosMeasurementDxe, edk2-stable202505
 * and later): before hashing, it blanks the fields that differ between otherwise equal machines.
 * Per type, fields at these offsets (SMBIOS_TABLE_TYPEn of MdePkg's SmBios.h, DSP0134): a string
 * field has its string overwritten with spaces (same length) and its index zeroed; other fields
 * are zeroed; a field the structure is too short for is left alone. Types listed without fields,
 * and OEM types (128 and up), keep only their 4-byte header: everything after it, strings and
 * the closing double NUL included, is zeroed.
 */

interface FilterField {
  readonly offset: number;
  readonly size: number;
  readonly string: boolean;
}

const str = (offset: number): FilterField => ({ offset, size: 1, string: true });
const val = (offset: number, size: number): FilterField => ({ offset, size, string: false });

/** Type → fields to blank; an empty list blanks the whole structure after its header. */
export const SMBIOS_MEASUREMENT_FILTER: ReadonlyMap<number, readonly FilterField[]> = new Map([
  [1, [str(0x07), val(0x08, 16), val(0x18, 1)]], // SerialNumber, Uuid, WakeUpType
  [2, [str(0x07), str(0x0a)]], // SerialNumber, LocationInChassis
  [3, [str(0x07), str(0x08)]], // SerialNumber, AssetTag
  // SerialNumber, AssetTag, PartNumber, CoreCount, EnabledCoreCount, ThreadCount, CoreCount2,
  // EnabledCoreCount2, ThreadCount2, Voltage, CurrentSpeed
  [4, [str(0x20), str(0x21), str(0x22), val(0x23, 1), val(0x24, 1), val(0x25, 1), val(0x2a, 2), val(0x2c, 2), val(0x2e, 2), val(0x11, 1), val(0x16, 2)]],
  [11, []],
  [15, []],
  [17, [str(0x18), str(0x19), str(0x1a)]], // SerialNumber, AssetTag, PartNumber
  [18, []],
  [22, [str(0x07), val(0x10, 2), val(0x12, 2)]], // SerialNumber, SBDSSerialNumber, SBDSManufactureDate
  [23, [val(0x05, 2)]], // ResetCount
  [27, [val(0x0c, 2)]], // NominalSpeed
  [31, []],
  [33, []],
  [39, [str(0x08), str(0x09), str(0x0a)]], // SerialNumber, AssetTagNumber, ModelPartNumber
]);

/** First type SMBIOS reserves for OEMs. */
const SMBIOS_OEM_BEGIN = 128;

/**
 * The string a 1-based index names, as GetSmbiosStringById walks them: [start, length) in
 * `entry`; an index past the last string names the last one; undefined without strings.
 */
function stringSpan(entry: Uint8Array, index: number): [number, number] | undefined {
  let i = entry[1] ?? entry.length;
  let span: [number, number] | undefined;
  let n = 0;
  while (i + 1 < entry.length && !(entry[i] === 0 && entry[i + 1] === 0)) {
    if (entry[i] === 0) i++;
    let len = 0;
    while (i + len < entry.length && entry[i + len] !== 0) len++;
    span = [i, len];
    i += len;
    n++;
    if (n === index) break;
  }
  return span;
}

/** FilterSmbiosEntry: blanks one structure (formatted area, strings, double NUL) in place. */
export function filterSmbiosEntry(entry: Uint8Array): void {
  const type = entry[0] ?? 0;
  const length = entry[1] ?? 0;
  const fields = type >= SMBIOS_OEM_BEGIN ? [] : SMBIOS_MEASUREMENT_FILTER.get(type);
  if (fields === undefined) return;
  if (fields.length === 0) {
    entry.fill(0, 4);
    return;
  }
  for (const f of fields) {
    if (length < f.offset + f.size) continue;
    if (f.string && entry[f.offset] !== 0) {
      const span = stringSpan(entry, entry[f.offset] ?? 0);
      if (span !== undefined) entry.fill(0x20, span[0], span[0] + span[1]);
    }
    entry.fill(0, f.offset, f.offset + f.size);
  }
}
