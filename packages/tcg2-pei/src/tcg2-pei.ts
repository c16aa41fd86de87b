import { encode } from '@tcg2sim/binary-codec';
import { HASH_ALGS, algsFromBitmap, hashAll } from '@tcg2sim/hash-lib';
import type { BankDigest, TpmAlgHash } from '@tcg2sim/hash-lib';
import { EV, TCGPCREvent, tcgPcrEvent2, digestSizesOf } from '@tcg2sim/event-log';
import { EFIPlatformFirmwareBlob, MeasuredHobData, TCG_HOB_GUID } from './hobs.ts';
import type { GuidHob } from './hobs.ts';
import { pcrReadForActiveBank } from './command-lib-tpm.ts';

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
  /** TPM2_PCR_Extend with a password session of empty auth; rejects with a device error. */
  pcrExtend(pcrIndex: number, digests: readonly BankDigest[]): Promise<void>;
  /** TPM2_PCR_Allocate(TPM_RH_PLATFORM) for every bank in `supported`, selecting `allocate`. */
  pcrAllocate(supported: number, allocate: number): Promise<void>;
}

/** A firmware volume as PEI reports it, with its bytes as they sit in memory. */
export interface PeiFv {
  readonly base: bigint;
  readonly length: bigint;
  /** The FV bytes as in memory at measurement time. */
  readonly bytes: Uint8Array;
  /** FvName from the extended header (for BLOB2 descriptions). */
  readonly fvName?: string;
  /** Set when the FV was extracted from a file of an already measured FV (FvInfo parent). */
  readonly parentFvName?: string;
  readonly parentFileName?: string;
}

/** Platform inputs of the PEI phase. */
export interface Tcg2PeiInput {
  readonly tpm: Tcg2PeiTpm;
  /** BOOT_ON_S3_RESUME (0x11) or a normal boot mode. */
  readonly bootMode: 'normal' | 's3';
  /** PcdTpm2HashMask at build (0x1F on OVMF). */
  readonly pcdTpm2HashMask?: number;
  /** PcdFirmwareVersionString (L"" on OVMF 2022.11). */
  readonly firmwareVersion?: string;
  /** PcdTcgPfpMeasurementRevision (0: FIRMWARE_BLOB; >= 105: FIRMWARE_BLOB2). */
  readonly pfpMeasurementRevision?: number;
  /** DEBUG_CODE blocks run (OVMF's PcdDebugPropertyMask 0x2F enables them even in RELEASE). */
  readonly debugCode?: boolean;
  /** The boot firmware volume (PEIFV on OVMF) as MeasureMainBios sees it. */
  readonly bootFv: PeiFv;
  /** FvInfo / FvInfo2 PPIs already installed when Tcg2Pei registers its notifications. */
  readonly fvInfos: readonly PeiFv[];
  /** gEfiPeiFirmwareVolumeInfoMeasurementExcludedPpiGuid entries. */
  readonly excludedFvs?: readonly { readonly base: bigint; readonly length: bigint }[];
  /** gEdkiiPeiFirmwareVolumeInfoPrehashedFvPpiGuid entries. */
  readonly prehashedFvs?: readonly { readonly base: bigint; readonly length: bigint; readonly digests: readonly BankDigest[] }[];
  /** sizeof (UINTN) in PEI: 4 on OVMF's IA32 PEI, 8 on X64 PEI. */
  readonly peiUintnSize?: 4 | 8;
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
  let mask = input.pcdTpm2HashMask ?? 0x1f;
  let supported = 0x01;
  let active = 0x01;
  const fail = (why: string): Tcg2PeiResult => {
    diagnostics.push(why);
    hobs.push({ guid: TCG_HOB_GUID.TPM_ERROR, data: new Uint8Array() });
    return { outcome: 'tpm-error', measurements, hobs, pcdTpm2HashMask: mask, tpmSupportedBanks: supported, tpmActiveBanks: active, measuredFvs: [], diagnostics };
  };

