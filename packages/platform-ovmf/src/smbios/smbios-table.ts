/**
 * The SMBIOS table OVMF publishes, built from QEMU's fw_cfg data as the firmware does:
 * - PlatformPei's DetectSmbiosVersion (OvmfPkg/Library/SmbiosVersionLib) takes QEMU's entry
 *   point version when the anchor is consistent with the tables (2.x: "_SM_", "_DMI_", major 2,
 *   TableLength = the tables' size; 3.x: "_SM3_", major 3, TableMaximumSize = the size), else the
 *   .dsc's PcdSmbiosVersion 0x0208;
 * - SmbiosPlatformDxe adds QEMU's structures in order up to (not including) type 127, then, when
 *   QEMU gave no type 0, OVMF's own: SMBIOS_TABLE_TYPE0 (26 bytes) with PcdFirmwareVendor,
 *   PcdFirmwareVersionString and PcdFirmwareReleaseDateString as strings ("unknown" for a
 *   vendor or version shorter than 3 characters, "02/02/2022" for such a date);
 * - SmbiosDxe keeps QEMU's handles, gives OVMF's type 0 the lowest free handle, and closes the
 *   table with a type 127 structure whose handle is the largest one (0xFFFE for SMBIOS 2.0,
 *   else 0xFEFF).
 */
import { parseSmbiosAnchor, parseSmbiosStructures, SMBIOS_ANCHOR_FILE, SMBIOS_TABLES_FILE } from '@tcg2sim/qemu-fwcfg';
import { concatBytes } from '@tcg2sim/binary-codec';

/** OVMF's .dsc PcdSmbiosVersion (SMBIOS 2.8) when QEMU's anchor is not taken. */
export const OVMF_DEFAULT_SMBIOS_VERSION = 0x0208;

/** The type 0 strings SmbiosPlatformDxe holds (its FixedAtBuild PCDs). */
export interface Type0Strings {
  readonly vendor: string;
  readonly version: string;
  readonly releaseDate: string;
}

/** The table as SmbiosDxe publishes it. */
export interface SmbiosTable {
  /** (major << 8) | minor. */
  readonly version: number;
  /** The structures, end-of-table included. */
  readonly bytes: Uint8Array;
  /** Whether OVMF added its own type 0. */
  readonly ovmfType0: boolean;
  readonly evidence: string;
}

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0x7f);

/** mOvmfDefaultType0 with its three strings (OvmfPkg/SmbiosPlatformDxe/SmbiosPlatformDxe.c). */
export function ovmfType0(handle: number, s: Type0Strings): Uint8Array {
  const pick = (v: string, fallback: string): string => (v.length < 3 ? fallback : v);
  const head = new Uint8Array(26);
  const dv = new DataView(head.buffer);
  head[0] = 0; // EFI_SMBIOS_TYPE_BIOS_INFORMATION
  head[1] = 26;
  dv.setUint16(2, handle, true);
  head[4] = 1; // Vendor
  head[5] = 2; // BiosVersion
  dv.setUint16(6, 0xe800, true); // BiosSegment
  head[8] = 3; // BiosReleaseDate
  head[9] = 0; // BiosSize
  head[10] = 0x08; // BiosCharacteristics: BiosCharacteristicsNotSupported (bit 3)
  head[18] = 0; // BIOSCharacteristicsExtensionBytes[0]
  head[19] = 0x1c; // [1]: VirtualMachineSupported | UEFI specification supported | ...
  head[20] = 0; // SystemBiosMajorRelease
  head[21] = 0; // SystemBiosMinorRelease
  head[22] = 0xff; // EmbeddedControllerFirmwareMajorRelease
  head[23] = 0xff; // EmbeddedControllerFirmwareMinorRelease
  // ExtendedBiosSize (24..25): 0
  const strings = [pick(s.vendor, 'unknown'), pick(s.version, 'unknown'), pick(s.releaseDate, '02/02/2022')];
  return concatBytes(head, ...strings.map((x) => concatBytes(ascii(x), Uint8Array.of(0))), Uint8Array.of(0));
}

/** The version DetectSmbiosVersion settles on. */
function smbiosVersion(anchor: Uint8Array | undefined, tables: Uint8Array): { version: number; evidence: string } {
  const fallback = { version: OVMF_DEFAULT_SMBIOS_VERSION, evidence: 'QEMU\'s anchor not taken: PcdSmbiosVersion 0x0208' };
  if (anchor === undefined || tables.length === 0) return fallback;
  const a = parseSmbiosAnchor(anchor);
  if (a.kind === '2.1') {
    const v = a.value;
    const ok = v.majorVersion === 2 && v.tableLength === tables.length && String.fromCharCode(...v.intermediateAnchorString) === '_DMI_';
    return ok ? { version: (v.majorVersion << 8) | v.minorVersion, evidence: `QEMU's SMBIOS ${v.majorVersion}.${v.minorVersion} entry point ("_SM_")` } : fallback;
  }
  const v = a.value;
  const ok = v.majorVersion === 3 && v.tableMaximumSize === tables.length;
  return ok ? { version: (v.majorVersion << 8) | v.minorVersion, evidence: `QEMU's SMBIOS ${v.majorVersion}.${v.minorVersion} entry point ("_SM3_")` } : fallback;
}

/**
 * The table OVMF builds from fw_cfg's `etc/smbios/smbios-anchor` and `etc/smbios/smbios-tables`;
 * undefined when QEMU offers no tables (SmbiosPlatformDxe then installs nothing).
 * @throws DecodeError for malformed fw_cfg data
 */
export function ovmfSmbiosTable(files: ReadonlyMap<string, Uint8Array>, type0: Type0Strings): SmbiosTable | undefined {
  const tables = files.get(SMBIOS_TABLES_FILE);
  if (tables === undefined || tables.length === 0) return undefined;
  const { version, evidence } = smbiosVersion(files.get(SMBIOS_ANCHOR_FILE), tables);
  const qemu = parseSmbiosStructures(tables).filter((s, i, all) => s.type !== 127 && all.slice(0, i).every((p) => p.type !== 127));
  const parts = qemu.map((s) => s.bytes);
  const handles = new Set(qemu.map((s) => s.handle));
  const needType0 = !qemu.some((s) => s.type === 0);
  const maxHandle = version === 0x0200 ? 0xfffe : 0xfeff;
  if (needType0) {
    let h = 0;
    while (handles.has(h) && h < maxHandle) h++;
    parts.push(ovmfType0(h, type0));
  }
  const end = new Uint8Array(6);
  end[0] = 127;
  end[1] = 4;
  new DataView(end.buffer).setUint16(2, maxHandle, true);
  parts.push(end);
  return { version, bytes: concatBytes(...parts), ovmfType0: needType0, evidence: `${evidence}; ${qemu.length} QEMU structures${needType0 ? ' and OVMF\'s type 0' : ''}` };
}
