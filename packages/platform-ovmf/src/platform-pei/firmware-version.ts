/**
 * PcdFirmwareVersionString as a build holds it: what Tcg2Pei measures as EV_S_CRTM_VERSION
 * (SecurityPkg/Tcg/Tcg2Pei/Tcg2Pei.c MeasureCRTMVersion: the UTF-16 string and its NUL, from
 * `PcdGetPtr (PcdFirmwareVersionString)`).
 *
 * OVMF builds keep the PCD FixedAtBuild (MdeModulePkg.dec's first type; OvmfPkg's .dsc files do
 * not list it), so a distribution that sets it (`--pcd PcdFirmwareVersionString=L"…"`, Debian
 * from 2025.02, Ubuntu) leaves a UTF-16 literal in Tcg2Pei's image (its AutoGen.c's
 * `_gPcd_FixedAtBuild_PcdFirmwareVersionString`). Tcg2Pei has no other UTF-16 text (its
 * messages are ASCII DEBUG strings), so the literal is found by scanning the image; the same
 * literal in UiApp or SmbiosPlatformDxe (which show the firmware version) corroborates it. An
 * empty PCD (L"", Debian 12's 2022.11) leaves only two zero bytes: no UTF-16 text in Tcg2Pei.
 */
import { EFI_SECTION } from '@tcg2sim/uefi';
import type { FfsFile, FirmwareVolume } from '@tcg2sim/uefi';

/** Tcg2Pei's FILE_GUID (SecurityPkg/Tcg/Tcg2Pei/Tcg2Pei.inf). */
export const TCG2_PEI_FILE_GUID = 'A0C98B77-CBA5-4BB8-993B-4AF6CE33ECE4';
/** Modules that also carry PcdFirmwareVersionString (the version shown to the user). */
const CORROBORATING_MODULES = ['UiApp', 'SmbiosPlatformDxe'] as const;
/** Shortest UTF-16 run taken for text: shorter runs occur by chance in code and data. */
const MIN_CHARS = 3;

/** The version string a build measures, and how it was decided. */
export interface FirmwareVersionString {
  /** The string without its NUL ('' for L""). */
  readonly value: string;
  /** 'image': read from Tcg2Pei; 'override': given by the caller; 'default': nothing to read. */
  readonly source: 'image' | 'override' | 'default';
  /** Whether the image decides it without doubt. */
  readonly certain: boolean;
  /** What in the image decided it (a sentence). */
  readonly evidence: string;
}

function moduleName(f: FfsFile): string | undefined {
  return f.sections?.find((s) => s.type === EFI_SECTION.USER_INTERFACE)?.userInterface;
}

export function moduleImage(fv: FirmwareVolume, name: string, guid?: string): Uint8Array | undefined {
  const f = fv.files.find((x) => moduleName(x) === name) ?? (guid === undefined ? undefined : fv.files.find((x) => x.guid === guid));
  return f?.sections?.find((s) => s.type === EFI_SECTION.PE32 || s.type === EFI_SECTION.TE)?.body;
}

/**
 * The NUL-terminated UTF-16LE runs of printable ASCII (at least {@link MIN_CHARS} characters,
 * 2-byte aligned) in `bytes`, in order, each once.
 */
export function utf16Strings(bytes: Uint8Array, minChars = MIN_CHARS): string[] {
  const out: string[] = [];
  let i = 0;
  while (i + 1 < bytes.length) {
    let j = i;
    while (j + 1 < bytes.length && bytes[j + 1] === 0 && (bytes[j] ?? 0) >= 0x20 && (bytes[j] ?? 0) <= 0x7e) j += 2;
    const chars = (j - i) / 2;
    if (chars >= minChars && j + 1 < bytes.length && bytes[j] === 0 && bytes[j + 1] === 0) {
      out.push(Buffer.from(bytes.subarray(i, j)).toString('utf16le'));
    }
    i = chars > 0 ? j : i + 2;
  }
  return [...new Set(out)];
}

function utf16Bytes(s: string): Buffer {
  return Buffer.from(s, 'utf16le');
}

/**
 * A literal's bytes may follow data that reads as printable UTF-16 by chance (Ubuntu's
 * 2025.11-3ubuntu7 Tcg2Pei: 0x0040 right before it reads as '@'; a local edk2-stable202505 build's
 * SmbiosPlatformDxe: the code padding NOP 0F 1F 40 00 before PcdFirmwareVendor's literal). When the run itself is in none
 * of the corroborating modules but a shorter tail of it is (NUL-terminated), the longest such
 * tail is the literal.
 */
export function corroboratedSuffix(c: string, images: readonly (Uint8Array | undefined)[]): string {
  const inOthers = (t: string): boolean => images.some((img) => img !== undefined && Buffer.from(img).includes(utf16Bytes(`${t}\0`)));
  if (inOthers(c)) return c;
  for (let k = 1; c.length - k >= MIN_CHARS; k++) {
    const t = c.slice(k);
    if (inOthers(t)) return t;
  }
  return c;
}

/**
 * Reads PcdFirmwareVersionString from a build's PEIFV (Tcg2Pei) and DXEFV (corroboration).
 * `override` (e.g. from the command line) wins, and is reported as such.
 */
export function readFirmwareVersionString(peiFv: FirmwareVolume, dxeFv: FirmwareVolume, override?: string): FirmwareVersionString {
  if (override !== undefined) {
    return { value: override, source: 'override', certain: true, evidence: `PcdFirmwareVersionString given as L"${override}" (not read from the image)` };
  }
  const tcg2Pei = moduleImage(peiFv, 'Tcg2Pei', TCG2_PEI_FILE_GUID);
  if (tcg2Pei === undefined) {
    return { value: '', source: 'default', certain: false, evidence: 'PEIFV has no Tcg2Pei image: PcdFirmwareVersionString not read, L"" assumed' };
  }
  const others = CORROBORATING_MODULES.map((n) => ({ n, img: moduleImage(dxeFv, n) })).filter((m) => m.img !== undefined);
  const candidates = [...new Set(utf16Strings(tcg2Pei).map((c) => corroboratedSuffix(c, others.map((m) => m.img))))];
  if (candidates.length === 0) {
    return { value: '', source: 'image', certain: true, evidence: 'Tcg2Pei holds no UTF-16 text: PcdFirmwareVersionString is L""' };
  }
  const corroborated = candidates.filter((c) => others.some((m) => m.img !== undefined && Buffer.from(m.img).includes(utf16Bytes(`${c}\0`))));
  const where = (c: string): string[] => others.filter((m) => m.img !== undefined && Buffer.from(m.img).includes(utf16Bytes(`${c}\0`))).map((m) => m.n);
  if (candidates.length === 1) {
    const c = candidates[0] ?? '';
    const also = where(c);
    return {
      value: c,
      source: 'image',
      certain: true,
      evidence: `Tcg2Pei's one UTF-16 literal is L"${c}"${also.length > 0 ? ` (also in ${also.join(', ')})` : ''}`,
    };
  }
  if (corroborated.length === 1) {
    const c = corroborated[0] ?? '';
    return { value: c, source: 'image', certain: true, evidence: `of Tcg2Pei's ${candidates.length} UTF-16 literals only L"${c}" is also in ${where(c).join(', ')}` };
  }
  const c = (corroborated[0] ?? candidates[0]) ?? '';
  return {
    value: c,
    source: 'image',
    certain: false,
    evidence: `Tcg2Pei holds ${candidates.length} UTF-16 literals (${candidates.map((x) => `L"${x}"`).join(', ')}): L"${c}" taken for PcdFirmwareVersionString; give the right one to override`,
  };
}
