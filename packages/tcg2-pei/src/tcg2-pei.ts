import { encode, guidToString } from '@tcg2sim/binary-codec';
import { HASH_ALGS, algsFromBitmap, hashAll } from '@tcg2sim/hash-lib';
import type { BankDigest, TpmAlgHash } from '@tcg2sim/hash-lib';
import { EV, TCGPCREvent, tcgPcrEvent2, digestSizesOf } from '@tcg2sim/event-log';
import { EFIPlatformFirmwareBlob, MeasuredHobData, TCG_HOB_GUID } from './hobs.ts';
import type { GuidHob } from './hobs.ts';
import { PeiTpmCommandError, efiStatusOfTransportError, pcrReadForActiveBank } from './command-lib-tpm.ts';
import type { PeiEfiError } from './command-lib-tpm.ts';

/** The TPM operations Tcg2Pei performs, in Tpm2CommandLib terms (one TPM command each). */
export interface Tcg2PeiTpm {
  /** Tpm2RequestUseTpm (locality 0). Rejects when the device cannot be used. */
  requestUseTpm(): Promise<void>;
  /** TPM2_Startup; resolves to the response code (transport failures reject). */
  startup(su: 'CLEAR' | 'STATE'): Promise<number>;
  /** TPM2_GetCapability(TPM_CAP_PCRS, 0, 1): the TPML_PCR_SELECTION; rejects on failure. */
  getCapabilityPcrs(): Promise<readonly { readonly hash: number; readonly pcrSelect: Uint8Array }[]>;
  /** TPM2_SelfTest; only transport failures reject (the response code is ignored). */
  selfTest(fullTest: boolean): Promise<void>;
  /** TPM2_PCR_Read of one PCR in `algs` (sizeofSelect 3); the result is only logged. */
  pcrRead(pcrIndex: number, algs: readonly number[]): Promise<void>;
  /**
   * TPM2_PCR_Extend with a password session of empty auth. Rejects with a
   * {@link PeiTpmCommandError} whose `code` is the EFI status (DEVICE_ERROR for a bad response
   * code); other errors are treated as transport failures and mapped the same way.
   */
  pcrExtend(pcrIndex: number, digests: readonly BankDigest[]): Promise<void>;
  /** TPM2_PCR_Allocate(TPM_RH_PLATFORM) for every bank in `supported`, selecting `allocate`. */
  pcrAllocate(supported: number, allocate: number): Promise<void>;
}

/** A firmware volume as PEI reports it, with its bytes as they sit in memory. */
export interface PeiFv {
  readonly base: bigint;
  readonly length: bigint;
  /**
   * The FV bytes as in memory at measurement time (the BLOB2 description's FvName is read from
   * their header, as GetFvName does).
   */
  readonly bytes: Uint8Array;
  /** Set when the FV was extracted from a file of an already measured FV (FvInfo parent). */
  readonly parentFvName?: string;
  readonly parentFileName?: string;
}

