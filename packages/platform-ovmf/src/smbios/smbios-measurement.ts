/**
 * SmbiosMeasurementDxe (MdeModulePkg/Universal/SmbiosMeasurementDxe, in OVMF from
 * edk2-stable202505): at the first ReadyToBoot, before Tcg2Dxe's own ReadyToBoot events, it
 * measures the SMBIOS table SmbiosDxe published into PCR1: the structures (to the end-of-table
 * structure) with SmbiosMeasurementDxe's filter applied are hashed; the event is
 * EV_EFI_HANDOFF_TABLES with UEFI_HANDOFF_TABLE_POINTERS {1, {SMBIOS_TABLE_GUID (2.x) or
 * SMBIOS3_TABLE_GUID (3.x), the entry point's address}} (EV_EFI_HANDOFF_TABLES2 "SmbiosTable"
 * only when PcdTcgPfpMeasurementRevision >= 105; OVMF keeps MdeModulePkg's default 0).
 */
import { encode } from '@tcg2sim/binary-codec';
import { EV, uefiHandoffTablePointers } from '@tcg2sim/event-log';
import { findFileByGuid } from '@tcg2sim/uefi';
import type { Tcg2Dxe } from '@tcg2sim/tcg2-dxe';
import type { SecOutput } from '../sec.ts';
import { ramLayout } from '../machine.ts';
import type { MachineDescription } from '../machine.ts';
import { corroboratedSuffix, moduleImage, utf16Strings } from '../platform-pei/firmware-version.ts';
import { BDS_DXE_FILE_GUID } from '../platform-pei/bds-behaviour.ts';
import { filterSmbiosEntry } from './smbios-filter.ts';
import { ovmfSmbiosTable } from './smbios-table.ts';
import type { SmbiosTable, Type0Strings } from './smbios-table.ts';
import { smbiosStructureSize } from '@tcg2sim/qemu-fwcfg';

/** SmbiosMeasurementDxe's FILE_GUID. */
export const SMBIOS_MEASUREMENT_DXE_FILE_GUID = 'D27FED59-ABB4-4FED-BEAD-2A878C7E4A7E';
/** SmbiosPlatformDxe's FILE_GUID (OvmfPkg/SmbiosPlatformDxe). */
export const SMBIOS_PLATFORM_DXE_FILE_GUID = '4110465D-5FF3-4F4B-B580-24ED0D06747A';
export const SMBIOS_TABLE_GUID = 'EB9D2D31-2D88-11D3-9A16-0090273FC14D';
export const SMBIOS3_TABLE_GUID = 'F2FD1544-9794-4A2C-992E-E5BBCF20E394';

/** Whether the build measures SMBIOS (DXEFV holds SmbiosMeasurementDxe). */
export function measuresSmbios(sec: SecOutput): boolean {
  return findFileByGuid(sec.dxeFv.volume, SMBIOS_MEASUREMENT_DXE_FILE_GUID) !== undefined;
}

/**
 * The type 0 strings of SmbiosPlatformDxe's image: its UTF-16 literals are the fallbacks
 * ("unknown", "02/02/2022") and the three FixedAtBuild PCDs; the version is the one Tcg2Pei
 * measures, the date the MM/DD/YYYY literal, the vendor what is left. BdsDxe also holds
 * PcdFirmwareVendor (MdeModulePkg/Universal/BdsDxe/BdsEntry.c copies it to gST->FirmwareVendor):
 * when a run is not in BdsDxe but a NUL-terminated tail of it is, the tail is the literal (bytes
 * before it read as a character: the local 202505 build's code padding 0F 1F 40 00 gives '@').
 */
export function type0StringsOf(sec: SecOutput, version: string): { strings: Type0Strings; evidence: string } {
  const f = findFileByGuid(sec.dxeFv.volume, SMBIOS_PLATFORM_DXE_FILE_GUID);
  const img = f?.sections?.find((s) => s.type === 0x10)?.body;
  const found = img === undefined ? [] : utf16Strings(img).filter((s) => s !== 'unknown' && s !== '02/02/2022');
  const releaseDate = found.find((s) => /^\d\d\/\d\d\/\d{4}$/.test(s)) ?? '';
  // The version's literal may follow bytes that read as a character (see firmware-version.ts).
  const bds = moduleImage(sec.dxeFv.volume, 'BdsDxe', BDS_DXE_FILE_GUID);
  const vendors = [...new Set(found.filter((s) => s !== releaseDate && (version === '' ? true : !s.endsWith(version))).map((s) => corroboratedSuffix(s, [bds])))];
  const vendor = vendors[0] ?? '';
  const evidence = `type 0 from SmbiosPlatformDxe's PCDs: vendor "${vendor}", version "${version}", date "${releaseDate}"${vendors.length > 1 ? ` (other UTF-16 text: ${vendors.slice(1).join(', ')}: the vendor is uncertain)` : ''}`;
  return { strings: { vendor, version, releaseDate }, evidence };
}

/** The hashed bytes: the whole table, each structure filtered. */
export function filteredSmbiosTable(table: SmbiosTable): Uint8Array {
  const out = table.bytes.slice();
  let off = 0;
  while (off < out.length) {
    const size = smbiosStructureSize(out, off, 'SMBIOS table');
    filterSmbiosEntry(out.subarray(off, off + size));
    off += size;
  }
  return out;
}

/**
 * The entry point's address (event data only, in no PCR): SmbiosDxe allocates its page top-down
 * below 4 GiB; observed 0x38F000 below the top of low RAM on sid's 2026.08 (q35 and pc, TIS and
 * CRB, 512 to 2048 MiB), 0x12BC000 on its SMM build (16 MiB TSEG and the SMM stack's
 * allocations; q35,smm=on, 512 MiB). A calibration, not a model: other builds or devices move it.
 */
export function smbiosEntryPointAddress(m: MachineDescription, smmBuild = false): bigint {
  return BigInt(ramLayout(m).belowFourG) - (smmBuild ? 0x12bc000n : 0x38f000n);
}

/** Measures the table as SmbiosMeasurementDxe does; the notes say what decided it. */
export async function measureSmbios(
  dxe: Tcg2Dxe, sec: SecOutput, files: ReadonlyMap<string, Uint8Array>, version: string, m: MachineDescription, uintnSize: number, smmBuild: boolean, notes: string[]
): Promise<boolean> {
  const t0 = type0StringsOf(sec, version);
  const table = ovmfSmbiosTable(files, t0.strings);
  if (table === undefined) {
    notes.push('SmbiosMeasurementDxe: QEMU offers no SMBIOS tables: nothing measured');
    return false;
  }
  const guid = table.version >= 0x0300 ? SMBIOS3_TABLE_GUID : SMBIOS_TABLE_GUID;
  const data = encode(uefiHandoffTablePointers(uintnSize), { tableEntry: [{ vendorGuid: guid, vendorTable: smbiosEntryPointAddress(m, smmBuild) }] });
  await dxe.hashLogExtend(1, EV.EFI_HANDOFF_TABLES, filteredSmbiosTable(table), data);
  notes.push(`SmbiosMeasurementDxe: SMBIOS ${table.version >> 8}.${table.version & 0xff} table measured (${table.evidence}; ${table.ovmfType0 ? t0.evidence : 'QEMU\'s type 0'}); the entry point address in the event data is calibrated, not modelled`);
  return true;
}
