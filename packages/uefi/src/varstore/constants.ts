/**
 * Constants of the UEFI variable store as EDK II (edk2-stable202211) and OVMF lay it out on flash.
 * Sources: MdeModulePkg/Include/Guid/VariableFormat.h, SystemNvDataGuid.h,
 * MdePkg/Include/Uefi/UefiMultiPhase.h (attributes); docs/edk2-pei.md §8.
 */

/** gEfiSystemNvDataFvGuid: FileSystemGuid of the NV_VARIABLE_STORE firmware volume. */
export const SYSTEM_NV_DATA_FV_GUID = 'FFF12B8D-7696-4C8B-A985-2747075B4F50';
/** gEfiAuthenticatedVariableGuid: store signature of the authenticated format (OVMF always). */
export const AUTHENTICATED_VARIABLE_GUID = 'AAF32C78-947B-439A-A180-2E144EC37792';
/** gEfiVariableGuid: store signature of the normal (non-authenticated) format. */
export const VARIABLE_GUID = 'DDCF3616-3275-4164-98B6-FE85707FFE7D';
/** gEdkiiWorkingBlockSignatureGuid: signature of EFI_FAULT_TOLERANT_WORKING_BLOCK_HEADER. */
export const WORKING_BLOCK_SIGNATURE_GUID = '9E58292B-7C68-497D-A0CE-6500FD9F1B95';
/** FILE_GUID of VariableRuntimeDxe. */
export const VARIABLE_RUNTIME_DXE_FILE_GUID = 'CBD2E4D5-7068-4FF5-B462-9822B4AD8D60';
/**
 * FILE_GUID of FaultTolerantWriteDxe: the CallerId of the write header FtwWrite allocates on its
 * own (it passes its gEfiCallerIdGuid, i.e. the FTW driver's GUID, not the variable driver's).
 * E: the header OVMF writes when it reclaims the store carries this GUID.
 */
export const FAULT_TOLERANT_WRITE_DXE_FILE_GUID = 'FE5CEA76-4F72-49E8-986F-2CD899DFFE5D';

/** Well-known vendor GUIDs of variables. */
export const VENDOR_GUID = {
  /** gEfiGlobalVariableGuid: Boot####, BootOrder, PK, KEK, SecureBoot, … */
  GLOBAL_VARIABLE: '8BE4DF61-93CA-11D2-AA0D-00E098032B8C',
  /** gEfiImageSecurityDatabaseGuid: db, dbx, dbt. */
  IMAGE_SECURITY_DATABASE: 'D719B2CB-3D3A-4596-A3BC-DAD00E67656F',
  /** gEfiCustomModeEnableGuid: CustomMode (SecurityPkg.dec). */
  CUSTOM_MODE_ENABLE: 'C076EC0C-7028-4399-A072-71EE5C448B9F',
  /** gEfiSecureBootEnableDisableGuid: SecureBootEnable (SecurityPkg.dec). */
  SECURE_BOOT_ENABLE_DISABLE: 'F0A30BC7-AF08-4556-99C4-001009C93A44',
  /** gEfiVendorKeysNvGuid: VendorKeysNv (SecurityPkg.dec). */
  VENDOR_KEYS_NV: '9073E4E0-60EC-4B6E-9903-4C223C260F3C',
  /** gEfiCertDbGuid: certdb / certdbv (AuthVariableLib). */
  CERT_DB: 'D9BEE56E-75DC-49D9-B4D7-B534210F637A',
  /**
   * TCG2_CONFIGURATION / TCG2_VERSION (HII varstore of Tcg2ConfigDxe): gTcg2ConfigFormSetGuid
   * (SecurityPkg/Include/Guid/Tcg2ConfigHii.h).
   */
  TCG2_CONFIG_FORM_SET: '6339D487-26BA-424B-9A5D-687E25D740BC',
  /** TCG2_PHYSICAL_PRESENCE / …FLAGS: gEfiTcg2PhysicalPresenceGuid (SecurityPkg/Include/Guid/Tcg2PhysicalPresenceData.h). */
  TCG2_PHYSICAL_PRESENCE: 'AEB9C5C1-94F1-4D02-BFD9-4602DB2D3C54',
} as const;