/** Platform inputs of the PEI phase. */
export interface Tcg2PeiInput {
  readonly tpm: Tcg2PeiTpm;
  /** BOOT_ON_S3_RESUME (0x11) or a normal boot mode. */
  readonly bootMode: 'normal' | 's3';
  /** PcdTpm2HashMask at build (0x1F on OVMF; 0 means "take the TPM's active banks"). */
  readonly pcdTpm2HashMask?: number;
  /**
   * The HashLib instances linked into Tcg2Pei, as an EDK II bitmap (OVMF: SHA1, SHA256, SHA384,
   * SHA512, SM3 = 0x1F). With PcdTpm2HashMask they give PcdTcg2HashAlgorithmBitmap on call 1.
   */
  readonly hashLibBitmap?: number;
  /** PcdFirmwareVersionString (L"" on OVMF 2022.11). */
  readonly firmwareVersion?: string;
  /** PcdTcgPfpMeasurementRevision (0: FIRMWARE_BLOB; >= 105: FIRMWARE_BLOB2). */
  readonly pfpMeasurementRevision?: number;
  /** DEBUG_CODE blocks run (OVMF's PcdDebugPropertyMask 0x2F enables them even in RELEASE). */
  readonly debugCode?: boolean;
  /** PcdTpm2InitializationPolicy (default 1: send TPM2_Startup; 0: the TPM is already started). */
  readonly initializationPolicy?: number;
  /** PcdTpm2SelfTestPolicy (default 1: TPM2_SelfTest(NO) on a normal boot). */
  readonly selfTestPolicy?: number;
  /** PcdTpm2ScrtmPolicy (default 1: measure the S-CRTM version event). */
  readonly scrtmPolicy?: number;
  /**
   * The boot firmware volume (PEIFV on OVMF) as MeasureMainBios sees it. Left out: no boot FV is
   * measured (a caller that models the TPM path without firmware images).
   */
  readonly bootFv?: PeiFv;
  /** FvInfo / FvInfo2 PPIs already installed when Tcg2Pei registers its notifications (default none). */
  readonly fvInfos?: readonly PeiFv[];
  /** gEfiPeiFirmwareVolumeInfoMeasurementExcludedPpiGuid entries. */
  readonly excludedFvs?: readonly { readonly base: bigint; readonly length: bigint }[];
  /** gEdkiiPeiFirmwareVolumeInfoPrehashedFvPpiGuid entries. */
  readonly prehashedFvs?: readonly { readonly base: bigint; readonly length: bigint; readonly digests: readonly BankDigest[] }[];
  /** sizeof (UINTN) in PEI: 4 on OVMF's IA32 PEI, 8 on X64 PEI. */
  readonly peiUintnSize?: 4 | 8;
  /**
   * How HashLogExtendEvent hashes data into the banks (HashLibBaseCryptoRouter's HashAndExtend
   * up to the extend): digests in the order of `algs`. Default: @tcg2sim/hash-lib's hashAll.
   * A caller may compute them elsewhere (another thread) or keep them for later use.
   */
  readonly hashAll?: (algs: readonly TpmAlgHash[], data: Uint8Array) => readonly BankDigest[] | Promise<readonly BankDigest[]>;
}

/** One PEI measurement (what goes into the TCG2 event HOB). */
export interface PeiMeasurement {
  readonly pcrIndex: number;
  readonly eventType: number;
  readonly digests: readonly BankDigest[];
  readonly eventData: Uint8Array;
}

/** What PEI leaves for DXE, and what happened. */
export interface Tcg2PeiResult {
  /** 'measured': normal; 'tpm-error': gTpmErrorHobGuid built; 'reset': PCR_Allocate + ResetCold. */
  readonly outcome: 'measured' | 'tpm-error' | 'reset' | 's3-no-measure';
  readonly measurements: readonly PeiMeasurement[];
  /** GUIDed HOBs in creation order (1.2 event HOB before its TCG2 HOB, MeasuredFv at EndOfPei). */
  readonly hobs: readonly GuidHob[];
  /** PcdTpm2HashMask after SyncPcrAllocationsAndPcrMask (what DXE starts with). */
  readonly pcdTpm2HashMask: number;
  /** TPM-supported and TPM-active banks (EDK II bitmaps) from GetCapability(PCRS). */
  readonly tpmSupportedBanks: number;
  readonly tpmActiveBanks: number;
  /** (base, length) of every measured FV, then child FVs. */
  readonly measuredFvs: readonly { readonly base: bigint; readonly length: bigint }[];
  readonly diagnostics: readonly string[];
}

const EDK2_BANK_ALGS = new Map<number, number>(HASH_ALGS.map((h) => [h.alg, h.bitmap]));

/** An FV's identity in the measured / excluded / child lists. */
interface FvKey {
  readonly base: bigint;
  readonly length: bigint;
}

/** Result of one HashLogExtendEvent: success or the EFI status it failed with. */
type PeiStatus = 'SUCCESS' | PeiEfiError;

