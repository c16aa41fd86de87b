/**
 * The image half of `tcg2sim pe`: what an EFI binary is (PE32/PE32+/TE, machine, subsystem,
 * entry point, sections), the Authenticode digest OVMF's Tcg2Dxe extends for it in every bank
 * (EV_EFI_BOOT_SERVICES_APPLICATION/DRIVER, EV_EFI_RUNTIME_SERVICES_DRIVER), and the signatures
 * of its attribute certificate table.
 */
import { DecodeError, toHex } from '@tcg2sim/binary-codec';
import { hashAlgInfo, supportsAlg, TPM_ALG_HASH } from '@tcg2sim/hash-lib';
import type { TpmAlgHash } from '@tcg2sim/hash-lib';
import {
  IMAGE_FILE_MACHINE, IMAGE_SUBSYSTEM, authenticodeHashOf, checkPeImageLoadable, imageInfo, parseEfiImage, parsePkcs7SignedData,
  parseX509, peImageDigests, readCertificateTable, sectionName, securityDirectory, spcIndirectDataDigest, pkcs7GetSigners,
} from '@tcg2sim/uefi';
import type { CertificateTableEntry, EfiImage } from '@tcg2sim/uefi';

/**
 * The banks `tcg2sim pe` reports: every bank OVMF's HashLib instances cover (SHA1, SHA256, SHA384,
 * SHA512, SM3 in that order); SM3 only where this Node's crypto has it.
 */
export const PE_BANKS: readonly TpmAlgHash[] = [TPM_ALG_HASH.SHA1, TPM_ALG_HASH.SHA256, TPM_ALG_HASH.SHA384, TPM_ALG_HASH.SHA512, TPM_ALG_HASH.SM3_256]
  .filter((a) => supportsAlg(a));

/** Bank name (`sha1`, `sha256`, `sha384`, `sha512`, `sm3_256`) to lower-case hex digest. */
export type BankDigests = Readonly<Record<string, string>>;

/** A certificate as the report names it. */
export interface CertificateJson {
  readonly subject: string;
  readonly issuer: string;
  /** serialNumber, lower-case hex of the contents octets. */
  readonly serial: string;
}

/** One WIN_CERTIFICATE of the attribute certificate table. */
export interface SignatureJson {
  readonly index: number;
  /** File offset of the WIN_CERTIFICATE. */
  readonly offset: number;
  readonly length: number;
  readonly revision: number;
  readonly certificateType: number;
  /** `pkcs7`: an Authenticode signature DxeImageVerificationLib verifies; `skipped`: a type it passes over. */
  readonly kind: 'pkcs7' | 'skipped';
  /** WIN_CERT_TYPE_EFI_GUID CertType. */
  readonly certType?: string;
  /** The algorithm DxeImageVerificationLib hashes the image with for this signature (HashPeImageByType), or null (unsupported). */
  readonly digestAlgorithm?: string | null;
  /** The SpcIndirectDataContent digest equals the image's digest in that algorithm. */
  readonly digestMatchesImage?: boolean;
  readonly signers?: readonly CertificateJson[];
  readonly certificates?: readonly CertificateJson[];
  /** Why the PKCS#7 could not be read (EDK II then denies on this signature). */
  readonly error?: string;
}

/** Tcg2Dxe's image event for the image (DxeTpm2MeasureBootLib Tcg2MeasurePeImage). */
export interface ImageEventJson {
  readonly pcr: number;
  readonly eventType: string;
}

/** Without `--vars`: the image itself. */
export interface PeImageReport {
  readonly file: string;
  readonly fileSize: number;
  /** `PE32`, `PE32+` or `TE`. */
  readonly format: 'PE32' | 'PE32+' | 'TE';
  readonly machine: number;
  readonly machineName: string | null;
  readonly subsystem: number;
  readonly subsystemName: string | null;
  /** AddressOfEntryPoint (an RVA). */
  readonly entryPoint: number;
  /** ImageBase as EDK II records it, hex string (64-bit). */
  readonly imageBase: string;
  /** SizeOfImage (0 for TE). */
  readonly sizeOfImage: number;
  readonly sizeOfHeaders: number;
  readonly sections: readonly {
    readonly name: string; readonly virtualAddress: number; readonly virtualSize: number;
    readonly pointerToRawData: number; readonly sizeOfRawData: number; readonly characteristics: number;
  }[];
  /** Authenticode image digests per bank; null when EDK II measures nothing (TE images). */
  readonly digests: BankDigests | null;
  /** The event Tcg2Dxe logs when the image is loaded from outside the firmware volumes; null if none. */
  readonly imageEvent: ImageEventJson | null;
  readonly signatures: readonly SignatureJson[];
  /** The certificate table walk ended exactly at the Security directory's end (else EDK II denies). */
  readonly certificateTableComplete: boolean;
}

