/**
 * DxeImageVerificationLib in OVMF's LoadImage of a disk loader (edk2-stable202211): the Secure
 * Boot decision (`verifyImage`, @tcg2sim/uefi), the PCR7 EV_EFI_VARIABLE_AUTHORITY events of
 * SecureBootHook (`SecureBootAuthorityMeasurement`, @tcg2sim/tcg2-dxe), and what a refusal
 * leaves allocated in DXE memory (it moves the next boot file's buffer, whose address is logged).
 */
import { DecodeError, guidToString } from '@tcg2sim/binary-codec';
import { EFI_CERT_TYPE, SecureBootError, certificateLabel, verifyImage } from '@tcg2sim/uefi';
import type { DiskBootLoader, ImageVerificationResult, SecureBootVariables } from '@tcg2sim/uefi';
import type { SecureBootAuthorityMeasurement, Tcg2Dxe } from '@tcg2sim/tcg2-dxe';

/**
 * A signed disk loader that Secure Boot refuses after AuthenticodeVerify ran leaves pool pages
 * allocated below its (freed) file buffer, so the next boot file (the Shell) is placed below
 * both: 7 pages + 2 per db/dbx certificate tried. Measured on q35 + SMM OVMF_CODE_4M.secboot.fd,
 * 512 MiB: a loader signed by a key in no db, 35 pages in all with the snakeoil db (1
 * certificate: the 26-page buffer + 9) and 37 with the Microsoft db (2 certificates: + 11).
 */
export const SIGNED_REFUSAL_BASE_PAGES = 7;
export const SIGNED_REFUSAL_PAGES_PER_CERT = 2;
/**
 * Pages of Measurement.c's mMeasuredAuthorityList, allocated by the first authority measurement
 * (0x100 records of 32 bytes: 0x2000 bytes, 3 pages with the pool overhead) and kept for the
 * boot. Measured: a loader authorised by the snakeoil db certificate, then refused because its
 * hash is in dbx, puts the Shell 3 pages lower than a refused loader without an authority event.
 */
export const AUTHORITY_LIST_PAGES = 3;
/** sizeof (POOL_HEAD) + sizeof (POOL_TAIL) in DXE core's pool (X64). */
const POOL_OVERHEAD = 0x20;

/** What the Secure Boot handler did with one LoadImage. */
export interface SecureBootLoad {
  /** `allowed`: on to the TPM handler; `refused`: LoadImage fails; `stop`: not predictable. */
  readonly outcome: 'allowed' | 'refused' | 'stop';
  /** Pages this call left allocated below the free point (see the constants above). */
  readonly heldPages: number;
  readonly notes: readonly string[];
  /** The verifier's result (undefined when it could not decide). */
  readonly verification: ImageVerificationResult | undefined;
}

/** A note naming the db entry that authorised an image. */
function authorityNote(via: 'certificate' | 'hash', type: string, list: number, entry: number, signatureData: Uint8Array): string {
  const owner = signatureData.length >= 16 ? guidToString(signatureData.subarray(0, 16)) : '?';
  const what = via === 'certificate' && type === EFI_CERT_TYPE.X509
    ? `db certificate "${certificateLabel(signatureData.subarray(16))}"`
    : `db ${via === 'hash' ? 'image hash' : 'entry'}`;
  return `allowed by ${what} (db list ${list}, entry ${entry}, owner ${owner})`;
}

/**
 * DxeImageVerificationHandler for the disk's loader (a virtio-blk disk: BlockIo with
 * RemovableMedia FALSE, IMAGE_FROM_FIXED_MEDIA), then SecureBootHook for its db authorities.
 */
export async function secureBootLoadImage(
  dxe: Tcg2Dxe, authority: SecureBootAuthorityMeasurement, vars: SecureBootVariables, disk: DiskBootLoader, description: string, secureBootOn: boolean
): Promise<SecureBootLoad> {
  const notes: string[] = [];
  let v: ImageVerificationResult;
  try {
    v = verifyImage({ image: disk.file, origin: 'fixed-media', variables: vars });
  } catch (e) {
    if (!(e instanceof SecureBootError) && !(e instanceof DecodeError)) throw e;
    notes.push(`BDS: ${disk.path}: Secure Boot verification cannot be predicted: ${e.message}`);
    return { outcome: 'stop', heldPages: 0, notes, verification: undefined };
  }
  let heldPages = 0;
  const measuredBefore = authority.measured.length;
  const measured = await authority.measure(dxe, v.authorities);
  if (measuredBefore === 0 && measured.some((m) => m.outcome === 'measured')) heldPages += AUTHORITY_LIST_PAGES;
  if (secureBootOn) notes.push(...v.trace.map((t) => `Secure Boot (${disk.path}): ${t}`));
  for (const m of measured) {
    const a = m.authority;
    const what = m.outcome === 'measured' ? 'measured' : m.outcome === 'already-measured' ? 'not measured again (already measured in this boot)' : `failed (${m.status ?? ''})`;
    notes.push(`Secure Boot: ${authorityNote(a.via, a.signatureType, a.listIndex, a.entryIndex, a.signatureData)}: PCR7 EV_EFI_VARIABLE_AUTHORITY ${what}`);
  }
  if (v.status === 'EFI_SUCCESS') return { outcome: 'allowed', heldPages, notes, verification: v };
  if (v.authenticodeVerifications > 0) {
    heldPages += SIGNED_REFUSAL_BASE_PAGES + SIGNED_REFUSAL_PAGES_PER_CERT * v.authenticodeVerifications + Math.ceil((disk.file.length + POOL_OVERHEAD) / 0x1000);
    notes.push(`memory: DxeImageVerificationLib's OpenSSL allocations stay below the refused loader's freed buffer (measured for 1 and 2 db certificates; ${v.authenticodeVerifications} tried here): later boot files are placed below them`);
  }
  const why = v.authorities.length === 0 ? 'not authorised by db' : 'refused after a db match';
  notes.push(`BDS: LoadImage(${description}: ${disk.path}) -> ${v.status} (Secure Boot: ${why}${v.action !== 'AUTH_UNTESTED' ? `, ${v.action}` : ''}; not measured)`);
  return { outcome: 'refused', heldPages, notes, verification: v };
}