/**
 * Tcg2Pei (SecurityPkg/Tcg/Tcg2Pei/Tcg2Pei.c, edk2-stable202211): entry call 1 (Startup, bank
 * sync, self test) and call 2 (S-CRTM version, boot FV, FvInfo FVs, MeasuredFv HOB), issuing the
 * same TPM commands in the same order as the firmware, DEBUG_CODE PCR reads included.
 */
export async function runTcg2Pei(input: Tcg2PeiInput): Promise<Tcg2PeiResult> {
  const tpm = input.tpm;
  const debug = input.debugCode ?? true;
  const hobs: GuidHob[] = [];
  const measurements: PeiMeasurement[] = [];
  const diagnostics: string[] = [];
  const buildMask = input.pcdTpm2HashMask ?? 0x1f;
  let mask = buildMask;
  let supported = 0x01;
  let active = 0x01;
  const result = (outcome: Tcg2PeiResult['outcome'], measuredFvs: readonly FvKey[] = []): Tcg2PeiResult => ({
    outcome, measurements, hobs, pcdTpm2HashMask: mask, tpmSupportedBanks: supported, tpmActiveBanks: active, measuredFvs, diagnostics,
  });
  const tpmError = (): boolean => hobs.some((h) => h.guid === TCG_HOB_GUID.TPM_ERROR);
  /** PeimEntryMA's Done label on error: the empty error HOB (+ status code). */
  const fail = (why: string): Tcg2PeiResult => {
    diagnostics.push(`${why}: gTpmErrorHobGuid built, nothing will be measured`);
    hobs.push({ guid: TCG_HOB_GUID.TPM_ERROR, data: new Uint8Array() });
    return result('tpm-error');
  };

  // ---- Call 1: TPM initialisation (§5.2)
  try {
    await tpm.requestUseTpm();
  } catch (e) {
    return fail(`Tpm2RequestUseTpm failed (${describe(e)})`);
  }
  let s3ErrorReport = false;
  try {
    if ((input.initializationPolicy ?? 1) !== 1) {
      diagnostics.push('PcdTpm2InitializationPolicy is not 1: no TPM2_Startup');
    } else if (input.bootMode === 's3') {
      const rc = await tpm.startup('STATE');
      if (!startupOk(rc)) {
        diagnostics.push(`S3: TPM2_Startup(STATE) returned ${rcText(rc)}; trying TPM2_Startup(CLEAR)`);
        const rc2 = await tpm.startup('CLEAR');
        if (!startupOk(rc2)) return fail(`TPM2_Startup(CLEAR) returned ${rcText(rc2)}`);
        s3ErrorReport = true;
      }
    } else {
      const rc = await tpm.startup('CLEAR');
      if (!startupOk(rc)) return fail(`TPM2_Startup(CLEAR) returned ${rcText(rc)}`);
      if (rc === 0x100) diagnostics.push('TPM2_Startup(CLEAR) returned TPM_RC_INITIALIZE: treated as success');
    }
  } catch (e) {
    return fail(`TPM2_Startup failed (${describe(e)})`);
  }

  // SyncPcrAllocationsAndPcrMask (§5.3)
  ({ supported, active } = await supportedAndActive(tpm, diagnostics));
  if (mask === 0) {
    mask = active;
    diagnostics.push(`PcdTpm2HashMask was 0: set to the active banks 0x${active.toString(16)}`);
  }
  // PcdTcg2HashAlgorithmBitmap after call 1's router registration: every linked instance that
  // the build-time PcdTpm2HashMask allows (all of them when the mask is 0).
  const linked = (input.hashLibBitmap ?? 0x1f) & 0x1f;
  const biosBitmap = buildMask === 0 ? linked : linked & buildMask;
  if ((active & mask) !== active || (active & biosBitmap) !== active) {
    const newBanks = active & mask & biosBitmap;
    if (newBanks !== 0) {
      try {
        await tpm.pcrAllocate(supported, newBanks);
      } catch (e) {
        diagnostics.push(`TPM2_PCR_Allocate failed (${describe(e)}); ResetCold anyway`);
      }
      diagnostics.push(
        `active PCR banks 0x${active.toString(16)} include banks the firmware does not hash (PcdTpm2HashMask 0x${mask.toString(16)}, ` +
          `HashLib 0x${biosBitmap.toString(16)}): reallocated to 0x${newBanks.toString(16)}, then ResetCold`
      );
      return result('reset');
    }
    diagnostics.push('no common PCR bank between TPM and firmware (ASSERT only in RELEASE)');
  }
  if ((mask & supported) !== mask) {
    mask &= supported;
    if (mask === 0) diagnostics.push('no PCR bank of PcdTpm2HashMask is supported by the TPM (ASSERT only in RELEASE)');
  }

  const hashWith = input.hashAll ?? hashAll;
  const hashLogExtend = async (pcrIndex: number, eventType: number, hashData: Uint8Array | readonly BankDigest[], eventData: Uint8Array): Promise<PeiStatus> => {
    if (tpmError()) return 'DEVICE_ERROR';
    const digests = hashData instanceof Uint8Array ? [...(await hashWith(algsFromBitmap(mask & linked), hashData))] : [...hashData];
    try {
      await tpm.pcrExtend(pcrIndex, digests);
    } catch (e) {
      const st = e instanceof PeiTpmCommandError ? e.code : (efiStatusOfTransportError(e) ?? 'DEVICE_ERROR');
      if (st === 'DEVICE_ERROR') {
        diagnostics.push(`TPM2_PCR_Extend(PCR${pcrIndex}) failed (${describe(e)}): gTpmErrorHobGuid built, later measurements fail`);
        hobs.push({ guid: TCG_HOB_GUID.TPM_ERROR, data: new Uint8Array() });
      } else {
        diagnostics.push(`TPM2_PCR_Extend(PCR${pcrIndex}) failed with EFI_${st}: event not logged`);
      }
      return st;
    }
    const m = { pcrIndex, eventType, digests: filterDigests(digests, mask), eventData };
    logHashEvent(hobs, m, digests);
    measurements.push(m);
    return 'SUCCESS';
  };

  if (s3ErrorReport) {
    const data = Uint8Array.of(1, 0, 0, 0);
    for (let pcr = 0; pcr <= 7; pcr++) await hashLogExtend(pcr, EV.SEPARATOR, data, data);
  }
  if (input.bootMode !== 's3' && (input.selfTestPolicy ?? 1) === 1) {
    try {
      await tpm.selfTest(false);
    } catch (e) {
      return fail(`TPM2_SelfTest failed (${describe(e)})`);
    }
  }
  if (debug) await pcrReadForActiveBank(tpm, 0);

  if (input.bootMode === 's3') {
    diagnostics.push('S3 resume: no measurement phase (RegisterForShadow is not called)');
    return result(tpmError() ? 'tpm-error' : 's3-no-measure');
  }

  // ---- Call 2: PeimEntryMP (§5.5). The S-CRTM status is ignored.
  if ((input.scrtmPolicy ?? 1) === 1) {
    const version = utf16z(input.firmwareVersion ?? '');
    await hashLogExtend(0, EV.S_CRTM_VERSION, version, version);
  }

  const measured: FvKey[] = [];
  const children: FvKey[] = [];
  const measureFv = async (fv: PeiFv): Promise<PeiStatus> => {
    if ((input.excludedFvs ?? []).some((x) => x.base === fv.base && x.length === fv.length)) {
      diagnostics.push(`FV at 0x${fv.base.toString(16)} excluded from measurement`);
      return 'SUCCESS';
    }
    if (measured.some((x) => x.base === fv.base && x.length === fv.length)) return 'SUCCESS';
    let hashData: Uint8Array | BankDigest[] = fv.bytes;
    const pre = (input.prehashedFvs ?? []).find((p) => p.base === fv.base && p.length === fv.length);
    if (pre) {
      let remaining = mask;
      const list: BankDigest[] = [];
      for (const d of pre.digests) {
        const bit = EDK2_BANK_ALGS.get(d.alg) ?? 0;
        if ((remaining & bit) !== 0) {
          list.push(d);
          remaining &= ~bit;
        }
      }
      if (remaining === 0) hashData = list;
      else diagnostics.push(`pre-hashed FV at 0x${fv.base.toString(16)} lacks banks 0x${remaining.toString(16)}: hashed instead`);
    }
    const rev = input.pfpMeasurementRevision ?? 0;
    const type = rev < 105 ? EV.EFI_PLATFORM_FIRMWARE_BLOB : EV.EFI_PLATFORM_FIRMWARE_BLOB2;
    const data = rev < 105 ? encode(EFIPlatformFirmwareBlob, { blobBase: fv.base, blobLength: fv.length }) : blob2(fv);
    const st = await hashLogExtend(0, type, hashData, data);
    if (st === 'SUCCESS') measured.push({ base: fv.base, length: fv.length });
    return st;
  };

  const mainBios = input.bootFv === undefined ? 'SUCCESS' : await measureFv(input.bootFv);
  if (mainBios !== 'SUCCESS') {
    // PeimEntryMP returns before registering the FvInfo / EndOfPei notifications.
    diagnostics.push(`MeasureMainBios failed (EFI_${mainBios}): no FvInfo measurements, no MeasuredFv HOB`);
    return result(tpmError() ? 'tpm-error' : 'measured', measured);
  }
  for (const fv of input.fvInfos ?? []) {
    if (fv.parentFvName !== undefined || fv.parentFileName !== undefined) {
      // From a file of an already measured FV: recorded (de-dup by base), not measured.
      if (!children.some((c) => c.base === fv.base)) children.push({ base: fv.base, length: fv.length });
      continue;
    }
    await measureFv(fv);
  }
  // EndOfPei: the MeasuredFv HOB, sizeof (UINTN) + 16 N bytes requested.
  const all = [...measured, ...children];
  const uintn = input.peiUintnSize ?? 4;
  const body = encode(MeasuredHobData, { measuredFvBuf: all.map((m) => ({ blobBase: m.base, blobLength: m.length })) });
  const data = new Uint8Array(uintn + 16 * all.length);
  data.set(body.subarray(0, Math.min(body.length, data.length)));
  hobs.push({ guid: TCG_HOB_GUID.MEASURED_FV, data });
  return result(tpmError() ? 'tpm-error' : 'measured', all);
}

