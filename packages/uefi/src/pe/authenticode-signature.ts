/**
 * The attribute certificate table of a signed PE image (PE/COFF §4.7 "The Attribute Certificate
 * Table"; UEFI 2.9 §32.2.4 WIN_CERTIFICATE) and the Authenticode hash in the algorithm a
 * signature names, both the way SecurityPkg DxeImageVerificationLib (edk2-stable202211,
 * DxeImageVerificationHandler, HashPeImageByType, HashPeImage) reads them.
 */
import { ByteReader, EFIGuid, equalBytes, struct, u16le, u32le } from '@tcg2sim/binary-codec';
import type { Infer } from '@tcg2sim/binary-codec';
import { createHash } from 'node:crypto';
import {
  AUTHENTICODE_HASHES, EFI_CERT_TYPE, WIN_CERT_TYPE, WIN_CERTIFICATE_SIZE, WIN_CERTIFICATE_UEFI_GUID_DATA_OFFSET,
} from '../secure-boot/constants.ts';
import type { AuthenticodeHash } from '../secure-boot/constants.ts';
import { IMAGE_DIRECTORY_ENTRY, IMAGE_NT_OPTIONAL_HDR_MAGIC } from './headers.ts';
import { peImageHashRanges } from './image-hash.ts';
import type { PeImage } from './parse.ts';

/** WIN_CERTIFICATE (8 bytes): UINT32 dwLength; UINT16 wRevision; UINT16 wCertificateType. */
export const WinCertificate = struct('WIN_CERTIFICATE', {
  dwLength: u32le,
  wRevision: u16le,
  wCertificateType: u16le,
});
export type WinCertificate = Infer<typeof WinCertificate>;

/** WIN_CERTIFICATE_UEFI_GUID header (24 bytes): Hdr, then EFI_GUID CertType; CertData follows. */
export const WinCertificateUefiGuid = struct('WIN_CERTIFICATE_UEFI_GUID', {
  hdr: WinCertificate,
  certType: EFIGuid,
});
export type WinCertificateUefiGuid = Infer<typeof WinCertificateUefiGuid>;

/** One entry of the certificate table as DxeImageVerificationHandler classifies it. */
export interface CertificateTableEntry {
  /** File offset of the WIN_CERTIFICATE. */
  readonly offset: number;
  readonly header: WinCertificate;
  /** The CertType of a WIN_CERT_TYPE_EFI_GUID entry. */
  readonly certType?: string;
  /**
   * `pkcs7`: an Authenticode signature to verify (WIN_CERT_TYPE_PKCS_SIGNED_DATA, or
   * WIN_CERT_TYPE_EFI_GUID with gEfiCertPkcs7Guid); `skipped`: another type (for example
   * EFI_CERT_TYPE_RSA2048_SHA256_GUID or WIN_CERT_TYPE_EFI_PKCS115), which 2022.11 passes over.
   */
  readonly kind: 'pkcs7' | 'skipped';
  /** CertData (the DER PKCS#7) of a `pkcs7` entry: a view into the file. */
  readonly authData?: Uint8Array;
}

/** The walk of the Security directory. */
export interface CertificateTable {
  /** Security directory VirtualAddress (a file offset) and Size. */
  readonly start: number;
  readonly size: number;
  readonly entries: readonly CertificateTableEntry[];
  /**
   * The walk reached exactly the directory's end. When it did not (a corrupt dwLength, an entry
   * too short for its type), 2022.11 denies the image even if a signature verified.
   */
  readonly complete: boolean;
}

/** ALIGN_SIZE: padding to the next 8-byte boundary. */
function alignSize(n: number): number {
  return n % 8 === 0 ? 0 : 8 - (n % 8);
}

/**
 * The Security data directory entry (index 4) of a PE image, or undefined when the image has
 * no such entry or it is empty (Size 0: an unsigned image for DxeImageVerificationLib, whatever
 * VirtualAddress says).
 */
export function securityDirectory(img: PeImage): { readonly virtualAddress: number; readonly size: number } | undefined {
  if (img.optionalHeader.numberOfRvaAndSizes <= IMAGE_DIRECTORY_ENTRY.SECURITY) return undefined;
  const d = img.dataDirectories[IMAGE_DIRECTORY_ENTRY.SECURITY];
  return d === undefined || d.size === 0 ? undefined : d;
}

