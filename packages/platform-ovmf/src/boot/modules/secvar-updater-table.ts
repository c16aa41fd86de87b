/**
 * The update table of Ubuntu's FirmwareSecvarUpdater, read from its PE image. Seen in the
 * drivers of jammy-updates (2022.02-3ubuntu0.22.04.7), noble (2024.02-2ubuntu0.10) and resolute
 * (2025.11-3ubuntu7), all three alike: in .data, consecutive 0x58-byte records
 *
 *   { CHAR16 *VariableName; EFI_GUID *VendorGuid; { UINT8 *Cert; UINTN *CertSize; }[4]; UINTN Count; }
 *
 * (pointers are RVAs in the image, ImageBase 0). The first certificate is the one that must be in
 * the variable already (the trigger); the next `Count` are those appended when absent. The three
 * builds carry: KEK: Microsoft Corporation KEK CA 2011 → KEK 2K CA 2023; db: Microsoft Windows
 * Production PCA 2011 → Windows UEFI CA 2023; db: Microsoft Corporation UEFI CA 2011 → Microsoft
 * UEFI CA 2023, Microsoft Option ROM UEFI CA 2023. The driver's code walks the records in order
 * (its loop ends at the address after the last one); a build laid out otherwise yields no table.
 */
import { X509Certificate } from 'node:crypto';
import { parsePeImage } from '@tcg2sim/uefi';

/** An X.509 certificate in the image: its DER bytes, subject and file offset. */
export interface EmbeddedCertificate {
  readonly der: Uint8Array;
  readonly subject: string;
  readonly offset: number;
}

/**
 * The X.509 certificates in a PE image: every DER SEQUENCE with a two-byte length whose content
 * starts with another such SEQUENCE (the TBSCertificate) and that parses as a certificate.
 */
export function embeddedCertificates(image: Uint8Array): EmbeddedCertificate[] {
  const out: EmbeddedCertificate[] = [];
  for (let i = 0; i + 8 <= image.length; i++) {
    if (image[i] !== 0x30 || image[i + 1] !== 0x82 || image[i + 4] !== 0x30 || image[i + 5] !== 0x82) continue;
    const len = ((image[i + 2] ?? 0) << 8) | (image[i + 3] ?? 0);
    if (len < 256 || i + 4 + len > image.length) continue;
    const der = image.subarray(i, i + 4 + len);
    try {
      const cert = new X509Certificate(der);
      out.push({ der: new Uint8Array(der), subject: cert.subject.replace(/\n/g, ', '), offset: i });
      i += 3 + len;
    } catch {
      // Not a certificate: keep scanning.
    }
  }
  return out;
}

/** One record: the variable, the certificate it must hold, the certificates appended when absent. */
export interface UpdateGroup {
  readonly variable: string;
  readonly guid: string;
  readonly trigger: EmbeddedCertificate;
  readonly add: readonly EmbeddedCertificate[];
}

const RECORD_SIZE = 0x58;
const SLOTS = 4;
/** Longest variable name accepted (CHAR16 units). */
const MAX_NAME = 64;

function guidAt(b: Uint8Array, o: number): string {
  const h = (from: number, to: number, rev: boolean): string => {
    const bytes = Array.from(b.subarray(o + from, o + to));
    return (rev ? bytes.reverse() : bytes).map((x) => x.toString(16).padStart(2, '0')).join('');
  };
  return `${h(0, 4, true)}-${h(4, 6, true)}-${h(6, 8, true)}-${h(8, 10, false)}-${h(10, 16, false)}`.toUpperCase();
}

/**
 * The update records of a FirmwareSecvarUpdater image, in the order its code applies them, or
 * undefined when the image holds no such table (another layout: the caller says INCOMPLETE).
 * Hostile input: every pointer is bounds-checked, nothing is allocated beyond the image's size.
 */
export function updateTable(image: Uint8Array): UpdateGroup[] | undefined {
  let sections;
  try {
    sections = parsePeImage(image).sections;
  } catch {
    return undefined;
  }
  const fileOffset = (rva: bigint): number | undefined => {
    for (const s of sections) {
      const start = BigInt(s.virtualAddress);
      if (rva >= start && rva < start + BigInt(Math.min(s.virtualSize || s.sizeOfRawData, s.sizeOfRawData))) return s.pointerToRawData + Number(rva - start);
    }
    return undefined;
  };
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const u64 = (o: number): bigint | undefined => (o >= 0 && o + 8 <= image.length ? view.getBigUint64(o, true) : undefined);
  const certs = new Map(embeddedCertificates(image).map((c) => [c.offset, c]));
  const nameAt = (rva: bigint): string | undefined => {
    const o = fileOffset(rva);
    if (o === undefined) return undefined;
    let s = '';
    for (let i = 0; i < MAX_NAME && o + 2 * i + 2 <= image.length; i++) {
      const c = view.getUint16(o + 2 * i, true);
      if (c === 0) return s.length > 0 ? s : undefined;
      if (c < 0x21 || c > 0x7e) return undefined;
      s += String.fromCharCode(c);
    }
    return undefined;
  };
  const record = (o: number): UpdateGroup | undefined => {
    const [namePtr, guidPtr] = [u64(o), u64(o + 8)];
    const count = u64(o + 0x10 + SLOTS * 16);
    if (namePtr === undefined || guidPtr === undefined || count === undefined || count < 1n || count >= BigInt(SLOTS)) return undefined;
    const variable = nameAt(namePtr);
    const guidOffset = fileOffset(guidPtr);
    if (variable === undefined || guidOffset === undefined || guidOffset + 16 > image.length) return undefined;
    const slots: EmbeddedCertificate[] = [];
    for (let k = 0; k < SLOTS; k++) {
      const [certPtr, sizePtr] = [u64(o + 0x10 + 16 * k), u64(o + 0x18 + 16 * k)];
      if (certPtr === 0n && sizePtr === 0n) break;
      const c = certPtr === undefined ? undefined : certs.get(fileOffset(certPtr) ?? -1);
      const sizeOffset = sizePtr === undefined ? undefined : fileOffset(sizePtr);
      if (c === undefined || sizeOffset === undefined || u64(sizeOffset) !== BigInt(c.der.length)) return undefined;
      slots.push(c);
    }
    const [trigger, ...add] = slots;
    if (trigger === undefined || BigInt(add.length) !== count) return undefined;
    return { variable, guid: guidAt(image, guidOffset), trigger, add };
  };
  for (const s of sections) {
    const end = s.pointerToRawData + Math.min(s.sizeOfRawData, image.length - s.pointerToRawData);
    for (let o = s.pointerToRawData; o + RECORD_SIZE <= end; o += 8) {
      const groups: UpdateGroup[] = [];
      for (let g = record(o); g !== undefined; g = record(o + groups.length * RECORD_SIZE)) {
        groups.push(g);
        if (o + (groups.length + 1) * RECORD_SIZE > end) break;
      }
      if (groups.length > 0) return groups;
    }
  }
  return undefined;
}