function startupOk(rc: number): boolean {
  return rc === 0 || rc === 0x100;
}

function rcText(rc: number): string {
  return `response code 0x${rc.toString(16).padStart(3, '0')}`;
}

function describe(e: unknown): string {
  if (e instanceof Error) return 'code' in e && typeof e.code === 'string' ? `${e.name} ${e.code}` : e.name;
  return String(e);
}

/** Digests whose bank is in `mask`, order kept (CopyDigestListToBuffer with PcdTpm2HashMask). */
function filterDigests(digests: readonly BankDigest[], mask: number): BankDigest[] {
  return digests.filter((d) => ((EDK2_BANK_ALGS.get(d.alg) ?? 0) & mask) !== 0);
}

/** Tpm2GetCapabilitySupportedAndActivePcrs: SHA1 only when the query fails or is malformed. */
async function supportedAndActive(tpm: Tcg2PeiTpm, diagnostics: string[]): Promise<{ supported: number; active: number }> {
  try {
    const sel = await tpm.getCapabilityPcrs();
    if (sel.length > 5 || sel.some((s) => s.pcrSelect.length > 3)) throw new PeiTpmCommandError('DEVICE_ERROR', 'malformed TPML_PCR_SELECTION');
    let supported = 0;
    let active = 0;
    for (const s of sel) {
      const bit = EDK2_BANK_ALGS.get(s.hash);
      if (bit === undefined) continue;
      supported |= bit;
      if (s.pcrSelect.some((b) => b !== 0)) active |= bit;
    }
    return { supported, active };
  } catch (e) {
    diagnostics.push(`GetCapability(PCRS) failed (${describe(e)}): assuming SHA1 supported and active`);
    return { supported: 0x01, active: 0x01 };
  }
}

