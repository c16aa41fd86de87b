import { EFIGuid, list, sized, struct, u8 } from '@tcg2sim/binary-codec';
import type { Codec } from '@tcg2sim/binary-codec';
import { uintn, uintnLength } from '../_codecs.ts';

/** Bound on NumberOfTables (each entry also needs its 24 or 20 bytes). */
export const MAX_HANDOFF_TABLES = 4096;

/** EFI_CONFIGURATION_TABLE (UEFI 2.9 §4.6): EFI_GUID VendorGuid; VOID *VendorTable. */
export interface EFIConfigurationTable {
  readonly vendorGuid: string;
  readonly vendorTable: bigint;
}

function efiConfigurationTable(uintnSize: number): Codec<EFIConfigurationTable> {
  return struct('EFI_CONFIGURATION_TABLE', { vendorGuid: EFIGuid, vendorTable: uintn(uintnSize) });
}

/** UEFI_HANDOFF_TABLE_POINTERS as a value. */
export interface UEFIHandoffTablePointers {
  readonly tableEntry: readonly EFIConfigurationTable[];
}

/**
 * UEFI_HANDOFF_TABLE_POINTERS (PFP 1.05 §10.2.7 Table 18): UINTN NumberOfTables;
 * EFI_CONFIGURATION_TABLE TableEntry[NumberOfTables]. UINTN follows the log's uintnSize.
 */
export function uefiHandoffTablePointers(uintnSize: number): Codec<UEFIHandoffTablePointers> {
  return struct('UEFI_HANDOFF_TABLE_POINTERS', {
    tableEntry: list('TableEntry', uintnLength(uintnSize, 'NumberOfTables', MAX_HANDOFF_TABLES), efiConfigurationTable(uintnSize), MAX_HANDOFF_TABLES),
  });
}

/** UEFI_HANDOFF_TABLE_POINTERS2 as a value. */
export interface UEFIHandoffTablePointers2 {
  readonly tableDescription: Uint8Array;
  readonly tableEntry: readonly EFIConfigurationTable[];
}

/**
 * UEFI_HANDOFF_TABLE_POINTERS2 (PFP 1.05 §10.2.7 Table 19): UINT8 TableDescriptionSize;
 * UINT8 TableDescription[]; UINT64 NumberOfTables; EFI_CONFIGURATION_TABLE TableEntry[].
 */
export function uefiHandoffTablePointers2(uintnSize: number): Codec<UEFIHandoffTablePointers2> {
  return struct('UEFI_HANDOFF_TABLE_POINTERS2', {
    tableDescription: sized('TableDescription', u8, 255),
    tableEntry: list('TableEntry', uintnLength(2, 'NumberOfTables', MAX_HANDOFF_TABLES), efiConfigurationTable(uintnSize), MAX_HANDOFF_TABLES),
  });
}