function reverseName(table: Readonly<Record<string, number>>, v: number): string | null {
  for (const [k, x] of Object.entries(table)) if (x === v) return k;
  return null;
}

function certJson(der: Uint8Array): CertificateJson {
  const c = parseX509(der);
  return { subject: c.cert.subject.replace(/\n/g, ', '), issuer: c.cert.issuer.replace(/\n/g, ', '), serial: toHex(c.serialNumber) };
}

function signatureJson(e: CertificateTableEntry, index: number, digests: BankDigests): SignatureJson {
  const base = {
    index, offset: e.offset, length: e.header.dwLength, revision: e.header.wRevision, certificateType: e.header.wCertificateType,
    kind: e.kind, ...(e.certType === undefined ? {} : { certType: e.certType }),
  };
  if (e.kind !== 'pkcs7' || e.authData === undefined) return base;
  const h = authenticodeHashOf(e.authData);
  const bank = h?.nodeName;
  const spc = h === undefined ? undefined : spcIndirectDataDigest(e.authData, h.size);
  const imageDigest = bank === undefined ? undefined : digests[bank];
  const out = {
    ...base, digestAlgorithm: h?.name ?? null,
    digestMatchesImage: spc !== undefined && imageDigest !== undefined && toHex(spc.digest) === imageDigest,
  };
  try {
    const p7 = parsePkcs7SignedData(e.authData);
    const signers = pkcs7GetSigners(e.authData) ?? [];
    return {
      ...out,
      signers: signers.map((s) => certJson(s.raw)),
      certificates: p7.certificates.map(certJson),
    };
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
    return { ...out, error: `${err.path.join('.')} at offset 0x${err.offset.toString(16)}: ${err.detail} (${err.code})` };
  }
}

const IMAGE_EVENTS: ReadonlyMap<number, ImageEventJson> = new Map([
  [IMAGE_SUBSYSTEM.EFI_APPLICATION, { pcr: 4, eventType: 'EV_EFI_BOOT_SERVICES_APPLICATION' }],
  [IMAGE_SUBSYSTEM.EFI_BOOT_SERVICE_DRIVER, { pcr: 2, eventType: 'EV_EFI_BOOT_SERVICES_DRIVER' }],
  [IMAGE_SUBSYSTEM.EFI_RUNTIME_DRIVER, { pcr: 2, eventType: 'EV_EFI_RUNTIME_SERVICES_DRIVER' }],
]);

/** The parsed image, kept for the Secure Boot half. */
export interface ParsedImage {
  readonly image: EfiImage;
  readonly report: PeImageReport;
}

/**
 * Reads `data` (the bytes of `file`).
 * @throws DecodeError: not a PE/TE image, truncated, or a PE image EDK II's loader refuses
 *   (PeCoffLoaderGetImageInfo: nothing is measured or loaded)
 */
export function analyseImage(file: string, data: Uint8Array): ParsedImage {
  const img = parseEfiImage(data);
  const info = imageInfo(img);
  const sections = img.sections.map((s) => ({
    name: sectionName(s), virtualAddress: s.virtualAddress, virtualSize: s.virtualSize,
    pointerToRawData: s.pointerToRawData, sizeOfRawData: s.sizeOfRawData, characteristics: s.characteristics,
  }));
  let digests: BankDigests | null = null;
  let signatures: SignatureJson[] = [];
  let complete = true;
  if (img.format !== 'te') {
    checkPeImageLoadable(img, data.length);
    const d: Record<string, string> = {};
    for (const b of peImageDigests(data, PE_BANKS)) d[hashAlgInfo(b.alg).name] = toHex(b.digest);
    digests = d;
    const dir = securityDirectory(img);
    if (dir !== undefined) {
      const table = readCertificateTable(data, dir);
      complete = table.complete;
      signatures = table.entries.map((e, i) => signatureJson(e, i, d));
    }
  }
  const format = img.format === 'te' ? 'TE' : img.format === 'pe32' ? 'PE32' : 'PE32+';
  return {
    image: img,
    report: {
      file, fileSize: data.length, format,
      machine: info.machine, machineName: reverseName(IMAGE_FILE_MACHINE, info.machine),
      subsystem: info.subsystem, subsystemName: reverseName(IMAGE_SUBSYSTEM, info.subsystem),
      entryPoint: info.addressOfEntryPoint, imageBase: `0x${info.imageAddress.toString(16)}`,
      sizeOfImage: info.sizeOfImage, sizeOfHeaders: info.sizeOfHeaders, sections, digests,
      imageEvent: img.format === 'te' ? null : IMAGE_EVENTS.get(info.subsystem) ?? null,
      signatures, certificateTableComplete: complete,
    },
  };
}