/**
 * LogHashEvent: a TCG 1.2 HOB when the digest list has SHA1, then the TCG2 HOB with the digests
 * in PcdTpm2HashMask (already filtered in `m`).
 */
function logHashEvent(hobs: GuidHob[], m: PeiMeasurement, all: readonly BankDigest[]): void {
  const sha1 = all.find((d) => d.alg === 0x0004);
  if (sha1) {
    hobs.push({ guid: TCG_HOB_GUID.TCG_EVENT_ENTRY, data: encode(TCGPCREvent, { pcrIndex: m.pcrIndex, eventType: m.eventType, digest: sha1.digest, event: m.eventData }) });
  }
  const codec = tcgPcrEvent2(digestSizesOf(undefined));
  hobs.push({
    guid: TCG_HOB_GUID.TCG_EVENT2_ENTRY,
    data: encode(codec, { pcrIndex: m.pcrIndex, eventType: m.eventType, digests: m.digests.map((d) => ({ hashAlg: d.alg, digest: d.digest })), event: m.eventData }),
  });
}

function utf16z(s: string): Uint8Array {
  const out = new Uint8Array(s.length * 2 + 2);
  for (let i = 0; i < s.length; i++) {
    out[2 * i] = s.charCodeAt(i) & 0xff;
    out[2 * i + 1] = s.charCodeAt(i) >> 8;
  }
  return out;
}

