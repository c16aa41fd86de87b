/**
 * What an earlier boot of OVMF left in the variable store, as far as it moves DXE's allocations
 * (the Shell's ImageLocationInMemory, the TPM2 table's LASA).
 *
 * Measured on Debian's OVMF 2022.11 (q35 OVMF_CODE_4M.fd 512 MiB, stores built variable by
 * variable from a fresh OVMF_VARS_4M.fd): the `MemoryTypeInformation` variable BDS saves does
 * NOT move anything in non-SMM builds (PlatformPei builds the memory-type HOB from its defaults
 * when SMM_REQUIRE is off, and DxeIpl has no PEI variable service to read it); a store holding
 * only that variable boots exactly as a fresh one. What moves them is Tcg2ConfigDxe finding
 * `TCG2_VERSION` (it then validates the HII settings instead of writing the variable and
 * applying the IFR defaults): alone it lowers LASA by 0x20000 and raises the Shell's buffer by
 * 0x1F000; BDS's own variables (Boot####, BootOrder, ConIn/ConOut/ErrOut, Lang, Timeout, …)
 * alone lower the buffer by 0x5000; all of them together (the store a first boot leaves) raise it
 * by 0x1B000. These pool footprints are not derived from source: the model is the calibration of
 * the two states measured whole (a fresh store, a store after a complete boot to the Shell).
 */

import { TCG2_CONFIG_FORMSET_GUID } from '@tcg2sim/tcg2-config';

const GLOBAL = '8BE4DF61-93CA-11D2-AA0D-00E098032B8C';

/** The variables a first boot of OVMF 2022.11 to the UEFI Shell creates (name, vendor GUID). */
export const FIRST_BOOT_VARIABLES: readonly (readonly [string, string])[] = [
  ['TCG2_VERSION', TCG2_CONFIG_FORMSET_GUID],
  ['TCG2_CONFIGURATION', TCG2_CONFIG_FORMSET_GUID],
  ['TCG2_DEVICE_DETECTION', TCG2_CONFIG_FORMSET_GUID],
  ['BootOrder', GLOBAL],
  ['ConIn', GLOBAL],
  ['ConOut', GLOBAL],
  ['ErrOut', GLOBAL],
  ['Lang', GLOBAL],
  ['PlatformLang', GLOBAL],
  ['Timeout', GLOBAL],
  ['MTC', 'EB704011-1402-11D3-8E77-00A0C969723B'],
  ['VarErrorFlag', '04B37FE8-F6AE-480B-BDD5-37D98C5E89AA'],
  ['MemoryTypeInformation', '4C19049F-4137-4DD3-9C10-8B97A83FFDFA'],
  ['InitialAttemptOrder', '4B47D616-A8D6-4552-9D44-CCAD2E0F4CF9'],
];

/**
 * `fresh`: none of {@link FIRST_BOOT_VARIABLES} (a VARS template); `booted`: all of them (the
 * store an earlier boot to the Shell left); `partial`: some (not calibrated).
 */
export type StoreHistoryKind = 'fresh' | 'booted' | 'partial';

/** The store's history and the one variable the LASA model depends on. */
export interface StoreHistory {
  readonly kind: StoreHistoryKind;
  /** TCG2_VERSION exists: Tcg2ConfigDxe validates it (LASA 0x20000 lower, every store measured). */
  readonly tcg2VersionStored: boolean;
  /** FIRST_BOOT_VARIABLES names the store lacks (for notes). */
  readonly missing: readonly string[];
}

/** Classifies a store by the variables `get` finds in it (undefined store: fresh). */
export function storeHistory(get: ((name: string, guid: string) => Uint8Array | undefined) | undefined): StoreHistory {
  const missing: string[] = [];
  for (const [name, guid] of FIRST_BOOT_VARIABLES) if (get?.(name, guid) === undefined) missing.push(name);
  const kind: StoreHistoryKind = missing.length === 0 ? 'booted' : missing.length === FIRST_BOOT_VARIABLES.length ? 'fresh' : 'partial';
  return { kind, tcg2VersionStored: get?.('TCG2_VERSION', TCG2_CONFIG_FORMSET_GUID) !== undefined, missing };
}