/** StartId of every variable record (VARIABLE_DATA). */
export const VARIABLE_DATA = 0x55aa;
/** VARIABLE_STORE_FORMATTED / VARIABLE_STORE_HEALTHY. */
export const VARIABLE_STORE_FORMATTED = 0x5a;
export const VARIABLE_STORE_HEALTHY = 0xfe;

/** Record State values and masks (VariableFormat.h). Every transition is an AND. */
export const VAR_STATE = {
  /** Header written, name/data not yet: ignored by lookups. */
  HEADER_VALID_ONLY: 0x7f,
  /** The live copy. */
  ADDED: 0x3f,
  /** Mask: the old copy while its replacement is being written. */
  IN_DELETED_TRANSITION: 0xfe,
  /** Mask: deleted. */
  DELETED: 0xfd,
} as const;
/** VAR_ADDED & VAR_IN_DELETED_TRANSITION: valid for lookup when no 0x3F twin exists. */
export const VAR_ADDED_IN_TRANSITION = 0x3e;

/** Variable attribute bits (UEFI 2.9 §8.2). */
export const VARIABLE_ATTRIBUTE = {
  NV: 0x01,
  BS: 0x02,
  RT: 0x04,
  HR: 0x08,
  /** EFI_VARIABLE_AUTHENTICATED_WRITE_ACCESS (deprecated). */
  AW: 0x10,
  /** EFI_VARIABLE_TIME_BASED_AUTHENTICATED_WRITE_ACCESS. */
  AT: 0x20,
  /** EFI_VARIABLE_APPEND_WRITE: never stored. */
  AP: 0x40,
  /** EFI_VARIABLE_ENHANCED_AUTHENTICATED_ACCESS. */
  EA: 0x80,
} as const;
export type VariableAttributeName = keyof typeof VARIABLE_ATTRIBUTE;

/** Attribute bits as short names (`NV|BS|RT`), unknown bits as hex. */
export function attributeNames(attributes: number): string {
  const parts: string[] = [];
  let rest = attributes >>> 0;
  for (const [name, bit] of Object.entries(VARIABLE_ATTRIBUTE)) {
    if ((rest & bit) !== 0) {
      parts.push(name);
      rest &= ~bit;
    }
  }
  if (rest !== 0) parts.push(`0x${(rest >>> 0).toString(16)}`);
  return parts.length > 0 ? parts.join('|') : '0';
}

/**
 * Parses `NV|BS|RT`, `NV,BS,RT` or a number (`7`, `0x27`). Throws RangeError on an unknown name.
 */
export function parseAttributes(text: string): number {
  const t = text.trim();
  if (/^(0x[0-9a-f]+|\d+)$/i.test(t)) {
    const v = Number(t);
    if (v > 0xffffffff) throw new RangeError(`"attributes" out of range: ${text}`);
    return v;
  }
  let v = 0;
  for (const part of t.split(/[|,+\s]+/)) {
    if (part === '') continue;
    const key = part.toUpperCase();
    if (!Object.hasOwn(VARIABLE_ATTRIBUTE, key)) throw new RangeError(`"attributes" unknown attribute ${JSON.stringify(part)}`);
    v |= VARIABLE_ATTRIBUTE[key as VariableAttributeName];
  }
  return v >>> 0;
}

/** Size of AUTHENTICATED_VARIABLE_HEADER and VARIABLE_HEADER (packed). */
export const AUTH_VARIABLE_HEADER_SIZE = 60;
export const VARIABLE_HEADER_SIZE = 32;
/** Size of VARIABLE_STORE_HEADER. */
export const VARIABLE_STORE_HEADER_SIZE = 28;
/** Field offsets inside both record headers. */
export const STATE_OFFSET = 2;

/** FTW structure sizes (natural alignment, UINT64 8-aligned). */
export const FTW_WORKING_BLOCK_HEADER_SIZE = 32;
export const FTW_WRITE_HEADER_SIZE = 40;
export const FTW_WRITE_RECORD_SIZE = 40;
/** Offset of the state byte in EFI_FAULT_TOLERANT_WORKING_BLOCK_HEADER. */
export const FTW_WORKING_STATE_OFFSET = 20;

/**
 * OVMF limits (docs/edk2-pei.md §8.4): PcdMaxVariableSize / PcdMaxAuthVariableSize.
 * Used as the default record-size bound.
 */
export const OVMF_MAX_VARIABLE_SIZE = { '4M': 0x8400, '2M': 0x2800 } as const;
