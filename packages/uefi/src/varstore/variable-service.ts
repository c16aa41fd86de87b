/**
 * The non-volatile part of EDK II's variable driver (MdeModulePkg/Universal/Variable/RuntimeDxe,
 * edk2-stable202211: Variable.c UpdateVariable / Reclaim / VariableWriteServiceInitialize,
 * Reclaim.c FtwVariableSpace) over a {@link NorFlash}: the same flash writes in the same order,
 * so a power cut at any byte leaves what the real driver would leave.
 */
import { concatBytes, encode, guidFromString } from '@tcg2sim/binary-codec';
import { STATE_OFFSET, VAR_ADDED_IN_TRANSITION, VAR_STATE, VARIABLE_ATTRIBUTE, VARIABLE_DATA,
  VARIABLE_STORE_HEADER_SIZE } from './constants.ts';
import { VarStoreError } from './errors.ts';
import { FtwDevice } from './ftw.ts';
import { findRecord, liveRecords } from './lookup.ts';
import { encodeVariableName, headerAlign, recordHeaderSize, recordIs, walkStore } from './records.ts';
import { AuthenticatedVariableHeader, VariableHeader, ZERO_EFI_TIME } from './structures.ts';
import type { NorFlash } from './flash.ts';
import type { NvLayout } from './layout.ts';
import type { FoundVariable } from './lookup.ts';
import type { StoreWalk, VariableRecord } from './records.ts';
import type { EFITime } from './structures.ts';

/** A SetVariable request as the variable driver stores it (no signature checks). */
export interface SetVariableRequest {
  readonly name: string;
  readonly guid: string;
  readonly attributes: number;
  readonly data: Uint8Array;
  /** Authenticated store only: MonotonicCount, TimeStamp (time-based), PubKeyIndex. */
  readonly monotonicCount?: bigint | undefined;
  readonly timeStamp?: EFITime | undefined;
  readonly pubKeyIndex?: number | undefined;
}

/** What a SetVariable did. */
export type SetVariableOutcome = 'added' | 'updated' | 'deleted' | 'unchanged';

/** The NV variable services over one flash part. */
export class NvVariableService {
  readonly layout: NvLayout;
  readonly #flash: NorFlash;
  readonly #ftw: FtwDevice;

  private constructor(flash: NorFlash, layout: NvLayout) {
    this.#flash = flash;
    this.layout = layout;
    this.#ftw = new FtwDevice(flash, layout);
  }

  /**
   * What a boot does before the first SetVariable: the FTW driver's recovery (InitFtwProtocol),
   * then VariableWriteServiceInitialize's check that the free area is all 0xFF (reclaim if not).
   */
  static boot(flash: NorFlash, layout: NvLayout): NvVariableService {
    const svc = new NvVariableService(flash, layout);
    svc.#ftw.initialize();
    if (!svc.walk().freeAreaClean) svc.#reclaim(undefined, undefined);
    return svc;
  }

  /** The records on flash now. */
  walk(): StoreWalk {
    return walkStore(this.#flash.bytes, this.layout);
  }

  /** The live variables, as GetNextVariableName + GetVariable see them. */
  list(): VariableRecord[] {
    return liveRecords(this.walk().records);
  }

  /** GetVariable: the live copy, or undefined. */
  get(name: string, guid: string): VariableRecord | undefined {
    return findRecord(this.walk().records, encodeVariableName(name), guid.toUpperCase())?.current;
  }

  /**
   * SetVariable for a non-volatile variable. Data of length 0, or attributes without BS and RT,
   * delete (EFI_VARIABLE_APPEND_WRITE with data appends).
   * @throws VarStoreError NOT_FOUND, INVALID_PARAMETER, OUT_OF_RESOURCES, POWER_LOSS
   */
  set(req: SetVariableRequest): SetVariableOutcome {
    const name = req.name;
    const guid = req.guid.toUpperCase();
    guidFromString(guid);
    if (name.length === 0) throw new VarStoreError('INVALID_PARAMETER', 'SetVariable', 'empty variable name');
    const attributes = req.attributes >>> 0;
    const append = (attributes & VARIABLE_ATTRIBUTE.AP) !== 0;
    const isDelete = (!append && req.data.length === 0) || (attributes & (VARIABLE_ATTRIBUTE.RT | VARIABLE_ATTRIBUTE.BS)) === 0;
    if (!isDelete && (attributes & VARIABLE_ATTRIBUTE.NV) === 0) {
      throw new VarStoreError('INVALID_PARAMETER', 'SetVariable', 'only non-volatile variables live in the NV store');
    }
    if (!isDelete && (attributes & VARIABLE_ATTRIBUTE.RT) !== 0 && (attributes & VARIABLE_ATTRIBUTE.BS) === 0) {
      throw new VarStoreError('INVALID_PARAMETER', 'SetVariable', 'RT requires BS');
    }
    const nameBytes = encodeVariableName(name);
    const found = findRecord(this.walk().records, nameBytes, guid);
    let data = req.data;
    if (found !== undefined) {
      const cur = found.current;
      if (!isDelete && (attributes & ~VARIABLE_ATTRIBUTE.AP) !== cur.attributes) {
        throw new VarStoreError('INVALID_PARAMETER', 'SetVariable', `attributes 0x${attributes.toString(16)} differ from the stored 0x${cur.attributes.toString(16)}`, cur.offset);
      }
      if (isDelete) {
        if (found.inDeletedTransition !== undefined) this.#andState(found.inDeletedTransition, VAR_STATE.DELETED);
        this.#andState(cur, VAR_STATE.DELETED);
        return 'deleted';
      }
      if (!append && req.timeStamp === undefined && cur.data.length === data.length && cur.data.every((b, i) => b === data[i])) {
        return 'unchanged';
      }
      if (append) data = concatBytes(cur.data, data);
      this.#andState(cur, VAR_STATE.IN_DELETED_TRANSITION);
    } else {
      if (isDelete) {
        if (append && req.data.length === 0) return 'unchanged';
        throw new VarStoreError('NOT_FOUND', 'SetVariable', `variable ${name} ${guid} not found`);
      }
    }
    const record = this.#buildRecord(nameBytes, guid, attributes & ~VARIABLE_ATTRIBUTE.AP, data, req);
    const walk = this.walk();
    const base = this.layout.storeOffset;
    if (walk.lastOffset - base + record.length > this.layout.storeSize) {
      this.#reclaim(found, record);
      return found === undefined ? 'added' : 'updated';
    }
    const hs = recordHeaderSize(this.layout.authenticated);
    const at = walk.lastOffset;
    this.#flash.program(at, record.subarray(0, hs)); // 1. header, State 0xFF
    this.#flash.programByte(at + STATE_OFFSET, VAR_STATE.HEADER_VALID_ONLY); // 2.
    this.#flash.program(at + hs, record.subarray(hs)); // 3. name + data
    this.#flash.programByte(at + STATE_OFFSET, VAR_STATE.ADDED); // 4.
    if (found !== undefined) {
      if (found.inDeletedTransition !== undefined) this.#andState(found.inDeletedTransition, VAR_STATE.DELETED);
      this.#andState(found.current, VAR_STATE.DELETED);
    }
    return found === undefined ? 'added' : 'updated';
  }

  /** SetVariable with no data. @throws VarStoreError NOT_FOUND */
  delete(name: string, guid: string): void {
    this.set({ name, guid, attributes: 0, data: new Uint8Array(0) });
  }

  /** Reclaim with nothing to add: what a boot does when the free area is dirty. */
  reclaim(): void {
    this.#reclaim(undefined, undefined);
  }

  #andState(rec: VariableRecord, mask: number): void {
    const at = rec.offset + STATE_OFFSET;
    this.#flash.programByte(at, (this.#flash.bytes[at] ?? 0xff) & mask);
  }

