/**
 * The variable-store API for other packages: read, list, get, set and delete variables in an
 * OVMF_VARS*.fd (or OVMF.fd) image, with the state transitions of EDK II's variable driver.
 */
import { NorFlash } from './flash.ts';
import type { VarStoreError } from './errors.ts';
import { readFtwInfo } from './ftw-info.ts';
import { locateNvLayout } from './layout.ts';
import { encodeVariableName, walkStore } from './records.ts';
import { findRecord, liveRecords } from './lookup.ts';
import { NvVariableService } from './variable-service.ts';
import type { FlashStats } from './flash.ts';
import type { FtwInfo } from './ftw-info.ts';
import type { FtwAreas, NvLayout } from './layout.ts';
import type { VariableRecord } from './records.ts';
import type { SetVariableOutcome, SetVariableRequest } from './variable-service.ts';
import type { EFITime } from './structures.ts';

/** Where the store is in the image. */
export interface VarStoreLocation {
  /** Offset of the NV FV in the image (0 for OVMF_VARS*.fd and for OVMF.fd). */
  readonly fvOffset?: number | undefined;
  /** FTW areas, when they are not where OVMF puts them. */
  readonly ftw?: FtwAreas | undefined;
}

/** A variable as listed: copies, safe to keep. */
export interface UefiVariable {
  readonly name: string;
  readonly guid: string;
  readonly attributes: number;
  readonly data: Uint8Array;
  /** State byte of the record (0x3F live; 0x3E an in-transition copy that still counts). */
  readonly state: number;
  /** Absolute offset of the record in the image. */
  readonly offset: number;
  readonly monotonicCount: bigint;
  readonly timeStamp: EFITime | undefined;
  readonly pubKeyIndex: number;
}

/** Everything in a store as it is on flash, before any boot-time recovery. */
export interface VarStoreReport {
  readonly layout: NvLayout;
  /** Every walkable record with its state (deleted, in transition, header-only, …). */
  readonly records: readonly UefiVariable[];
  /** The variables the driver would see after its boot-time recovery. */
  readonly variables: readonly UefiVariable[];
  readonly lastOffset: number;
  readonly freeAreaClean: boolean;
  readonly ftw: FtwInfo;
  /** Why the walk of `records` stopped early, if it did (the store as it is on flash). */
  readonly walkError: VarStoreError | undefined;
  /** The FV/store headers were erased by an interrupted FTW write (see LocatedLayout). */
  readonly headerFromSpare: boolean;
  /**
   * An FTW write whose spare copy is complete waits for its restart at the next boot. EDK II's
   * FTW finishes it (and `variables` shows the result); OVMF 2022.11's variable driver caches the
   * store before that restart and can lose variables (README, "Known limits").
   */
  readonly pendingFtwRestart: boolean;
}

function toVariable(r: VariableRecord): UefiVariable {
  return {
    name: r.name, guid: r.vendorGuid, attributes: r.attributes, data: r.data.slice(), state: r.state, offset: r.offset,
    monotonicCount: r.monotonicCount, timeStamp: r.timeStamp, pubKeyIndex: r.pubKeyIndex,
  };
}

/**
 * Parses the layout (FV header, store header, FTW areas); when an interrupted FTW write erased
 * the headers, takes them from the spare copy (see LocatedLayout).
 * @throws VarStoreError, DecodeError
 */
export function openVarStore(image: Uint8Array, where: VarStoreLocation = {}): NvLayout {
  return locateNvLayout(image, where.fvOffset ?? 0, where.ftw).layout;
}

/**
 * Reads a store without changing it: all records, the FTW queue, and the live variables as the
 * driver would see them after boot-time recovery (computed on a copy).
 * @throws VarStoreError, DecodeError on a malformed store
 */
export function readVarStore(image: Uint8Array, where: VarStoreLocation = {}): VarStoreReport {
  const { layout, headerFromSpare } = locateNvLayout(image, where.fvOffset ?? 0, where.ftw);
  const walk = walkStore(image, layout, true);
  const ftw = readFtwInfo(image, layout);
  const open = ftw.writes.find((w) => !w.complete);
  return {
    headerFromSpare, walkError: walk.error,
    pendingFtwRestart: open?.records.some((r) => r.spareComplete && !r.destinationComplete) ?? false,
    layout, records: walk.records.map(toVariable), variables: listVariables(image, where), lastOffset: walk.lastOffset,
    freeAreaClean: walk.freeAreaClean, ftw,
  };
}

