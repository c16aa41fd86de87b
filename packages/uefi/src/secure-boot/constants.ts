/**
 * Secure Boot constants: signature-database GUIDs (UEFI 2.9 §32.4.1 "Signature Database",
 * MdePkg/Include/Guid/ImageAuthentication.h), WIN_CERTIFICATE types (UEFI 2.9 §32.2.4,
 * MdePkg/Include/Guid/WinCertificate.h), image verification policies
 * (SecurityPkg/SecurityPkg.dec) and the OIDs Authenticode uses.
 */

/** gEfiImageSecurityDatabaseGuid: db, dbx, dbt. */
export const EFI_IMAGE_SECURITY_DATABASE_GUID = 'D719B2CB-3D3A-4596-A3BC-DAD00E67656F';

/** EFI_SIGNATURE_LIST.SignatureType values (UEFI 2.9 §32.4.1). */
export const EFI_CERT_TYPE = {
  SHA256: 'C1C41626-504C-4092-ACA9-41F936934328',
  RSA2048: '3C5766E8-269C-4E34-AA14-ED776E85B3B6',
  RSA2048_SHA256: 'E2B36190-879B-4A3D-AD8D-F2E7BBA32784',
  SHA1: '826CA512-CF10-4AC9-B187-BE01496631BD',
  RSA2048_SHA1: '67F8444F-8743-48F1-A328-1EAAB8736080',
  X509: 'A5C059A1-94E4-4AA7-87B5-AB155C2BF072',
  SHA224: '0B6E5233-A65C-44C9-9407-D9AB83BFC8BD',
  SHA384: 'FF3E5307-9FD0-48C9-85F1-8AD56C701E01',
  SHA512: '093E0FAE-A6C4-4F50-9F1B-D41E2B89C19A',
  X509_SHA256: '3BD2A492-96C0-4079-B420-FCF98EF103ED',
  X509_SHA384: '7076876E-80C2-4EE6-AAD2-28B349A6865B',
  X509_SHA512: '446DBF63-2502-4CDA-BCFA-2465D2B0FE9D',
  /** gEfiCertPkcs7Guid: also WIN_CERTIFICATE_UEFI_GUID.CertType for PKCS#7 signatures. */
  PKCS7: '4AAFD29D-68DF-49EE-8AA9-347D375665A7',
} as const;
export type EfiCertType = (typeof EFI_CERT_TYPE)[keyof typeof EFI_CERT_TYPE];

/** WIN_CERTIFICATE_UEFI_GUID.CertType of an EFI_CERT_BLOCK_RSA_2048_SHA256 (skipped by 2022.11). */
export const EFI_CERT_TYPE_RSA2048_SHA256_GUID = 'A7717414-C616-4977-9420-844712A735BF';

/** WIN_CERTIFICATE.wCertificateType values. */
export const WIN_CERT_TYPE = {
  PKCS_SIGNED_DATA: 0x0002,
  EFI_PKCS115: 0x0ef0,
  EFI_GUID: 0x0ef1,
} as const;

/** sizeof (WIN_CERTIFICATE). */
export const WIN_CERTIFICATE_SIZE = 8;
/** OFFSET_OF (WIN_CERTIFICATE_UEFI_GUID, CertData). */
export const WIN_CERTIFICATE_UEFI_GUID_DATA_OFFSET = 24;
/** sizeof (EFI_SIGNATURE_LIST). */
export const EFI_SIGNATURE_LIST_SIZE = 28;
/** sizeof (EFI_SIGNATURE_DATA) - 1: the SignatureOwner GUID before the data. */
export const EFI_SIGNATURE_DATA_HEADER_SIZE = 16;

/** Image verification policies (SecurityPkg.dec, Pcd*ImageVerificationPolicy). */
export const IMAGE_VERIFICATION_POLICY = {
  ALWAYS_EXECUTE: 0x00,
  NEVER_EXECUTE: 0x01,
  ALLOW_EXECUTE_ON_SECURITY_VIOLATION: 0x02,
  DEFER_EXECUTE_ON_SECURITY_VIOLATION: 0x03,
  DENY_EXECUTE_ON_SECURITY_VIOLATION: 0x04,
  QUERY_USER_ON_SECURITY_VIOLATION: 0x05,
} as const;

/**
 * The hash table of DxeImageVerificationLib (mHash), in its order: the index is what
 * HashPeImageByType finds by comparing the OID at AuthData + 32. SHA-224 has an OID but no hash
 * functions, so an image whose signature names it cannot be hashed.
 */
export const AUTHENTICODE_HASHES = [
  { name: 'SHA1', nodeName: 'sha1', size: 20, oid: '2b0e03021a', certType: EFI_CERT_TYPE.SHA1 },
  { name: 'SHA224', nodeName: undefined, size: 28, oid: '608648016503040204', certType: EFI_CERT_TYPE.SHA224 },
  { name: 'SHA256', nodeName: 'sha256', size: 32, oid: '608648016503040201', certType: EFI_CERT_TYPE.SHA256 },
  { name: 'SHA384', nodeName: 'sha384', size: 48, oid: '608648016503040202', certType: EFI_CERT_TYPE.SHA384 },
  { name: 'SHA512', nodeName: 'sha512', size: 64, oid: '608648016503040203', certType: EFI_CERT_TYPE.SHA512 },
] as const;
/** One row of {@link AUTHENTICODE_HASHES}. */
export type AuthenticodeHash = (typeof AUTHENTICODE_HASHES)[number];

/** OIDs (contents octets, hex). */
export const OID = {
  /** 1.2.840.113549.1.7.2 pkcs7-signedData. */
  SIGNED_DATA: '2a864886f70d010702',
  /** 1.3.6.1.4.1.311.2.1.4 SPC_INDIRECT_DATA_OBJID. */
  SPC_INDIRECT_DATA: '2b060104018237020104',
  /** 1.2.840.113549.1.9.4 messageDigest. */
  MESSAGE_DIGEST: '2a864886f70d010904',
  /** 2.5.29.19 basicConstraints. */
  BASIC_CONSTRAINTS: '551d13',
  /** 2.5.29.15 keyUsage. */
  KEY_USAGE: '551d0f',
} as const;

/** Digest OIDs OpenSSL's PKCS7_verify knows, as CryptoPkg registers them (EVP_add_digest). */
export const PKCS7_DIGESTS: ReadonlyMap<string, string> = new Map([
  ['2a864886f70d0205', 'md5'],
  ['2b0e03021a', 'sha1'],
  ['608648016503040201', 'sha256'],
  ['608648016503040202', 'sha384'],
  ['608648016503040203', 'sha512'],
]);
