import { encode } from '@tcg2sim/binary-codec';
import { HASH_ALGS, algsFromBitmap, hashAll, bitmapFromAlgs } from '@tcg2sim/hash-lib';
import type { BankDigest, TpmAlgHash } from '@tcg2sim/hash-lib';
import { EV, TCGPCREvent, encodeSpecIdEvent, makeSpecIdEvent, tcgPcrEvent2, digestSizesOf } from '@tcg2sim/event-log';
import type { TCGEfiSpecIDEvent } from '@tcg2sim/event-log';
import {
  EFITcg2BootServiceCapability, EFI_TCG2_EVENT_LOG_FORMAT, EFI_TCG2_FLAG, MAX_PCR_INDEX, TCG2_CAPABILITY_SIZE,
  TREE_CAPABILITY_1_0_SIZE,
} from './capability.ts';
import type { EFITcg2BootServiceCapability as Capability, EfiTcg2EventLogFormat } from './capability.ts';
import type { EfiStatus } from './efi-status.ts';
import { FinalEventsTable, LogArea, TCG_LOG_AREA_MIN_LEN } from './log-area.ts';
import { PeiTpmCommandError, efiStatusOfTransportError } from '@tcg2sim/tcg2-pei';
import type { PeiEfiError } from '@tcg2sim/tcg2-pei';
import { QemuPhysicalPresence, TCG2_PHYSICAL_PRESENCE, TCG_PP_RETURN_TPM_OPERATION_RESPONSE, TCG_PP_SUBMIT_REQUEST_TO_PREOS } from './physical-presence.ts';
import type { Tcg2PhysicalPresenceLib } from './physical-presence.ts';

import { TpmDeviceError } from './tcg2-dxe-types.ts';
import type { EfiTcg2Protocol, GetEventLogResult, Tcg2DxeConfig, Tcg2DxeTpm, Tcg2Event } from './tcg2-dxe-types.ts';

const EFI_TCG2_EVENT_HEADER_SIZE = 14;
const TCG_1_2 = EFI_TCG2_EVENT_LOG_FORMAT.TCG_1_2;
const TCG_2 = EFI_TCG2_EVENT_LOG_FORMAT.TCG_2;

/**
 * Tcg2Dxe (SecurityPkg/Tcg/Tcg2Dxe/Tcg2Dxe.c, edk2-stable202211): EFI_TCG2_PROTOCOL, the
 * TCG 1.2 and crypto-agile log areas and the final events table. Create with
 * {@link Tcg2Dxe.start}, which runs DriverEntry and SetupEventLog.
 */
export class Tcg2Dxe implements EfiTcg2Protocol {
  readonly #tpm: Tcg2DxeTpm;
  readonly #cap: Capability;
  /** HashLib instances registered in DXE (registration order), filtered by PcdTpm2HashMask. */
  readonly #hashAlgs: readonly TpmAlgHash[];
  readonly #activeAlgs: readonly TpmAlgHash[];
  readonly #specId: TCGEfiSpecIDEvent;
  readonly #areas = new Map<EfiTcg2EventLogFormat, LogArea>();
  readonly #final: FinalEventsTable;
  readonly #getEventLogCalled = new Set<EfiTcg2EventLogFormat>();
  readonly #pp: Tcg2PhysicalPresenceLib;
  #tpmPresent = true;