/** Runs the boot-time recovery on a copy and returns the service over it. */
function recovered(image: Uint8Array, where: VarStoreLocation): NvVariableService {
  const layout = openVarStore(image, where);
  const copy = image.slice();
  return NvVariableService.boot(new NorFlash(copy, { blockSize: layout.blockSize }), layout);
}

/**
 * The live variables (GetNextVariableName order), after the recovery a boot would do (FTW
 * restart, reclaim of a dirty free area). The image is not modified.
 */
export function listVariables(image: Uint8Array, where: VarStoreLocation = {}): UefiVariable[] {
  return recovered(image, where).list().map(toVariable);
}

/** GetVariable after boot-time recovery; undefined when absent. The image is not modified. */
export function getVariable(image: Uint8Array, name: string, guid: string, where: VarStoreLocation = {}): UefiVariable | undefined {
  const svc = recovered(image, where);
  const rec = findRecord(svc.walk().records, encodeVariableName(name), guid.toUpperCase());
  return rec === undefined ? undefined : toVariable(rec.current);
}

/** Read-only variable services over one recovered copy of a store (many lookups, one recovery). */
export interface VariableSnapshot {
  /** GetVariable; undefined when absent. */
  get(name: string, guid: string): UefiVariable | undefined;
  /** The live variables, GetNextVariableName order. */
  list(): UefiVariable[];
}

/**
 * Recovers a copy of `image` once (as a boot would) and answers lookups from it; for callers
 * that read many variables (the DXE measurements read SecureBoot, PK, KEK, db, dbx, Boot####…).
 */
export function snapshotVariables(image: Uint8Array, where: VarStoreLocation = {}): VariableSnapshot {
  const records = recovered(image, where).walk().records;
  const live = liveRecords(records).map(toVariable);
  return {
    get: (name, guid) => {
      const rec = findRecord(records, encodeVariableName(name), guid.toUpperCase());
      return rec === undefined ? undefined : toVariable(rec.current);
    },
    list: () => live.slice(),
  };
}

/** Options of {@link setVariable} and {@link deleteVariable}. */
export interface WriteOptions extends VarStoreLocation {
  /** Cut the power after this many flash operations (programmed bytes + erased blocks). */
  readonly powerLossAfter?: number | undefined;
}

/** What a write did to the flash. */
export interface WriteResult {
  readonly outcome: SetVariableOutcome;
  readonly stats: FlashStats;
}

/**
 * Boots the store (recovery) and performs SetVariable on `image` IN PLACE, programming the
 * flash exactly as the driver would. With `powerLossAfter`, stops after that many operations and
 * throws VarStoreError('POWER_LOSS'); `image` then holds what the flash held at the cut.
 */
export function setVariable(image: Uint8Array, req: SetVariableRequest, options: WriteOptions = {}): WriteResult {
  const layout = openVarStore(image, options);
  const flash = new NorFlash(image, { blockSize: layout.blockSize, powerLossAfter: options.powerLossAfter });
  const svc = NvVariableService.boot(flash, layout);
  const outcome = svc.set({ ...req, guid: req.guid.toUpperCase() });
  return { outcome, stats: flash.stats };
}

/** Deletes a variable in place (SetVariable with no data). @throws VarStoreError NOT_FOUND */
export function deleteVariable(image: Uint8Array, name: string, guid: string, options: WriteOptions = {}): WriteResult {
  return setVariable(image, { name, guid, attributes: 0, data: new Uint8Array(0) }, options);
}

/** Performs only the boot-time recovery, in place (what the next boot would write). */
export function recoverVarStore(image: Uint8Array, options: WriteOptions = {}): FlashStats {
  const layout = openVarStore(image, options);
  const flash = new NorFlash(image, { blockSize: layout.blockSize, powerLossAfter: options.powerLossAfter });
  NvVariableService.boot(flash, layout);
  return flash.stats;
}