/** sizeof (EFI_FIRMWARE_VOLUME_HEADER) with one block-map entry. */
const FV_HEADER_SIZE = 0x40;
/** sizeof (EFI_FIRMWARE_VOLUME_EXT_HEADER): FvName GUID + ExtHeaderSize. */
const FV_EXT_HEADER_SIZE = 0x14;
/** Offset of ExtHeaderOffset (UINT16) in EFI_FIRMWARE_VOLUME_HEADER. */
const EXT_HEADER_OFFSET_AT = 0x34;

/**
 * GetFvName: the FvName of the extended header, read from the FV bytes in memory, or undefined
 * when FvLength < 0x40, ExtHeaderOffset < 0x40 or the extended header does not fit FvLength.
 * The header is not otherwise validated (no signature check), as in EDK II.
 */
export function getFvName(fv: PeiFv): string | undefined {
  if (fv.length < BigInt(FV_HEADER_SIZE) || fv.bytes.length < FV_HEADER_SIZE) return undefined;
  const ext = (fv.bytes[EXT_HEADER_OFFSET_AT] ?? 0) | ((fv.bytes[EXT_HEADER_OFFSET_AT + 1] ?? 0) << 8);
  if (ext < FV_HEADER_SIZE) return undefined;
  if (BigInt(ext + FV_EXT_HEADER_SIZE) > fv.length || ext + 16 > fv.bytes.length) return undefined;
  return guidToString(fv.bytes.subarray(ext, ext + 16));
}

/** The BLOB2 description template, logged verbatim when the FV has no usable name. */
const FV_HANDOFF_TABLE_DESC = 'Fv(XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX)';

/**
 * FV_HANDOFF_TABLE_POINTERS2 (packed, 58 bytes): u8 BlobDescriptionSize = 41, the description
 * `Fv(%g)` + NUL, u64 BlobBase, u64 BlobLength. EDK II's PrintLib prints `%g` with upper-case hex
 * digits (BasePrintLib mHexStr), so the GUID is upper-case.
 */
function blob2(fv: PeiFv): Uint8Array {
  const name = getFvName(fv);
  const text = name !== undefined ? `Fv(${name.toUpperCase()})` : FV_HANDOFF_TABLE_DESC;
  const out = new Uint8Array(1 + 41 + 16);
  out[0] = 41;
  out.set(new TextEncoder().encode(text), 1);
  const v = new DataView(out.buffer);
  v.setBigUint64(42, fv.base, true);
  v.setBigUint64(50, fv.length, true);
  return out;
}