  // ---- Call 1: TPM initialisation (§5.2)
  try {
    await tpm.requestUseTpm();
  } catch (e) {
    return fail(`Tpm2RequestUseTpm failed: ${String(e)}`);
  }
  let s3ErrorReport = false;
  try {
    if (input.bootMode === 's3') {
      const rc = await tpm.startup('STATE');
      if (!startupOk(rc)) {
        const rc2 = await tpm.startup('CLEAR');
        if (!startupOk(rc2)) return fail(`TPM2_Startup(CLEAR) returned 0x${rc2.toString(16)}`);
        s3ErrorReport = true;
      }
    } else {
      const rc = await tpm.startup('CLEAR');
      if (!startupOk(rc)) return fail(`TPM2_Startup(CLEAR) returned 0x${rc.toString(16)}`);
    }
  } catch (e) {
    return fail(`TPM2_Startup failed: ${String(e)}`);
  }

  // SyncPcrAllocationsAndPcrMask (§5.3)
  ({ supported, active } = await supportedAndActive(tpm, diagnostics));
  const biosBitmap = 0x1f; // PcdTcg2HashAlgorithmBitmap after call 1's router registration
  if ((active & mask) !== active || (active & biosBitmap) !== active) {
    const newBanks = active & mask & biosBitmap;
    if (newBanks !== 0) {
      await tpm.pcrAllocate(supported, newBanks);
      diagnostics.push(`PCR banks 0x${active.toString(16)} reallocated to 0x${newBanks.toString(16)}; ResetCold`);
      return { outcome: 'reset', measurements, hobs, pcdTpm2HashMask: mask, tpmSupportedBanks: supported, tpmActiveBanks: active, measuredFvs: [], diagnostics };
    }
    diagnostics.push('no common PCR bank between TPM and firmware (ASSERT only in RELEASE)');
  }
  if ((mask & supported) !== mask) mask &= supported;

  const hashAlgs = (): TpmAlgHash[] => algsFromBitmap(mask);
  const hashLogExtend = async (pcrIndex: number, eventType: number, hashData: Uint8Array | readonly BankDigest[], eventData: Uint8Array): Promise<boolean> => {
    const digests = hashData instanceof Uint8Array ? hashAll(hashAlgs(), hashData) : [...hashData];
    try {
      await tpm.pcrExtend(pcrIndex, digests);
    } catch (e) {
      diagnostics.push(`TPM2_PCR_Extend(PCR${pcrIndex}) failed: ${String(e)}`);
      hobs.push({ guid: TCG_HOB_GUID.TPM_ERROR, data: new Uint8Array() });
      return false;
    }
    logHashEvent(hobs, { pcrIndex, eventType, digests, eventData });
    measurements.push({ pcrIndex, eventType, digests, eventData });
    return true;
  };

  if (s3ErrorReport) {
    for (let pcr = 0; pcr <= 7; pcr++) await hashLogExtend(pcr, EV.SEPARATOR, new Uint8Array([1, 0, 0, 0]), new Uint8Array([1, 0, 0, 0]));
  }
  if (input.bootMode !== 's3') {
    try {
      await tpm.selfTest(false);
    } catch (e) {
      return fail(`TPM2_SelfTest failed: ${String(e)}`);
    }
  }
  if (debug) await pcrReadForActiveBank(tpm, 0);

  if (input.bootMode === 's3') {
    return { outcome: 's3-no-measure', measurements, hobs, pcdTpm2HashMask: mask, tpmSupportedBanks: supported, tpmActiveBanks: active, measuredFvs: [], diagnostics };
  }

  // ---- Call 2: PeimEntryMP (§5.5)
  const version = utf16z(input.firmwareVersion ?? '');
  await hashLogExtend(0, EV.S_CRTM_VERSION, version, version);
  if (hobs.some((h) => h.guid === TCG_HOB_GUID.TPM_ERROR)) return errorResult();