  /** The record bytes UpdateVariable builds in its scratch buffer (State 0xFF, unaligned size). */
  #buildRecord(nameBytes: Uint8Array, guid: string, attributes: number, data: Uint8Array, req: SetVariableRequest): Uint8Array {
    const common = { startId: VARIABLE_DATA, state: 0xff, reserved: 0, attributes, nameSize: nameBytes.length, dataSize: data.length, vendorGuid: guid };
    // TimeStamp is kept only for time-based authenticated variables (UpdateVariable zeroes it otherwise).
    const header = this.layout.authenticated
      ? encode(AuthenticatedVariableHeader, {
        ...common,
        monotonicCount: req.monotonicCount ?? 0n,
        timeStamp: (attributes & VARIABLE_ATTRIBUTE.AT) !== 0 ? (req.timeStamp ?? ZERO_EFI_TIME) : ZERO_EFI_TIME,
        pubKeyIndex: req.pubKeyIndex ?? 0,
      })
      : encode(VariableHeader, common);
    return concatBytes(concatBytes(header, nameBytes), data);
  }

  /**
   * Reclaim: rebuild the store in RAM (header, 0x3F records except the one being updated, 0x3E
   * records without a 0x3F twin promoted to 0x3F, then the new record as 0x3F) and write all
   * Size bytes through FTW.
   */
  #reclaim(updating: FoundVariable | undefined, newRecord: Uint8Array | undefined): void {
    const { storeOffset, storeSize, fvOffset, blockSize } = this.layout;
    const walk = this.walk();
    const img = this.#flash.bytes;
    const buf = new Uint8Array(storeSize).fill(0xff);
    buf.set(img.subarray(storeOffset, storeOffset + VARIABLE_STORE_HEADER_SIZE), 0);
    let cur = headerAlign(VARIABLE_STORE_HEADER_SIZE);
    const kept: VariableRecord[] = [];
    const copy = (rec: VariableRecord, promote: boolean): void => {
      const bytes = img.subarray(rec.offset, rec.next);
      buf.set(bytes, cur);
      if (promote) buf[cur + STATE_OFFSET] = VAR_STATE.ADDED;
      cur += bytes.length;
      kept.push(rec);
    };
    for (const rec of walk.records) {
      if (rec.offset !== updating?.current.offset && rec.state === VAR_STATE.ADDED) copy(rec, false);
    }
    for (const rec of walk.records) {
      if (rec.offset === updating?.current.offset || rec.offset === updating?.inDeletedTransition?.offset) continue;
      if (rec.state !== VAR_ADDED_IN_TRANSITION) continue;
      if (!kept.some((k) => recordIs(k, rec.nameBytes, rec.vendorGuid))) copy(rec, true);
    }
    if (newRecord !== undefined) {
      const size = headerAlign(newRecord.length);
      if (cur + size > storeSize) {
        throw new VarStoreError('OUT_OF_RESOURCES', 'VARIABLE_STORE_HEADER', `no room for a ${newRecord.length}-byte variable even after reclaim`, storeOffset);
      }
      buf.set(newRecord, cur);
      buf[cur + STATE_OFFSET] = VAR_STATE.ADDED;
    }
    const rel = storeOffset - fvOffset;
    this.#ftw.write(Math.floor(rel / blockSize), rel % blockSize, buf);
  }
}