/**
 * Walks the attribute certificate table as DxeImageVerificationHandler does. The caller has
 * checked (PeCoffLoaderGetImageInfo) that the directory lies inside `file`.
 */
export function readCertificateTable(file: Uint8Array, dir: { readonly virtualAddress: number; readonly size: number }): CertificateTable {
  const end = dir.virtualAddress + dir.size;
  const entries: CertificateTableEntry[] = [];
  let off = dir.virtualAddress;
  let complete = false;
  for (;;) {
    if (off >= end) {
      complete = off === end;
      break;
    }
    const left = end - off;
    if (left <= WIN_CERTIFICATE_SIZE || off + WIN_CERTIFICATE_SIZE > file.length) break;
    const header = WinCertificate.decode(new ByteReader(file, off));
    if (left < header.dwLength || left - header.dwLength < alignSize(header.dwLength)) break;
    if (header.wCertificateType === WIN_CERT_TYPE.PKCS_SIGNED_DATA) {
      if (header.dwLength <= WIN_CERTIFICATE_SIZE) break;
      entries.push({ offset: off, header, kind: 'pkcs7', authData: file.subarray(off + WIN_CERTIFICATE_SIZE, off + header.dwLength) });
    } else if (header.wCertificateType === WIN_CERT_TYPE.EFI_GUID) {
      if (header.dwLength <= WIN_CERTIFICATE_UEFI_GUID_DATA_OFFSET) break;
      const g = WinCertificateUefiGuid.decode(new ByteReader(file, off));
      if (g.certType !== EFI_CERT_TYPE.PKCS7) {
        entries.push({ offset: off, header, certType: g.certType, kind: 'skipped' });
      } else {
        entries.push({
          offset: off, header, certType: g.certType, kind: 'pkcs7',
          authData: file.subarray(off + WIN_CERTIFICATE_UEFI_GUID_DATA_OFFSET, off + header.dwLength),
        });
      }
    } else {
      if (header.dwLength < WIN_CERTIFICATE_SIZE) break;
      entries.push({ offset: off, header, kind: 'skipped' });
    }
    off += header.dwLength + alignSize(header.dwLength);
  }
  return { start: dir.virtualAddress, size: dir.size, entries, complete };
}

/**
 * HashPeImageByType's choice of algorithm: when AuthData[1] has the bits of 0x82 (a two-octet
 * long-form length), the OID at the fixed offset AuthData + 32 (the first digestAlgorithms
 * entry of a ContentInfo with those length forms) is compared with each entry of mHash in
 * order. Undefined = EFI_UNSUPPORTED (also for SHA-224, which has no hash functions).
 */
export function authenticodeHashOf(authData: Uint8Array): AuthenticodeHash | undefined {
  for (const h of AUTHENTICODE_HASHES) {
    if (((authData[1] ?? 0) & 0x82) !== 0x82) continue;
    const oid = Buffer.from(h.oid, 'hex');
    if (authData.length < 32 + oid.length) return undefined;
    if (equalBytes(authData.subarray(32, 32 + oid.length), oid)) return h.nodeName === undefined ? undefined : h;
  }
  return undefined;
}

/**
 * HashPeImage: the Authenticode digest of `file` in `hash`, or undefined where EDK II fails
 * (a magic other than PE32/PE32+, a file shorter than its sections plus certificates). The image
 * must already have passed PeCoffLoaderGetImageInfo.
 */
export function authenticodeImageDigest(file: Uint8Array, img: PeImage, hash: AuthenticodeHash): Uint8Array | undefined {
  const m = img.optionalHeader.magic;
  if ((m !== IMAGE_NT_OPTIONAL_HDR_MAGIC.PE32 && m !== IMAGE_NT_OPTIONAL_HDR_MAGIC.PE32_PLUS) || hash.nodeName === undefined) return undefined;
  let ranges;
  try {
    ranges = peImageHashRanges(file);
  } catch {
    return undefined;
  }
  const h = createHash(hash.nodeName);
  for (const r of ranges) h.update(file.subarray(r.start, r.end));
  return new Uint8Array(h.digest());
}