  const measured: { base: bigint; length: bigint }[] = [];
  const children: { base: bigint; length: bigint }[] = [];
  const measureFv = async (fv: PeiFv): Promise<boolean> => {
    if ((input.excludedFvs ?? []).some((x) => x.base === fv.base && x.length === fv.length)) return true;
    if (measured.some((x) => x.base === fv.base && x.length === fv.length)) return true;
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
    }
    const rev = input.pfpMeasurementRevision ?? 0;
    let type: number;
    let data: Uint8Array;
    if (rev < 105) {
      type = EV.EFI_PLATFORM_FIRMWARE_BLOB;
      data = encode(EFIPlatformFirmwareBlob, { blobBase: fv.base, blobLength: fv.length });
    } else {
      type = EV.EFI_PLATFORM_FIRMWARE_BLOB2;
      data = blob2(fv);
    }
    const ok = await hashLogExtend(0, type, hashData, data);
    if (ok) measured.push({ base: fv.base, length: fv.length });
    return ok;
  };

  if (!(await measureFv(input.bootFv))) return errorResult();
  for (const fv of input.fvInfos) {
    if (fv.parentFvName !== undefined || fv.parentFileName !== undefined) {
      if (!children.some((c) => c.base === fv.base)) children.push({ base: fv.base, length: fv.length });
      continue;
    }
    await measureFv(fv);
  }
  // EndOfPei: the MeasuredFv HOB.
  const all = [...measured, ...children];
  const uintn = input.peiUintnSize ?? 4;
  const body = encode(MeasuredHobData, { measuredFvBuf: all.map((m) => ({ blobBase: m.base, blobLength: m.length })) });
  const data = new Uint8Array(uintn + 16 * all.length);
  data.set(body.subarray(0, Math.min(body.length, data.length)));
  hobs.push({ guid: TCG_HOB_GUID.MEASURED_FV, data });
  return { outcome: 'measured', measurements, hobs, pcdTpm2HashMask: mask, tpmSupportedBanks: supported, tpmActiveBanks: active, measuredFvs: all, diagnostics };

  function errorResult(): Tcg2PeiResult {
    return { outcome: 'tpm-error', measurements, hobs, pcdTpm2HashMask: mask, tpmSupportedBanks: supported, tpmActiveBanks: active, measuredFvs: [], diagnostics };
  }
}

function startupOk(rc: number): boolean {
  return rc === 0 || rc === 0x100;
}

/** Tpm2GetCapabilitySupportedAndActivePcrs: SHA1 only when the query fails or is malformed. */
async function supportedAndActive(tpm: Tcg2PeiTpm, diagnostics: string[]): Promise<{ supported: number; active: number }> {
  try {
    const sel = await tpm.getCapabilityPcrs();
    if (sel.length > 5 || sel.some((s) => s.pcrSelect.length > 3)) throw new Error('malformed TPML_PCR_SELECTION');
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
    diagnostics.push(`GetCapability(PCRS) failed, assuming SHA1: ${String(e)}`);
    return { supported: 0x01, active: 0x01 };
  }
}

/** LogHashEvent: a TCG 1.2 HOB when the list has SHA1, then the TCG2 HOB. */
function logHashEvent(hobs: GuidHob[], m: PeiMeasurement): void {
  const sha1 = m.digests.find((d) => d.alg === 0x0004);
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

/** FV_HANDOFF_TABLE_POINTERS2: u8 41, "Fv(<lower-case guid>)" NUL, u64 base, u64 length. */
function blob2(fv: PeiFv): Uint8Array {
  const text = fv.fvName !== undefined && fv.length >= 0x40n ? `Fv(${fv.fvName.toLowerCase()})` : 'Fv(XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX)';
  const out = new Uint8Array(1 + 41 + 16);
  out[0] = 41;
  out.set(new TextEncoder().encode(text), 1);
  const v = new DataView(out.buffer);
  v.setBigUint64(42, fv.base, true);
  v.setBigUint64(50, fv.length, true);
  return out;
}