  private constructor(cfg: Tcg2DxeConfig) {
    this.#tpm = cfg.tpm;
    this.#pp = cfg.physicalPresence ?? new QemuPhysicalPresence();
    // HashLibBaseCryptoRouterDxe: an instance registers unless the mask is set and lacks it;
    // PcdTcg2HashAlgorithmBitmap is the union of the registered instances.
    const registered = HASH_ALGS.filter((h) => cfg.hashMask === 0 || (cfg.hashMask & h.bitmap) !== 0);
    const hashAlgorithmBitmapPcd = bitmapFromAlgs(registered.map((h) => h.alg));
    this.#hashAlgs = registered.map((h) => h.alg);
    const hashAlgorithmBitmap = cfg.tpmSupportedBanks & hashAlgorithmBitmapPcd;
    const activePcrBanks = cfg.tpmActiveBanks & hashAlgorithmBitmapPcd;
    this.#activeAlgs = algsFromBitmap(activePcrBanks);
    const sha1Active = (activePcrBanks & 0x01) !== 0;
    this.#cap = {
      size: TCG2_CAPABILITY_SIZE,
      structureVersionMajor: 1,
      structureVersionMinor: 1,
      protocolVersionMajor: 1,
      protocolVersionMinor: 1,
      pad0: new Uint8Array(3),
      hashAlgorithmBitmap,
      supportedEventLogs: sha1Active ? 0x3 : 0x2,
      tpmPresentFlag: 1,
      pad1: 0,
      maxCommandSize: cfg.maxCommandSize & 0xffff,
      maxResponseSize: cfg.maxResponseSize & 0xffff,
      pad2: new Uint8Array(2),
      manufacturerId: cfg.manufacturerId >>> 0,
      numberOfPcrBanks: popcount(hashAlgorithmBitmap),
      activePcrBanks,
    };
    this.#specId = makeSpecIdEvent(this.#activeAlgs, {
      platformClass: cfg.platformClass ?? 0,
      specErrata: (cfg.pfpMeasurementRevision ?? 0) & 0xff,
      uintnSize: cfg.uintnSize ?? 2,
    });
    const laml = cfg.logAreaLength ?? TCG_LOG_AREA_MIN_LEN;
    if (sha1Active) this.#areas.set(TCG_1_2, new LogArea(laml));
    this.#areas.set(TCG_2, new LogArea(laml));
    this.#final = new FinalEventsTable(cfg.finalLogAreaLength);
  }

  /** DriverEntry + SetupEventLog: allocates the areas, writes SpecID and copies the PEI events. */
  static start(cfg: Tcg2DxeConfig): Tcg2Dxe {
    const d = new Tcg2Dxe(cfg);
    d.#setupEventLog(cfg);
    return d;
  }

  /** The Spec ID Event03 this driver wrote. */
  get specId(): TCGEfiSpecIDEvent {
    return this.#specId;
  }
  /** Banks logged in the TCG_2 log (ActivePcrBanks), in EDK II order. */
  get activeAlgs(): readonly TpmAlgHash[] {
    return this.#activeAlgs;
  }
  /** Banks hashed and extended (registered HashLib instances in PcdTpm2HashMask). */
  get hashAlgs(): readonly TpmAlgHash[] {
    return this.#hashAlgs;
  }
  /** The log area of a format, when supported. */
  area(format: EfiTcg2EventLogFormat): LogArea | undefined {
    return this.#areas.get(format);
  }
  /** The final events table. */
  get finalEvents(): FinalEventsTable {
    return this.#final;
  }
  get tpmPresent(): boolean {
    return this.#tpmPresent;
  }

  #setupEventLog(cfg: Tcg2DxeConfig): void {
    const tcg2 = this.#areas.get(TCG_2);
    if (tcg2 === undefined) return;
    const specData = encodeSpecIdEvent(this.#specId);
    tcg2.append(encode(TCGPCREvent, { pcrIndex: 0, eventType: EV.NO_ACTION, digest: new Uint8Array(20), event: specData }));
    // Next800155EventOffset is set once, after SpecID; TcgCommLogEvent then inserts every
    // record whose data is an SP800-155 Event2 there and appends anything else.
    tcg2.setNext800155Offset(tcg2.size);
    const zeros = this.#activeAlgs.map((alg) => ({ alg, digest: new Uint8Array(HASH_ALGS.find((h) => h.alg === alg)?.size ?? 0) }));
    for (const payload of cfg.sp800155Hobs ?? []) {
      const rec = this.#record2(0, EV.NO_ACTION, zeros, payload);
      if (isSp800155(payload)) tcg2.insert800155(rec);
      else tcg2.append(rec);
    }
    if (cfg.startupLocality !== undefined) {
      const data = new Uint8Array(17);
      data.set(new TextEncoder().encode('StartupLocality'));
      data[16] = cfg.startupLocality & 0xff;
      tcg2.append(this.#record2(0, EV.NO_ACTION, zeros, data));
    }
    // PEI HOB events, per format, in HOB order.
    const tcg12 = this.#areas.get(TCG_1_2);
    if (tcg12) for (const r of cfg.peiTcg12Records ?? []) tcg12.append(r);
    for (const e of cfg.peiEvents) {
      const rec = this.#record2(e.pcrIndex, e.eventType, e.digests, e.eventData);
      if (e.eventType === EV.NO_ACTION && isSp800155(e.eventData)) tcg2.insert800155(rec);
      else tcg2.append(rec);
    }
  }

  /** Compact TCG_PCR_EVENT2 with the digests filtered to ActivePcrBanks, order kept. */
  #record2(pcrIndex: number, eventType: number, digests: readonly BankDigest[], data: Uint8Array): Uint8Array {
    const active = new Set<number>(this.#activeAlgs);
    const kept = digests.filter((d) => active.has(d.alg)).map((d) => ({ hashAlg: d.alg, digest: d.digest }));
    return encode(tcgPcrEvent2(digestSizesOf(this.#specId)), { pcrIndex, eventType, digests: kept, event: data });
  }

  // -------------------------------------------------------------------------------------------
  // EFI_TCG2_PROTOCOL

  /**
   * GetCapability: `size` is ProtocolCapability->Size on input. Returns the bytes the firmware
   * writes into the caller's structure (36, or 28 for the TrEE 1.0 size) and the status.
   */
  getCapability(size: number): { status: EfiStatus; size: number; bytes?: Uint8Array } {
    const full = encode(EFITcg2BootServiceCapability, { ...this.#cap, tpmPresentFlag: this.#tpmPresent ? 1 : 0 });
    if (size < TCG2_CAPABILITY_SIZE) {
      if (size >= TREE_CAPABILITY_1_0_SIZE) {
        const b = full.slice(0, TREE_CAPABILITY_1_0_SIZE);
        b[0] = TREE_CAPABILITY_1_0_SIZE;
        b[1] = 1;
        b[2] = 0;
        b[3] = 1;
        b[4] = 0;
        return { status: 'EFI_SUCCESS', size: TREE_CAPABILITY_1_0_SIZE, bytes: b };
      }
      return { status: 'EFI_BUFFER_TOO_SMALL', size: TCG2_CAPABILITY_SIZE };
    }
    return { status: 'EFI_SUCCESS', size: TCG2_CAPABILITY_SIZE, bytes: full };
  }

  /** GetEventLog. After it, later TCG_2 events also go to the final events table. */
  getEventLog(format: number): GetEventLogResult {
    if (format !== TCG_1_2 && format !== TCG_2) return { status: 'EFI_INVALID_PARAMETER' };
    const area = this.#areas.get(format);
    if (area === undefined) return { status: 'EFI_INVALID_PARAMETER' };
    if (!this.#tpmPresent) return { status: 'EFI_SUCCESS', location: 0, truncated: false };
    const r: GetEventLogResult = { status: 'EFI_SUCCESS', area, location: 0, lastEntry: area.lastEntryOffset, truncated: area.truncated };
    this.#getEventLogCalled.add(format);
    return r;
  }

  /**
   * HashLogExtendEvent with EDK II's argument checks. `dataToHash` undefined stands for a NULL
   * pointer. With PE_COFF_IMAGE, `peImageDigests` computes the Authenticode-style digests.
   */
  async hashLogExtendEvent(
    flags: bigint,
    dataToHash: Uint8Array | undefined,
    event: Tcg2Event | undefined,
    peImageDigests?: (image: Uint8Array, algs: readonly TpmAlgHash[]) => BankDigest[] | undefined
  ): Promise<EfiStatus> {
    if (event === undefined) return 'EFI_INVALID_PARAMETER';
    if (event.eventType !== EV.NO_ACTION && dataToHash === undefined) return 'EFI_INVALID_PARAMETER';
    if (!this.#tpmPresent) return 'EFI_DEVICE_ERROR';
    const headerSize = event.headerSize ?? EFI_TCG2_EVENT_HEADER_SIZE;
    const size = event.size ?? 4 + headerSize + event.eventData.length;
    if (size < headerSize + 4) return 'EFI_INVALID_PARAMETER';
    if (event.pcrIndex > MAX_PCR_INDEX) return 'EFI_INVALID_PARAMETER';
    // Tcg2Dxe logs Size - 4 - HeaderSize bytes read from Event->Event (offset 18).
    const dataLen = size - 4 - headerSize;
    const data = dataLen <= event.eventData.length ? event.eventData.subarray(0, dataLen) : padTo(event.eventData, dataLen);
    const extendOnly = (flags & EFI_TCG2_FLAG.EXTEND_ONLY) !== 0n;
    let digests: BankDigest[];
    if ((flags & EFI_TCG2_FLAG.PE_COFF_IMAGE) !== 0n) {
      const d = peImageDigests?.(dataToHash ?? new Uint8Array(), this.#hashAlgs);
      if (d === undefined) return 'EFI_UNSUPPORTED';
      digests = d;
      const st = await this.#extend(event.pcrIndex, digests);
      if (st !== 'EFI_SUCCESS') return st;
    } else if (event.eventType === EV.NO_ACTION) {
      if (extendOnly) return 'EFI_SUCCESS';
      // docs/edk2-dxe.md §4.3, checked against Tcg2Dxe.c / Tpm2Help.c: InitNoActionEvent writes
      // compact zero digests that TcgDxeLogHashEvent reads back as a TPML_DIGEST_VALUES.
      return this.#log(event.pcrIndex, event.eventType, noActionDigestList(this.#activeAlgs, data.length), data);
    } else {
      digests = hashAll(this.#hashAlgs, dataToHash ?? new Uint8Array());
      const st = await this.#extend(event.pcrIndex, digests);
      if (st !== 'EFI_SUCCESS') return st;
    }
    if (extendOnly) return 'EFI_SUCCESS';
    return this.#log(event.pcrIndex, event.eventType, digests, data);
  }

  /** SubmitCommand: passes bytes through; the response code is not interpreted. */
  async submitCommand(input: Uint8Array | undefined, outSize: number): Promise<{ status: EfiStatus; response?: Uint8Array }> {
    if (input === undefined || input.length === 0 || outSize === 0) return { status: 'EFI_INVALID_PARAMETER' };
    if (!this.#tpmPresent) return { status: 'EFI_DEVICE_ERROR' };
    if (input.length > this.#cap.maxCommandSize) return { status: 'EFI_INVALID_PARAMETER' };
    if (outSize > this.#cap.maxResponseSize) return { status: 'EFI_INVALID_PARAMETER' };
    try {
      const response = await this.#tpm.submitCommand(input, outSize);
      if (response.length > outSize) return { status: 'EFI_BUFFER_TOO_SMALL' };
      return { status: 'EFI_SUCCESS', response };
    } catch (err) {
      // The device library's status is passed through; TPMPresentFlag is not touched (202211).
      const st = deviceStatusOf(err);
      if (st === undefined) throw err;
      return { status: st };
    }
  }

  /** GetActivePcrBanks. */
  getActivePcrBanks(): { status: EfiStatus; activePcrBanks: number } {
    return { status: 'EFI_SUCCESS', activePcrBanks: this.#cap.activePcrBanks };
  }

  /**
   * SetActivePcrBanks (docs/edk2-dxe.md §4.6): 0 or a bank outside HashAlgorithmBitmap is
   * EFI_INVALID_PARAMETER; the current banks submit NO_ACTION (clearing a pending request),
   * others TCG2_PHYSICAL_PRESENCE_SET_PCR_BANKS with the bitmap, for the next boot.
   */
  setActivePcrBanks(activePcrBanks: number): EfiStatus {
    const banks = activePcrBanks >>> 0;
    if (banks === 0) return 'EFI_INVALID_PARAMETER';
    if ((banks & ~this.#cap.hashAlgorithmBitmap) !== 0) return 'EFI_INVALID_PARAMETER';
    const rc =
      banks === this.#cap.activePcrBanks
        ? this.#pp.submitRequestToPreOSFunction(TCG2_PHYSICAL_PRESENCE.NO_ACTION, 0)
        : this.#pp.submitRequestToPreOSFunction(TCG2_PHYSICAL_PRESENCE.SET_PCR_BANKS, banks);
    switch (rc) {
      case TCG_PP_SUBMIT_REQUEST_TO_PREOS.SUCCESS:
        return 'EFI_SUCCESS';
      case TCG_PP_SUBMIT_REQUEST_TO_PREOS.GENERAL_FAILURE:
        return 'EFI_OUT_OF_RESOURCES';
      case TCG_PP_SUBMIT_REQUEST_TO_PREOS.NOT_IMPLEMENTED:
        return 'EFI_UNSUPPORTED';
      default:
        return 'EFI_DEVICE_ERROR';
    }
  }

  /**
   * GetResultOfSetActivePcrBanks (§4.7): the last request and its response from the
   * physical-presence library; EFI_UNSUPPORTED when the library cannot answer.
   */
  getResultOfSetActivePcrBanks(): { status: EfiStatus; operationPresent: number; response: number } {
    const r = this.#pp.returnOperationResponseToOsFunction();
    const status: EfiStatus = r.returnCode === TCG_PP_RETURN_TPM_OPERATION_RESPONSE.SUCCESS ? 'EFI_SUCCESS' : 'EFI_UNSUPPORTED';
    return { status, operationPresent: r.mostRecentRequest, response: r.response };
  }

  /** The capability values (for tests and reports). */
  get capability(): Capability {
    return { ...this.#cap, tpmPresentFlag: this.#tpmPresent ? 1 : 0 };
  }

  // -------------------------------------------------------------------------------------------
  // Internal measurement helpers used by the boot-time measurements

  /** TcgDxeHashLogExtendEvent: hash `hashData` in every bank, extend, log. */
  async hashLogExtend(pcrIndex: number, eventType: number, hashData: Uint8Array, eventData: Uint8Array): Promise<EfiStatus> {
    if (!this.#tpmPresent) return 'EFI_DEVICE_ERROR';
    const digests = hashAll(this.#hashAlgs, hashData);
    const st = await this.#extend(pcrIndex, digests);
    if (st !== 'EFI_SUCCESS') return st;
    return this.#log(pcrIndex, eventType, digests, eventData);
  }

  /** Extend then log with precomputed digests (PE images measured by the security handler). */
  async extendAndLog(pcrIndex: number, eventType: number, digests: readonly BankDigest[], eventData: Uint8Array): Promise<EfiStatus> {
    if (!this.#tpmPresent) return 'EFI_DEVICE_ERROR';
    const st = await this.#extend(pcrIndex, digests);
    if (st !== 'EFI_SUCCESS') return st;
    return this.#log(pcrIndex, eventType, digests, eventData);
  }

  async #extend(pcrIndex: number, digests: readonly BankDigest[]): Promise<EfiStatus> {
    try {
      await this.#tpm.pcrExtend(pcrIndex, digests);
      return 'EFI_SUCCESS';
    } catch (err) {
      const st = deviceStatusOf(err);
      if (st === undefined) throw err;
      // Only EFI_DEVICE_ERROR disables the TPM for the rest of the boot.
      if (st === 'EFI_DEVICE_ERROR') this.#tpmPresent = false;
      return st;
    }
  }

  /** TcgDxeLogHashEvent: 1.2 log (SHA1 only) then TCG_2; the last failing status wins. */
  #log(pcrIndex: number, eventType: number, digests: readonly BankDigest[], data: Uint8Array): EfiStatus {
    let status: EfiStatus = 'EFI_SUCCESS';
    const tcg12 = this.#areas.get(TCG_1_2);
    const sha1 = digests.find((d) => d.alg === 0x0004);
    if (tcg12 && sha1) {
      const rec = encode(TCGPCREvent, { pcrIndex, eventType, digest: sha1.digest, event: data });
      if (tcg12.append(rec) === 'full') status = 'EFI_VOLUME_FULL';
    }
    const tcg2 = this.#areas.get(TCG_2);
    if (tcg2) {
      const rec = this.#record2(pcrIndex, eventType, digests, data);
      const is800155 = eventType === EV.NO_ACTION && isSp800155(data);
      const r = is800155 ? tcg2.insert800155(rec) : tcg2.append(rec);
      if (r === 'full') status = 'EFI_VOLUME_FULL';
      else if (this.#getEventLogCalled.has(TCG_2) && this.#final.append(rec, is800155) === 'full') status = 'EFI_VOLUME_FULL';
    }
    return status;
  }
}

const PEI_TO_EFI: Readonly<Record<PeiEfiError, EfiStatus>> = {
  DEVICE_ERROR: 'EFI_DEVICE_ERROR',
  BUFFER_TOO_SMALL: 'EFI_BUFFER_TOO_SMALL',
  TIMEOUT: 'EFI_TIMEOUT',
  NOT_FOUND: 'EFI_NOT_FOUND',
  UNSUPPORTED: 'EFI_UNSUPPORTED',
};

/** The EFI status of a failed TPM command, or undefined when `err` is not a TPM failure. */
function deviceStatusOf(err: unknown): EfiStatus | undefined {
  if (err instanceof TpmDeviceError) return 'EFI_DEVICE_ERROR';
  if (err instanceof PeiTpmCommandError) return PEI_TO_EFI[err.code];
  const st = efiStatusOfTransportError(err);
  return st === undefined ? undefined : PEI_TO_EFI[st];
}

/** sizeof (TPMT_HA): UINT16 hashAlg + the 64-byte TPMU_HA union (Tpm20.h, packed). */
const TPMT_HA_SIZE = 66;
/** sizeof (TPML_DIGEST_VALUES): count + HASH_COUNT (5) TPMT_HA. */
const TPML_DIGEST_VALUES_SIZE = 4 + 5 * TPMT_HA_SIZE;

/**
 * The digest list Tcg2Dxe logs for an EV_NO_ACTION event sent through HashLogExtendEvent
 * (docs/edk2-dxe.md §4.3; Tcg2Dxe.c InitNoActionEvent + Tpm2Help.c CopyDigestListToBuffer).
 * InitNoActionEvent zeroes a TPML_DIGEST_VALUES and writes, from `digests[0]` on, the active
 * banks in the *compact* layout (alg, zero digest, next alg, …), the count, and the EventSize
 * after the last digest. CopyDigestListToBuffer then walks `count` entries with the in-memory
 * 66-byte TPMT_HA stride and keeps those whose hashAlg is an active bank. The same bytes are
 * rebuilt and read here, so every bank combination behaves as the firmware does: one bank is
 * logged correctly; with two or more only the first survives, except SHA512 + SM3, whose second
 * algorithm ID happens to land on the second stride.
 */
export function noActionDigestList(activeAlgs: readonly TpmAlgHash[], eventSize = 0): BankDigest[] {
  const buf = new Uint8Array(TPML_DIGEST_VALUES_SIZE + 4);
  const v = new DataView(buf.buffer);
  let at = 4;
  for (const alg of activeAlgs) {
    v.setUint16(at, alg, true);
    at += 2 + (HASH_ALGS.find((h) => h.alg === alg)?.size ?? 0);
  }
  v.setUint32(0, activeAlgs.length, true);
  v.setUint32(at, eventSize >>> 0, true);
  const active = new Set<number>(activeAlgs);
  const out: BankDigest[] = [];
  const count = Math.min(v.getUint32(0, true), 5);
  for (let i = 0; i < count; i++) {
    const off = 4 + i * TPMT_HA_SIZE;
    const alg = v.getUint16(off, true);
    const info = HASH_ALGS.find((h) => h.alg === alg);
    if (info === undefined || !active.has(alg)) continue;
    out.push({ alg: info.alg, digest: buf.slice(off + 2, off + 2 + info.size) });
  }
  return out;
}

function popcount(v: number): number {
  let n = 0;
  for (let x = v >>> 0; x !== 0; x >>>= 1) n += x & 1;
  return n;
}

function padTo(b: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(n);
  out.set(b.subarray(0, n));
  return out;
}

function isSp800155(data: Uint8Array): boolean {
  if (data.length < 36) return false;
  const sig = 'SP800-155 Event2';
  for (let i = 0; i < 16; i++) if (data[i] !== sig.charCodeAt(i)) return false;
  return true;
}
