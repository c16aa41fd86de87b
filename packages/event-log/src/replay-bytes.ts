import { findHashAlg } from '@tcg2sim/hash-lib';
import type { HashProvider, TpmAlgHash } from '@tcg2sim/hash-lib';
import { decodeEventLog } from './log.ts';
import type { DecodeLogOptions } from './log.ts';
import { MAX_PCR_INDEX, bankValues, pcrToExtend, replayBank, replayEventLog } from './replay.ts';
import type { PcrReplay, ReplaySkip } from './replay.ts';
import { decodeSpecIdEvent, digestSizesOf, hasSignature, SPEC_ID_EVENT03 } from './spec-id.ts';
import { EV, MAX_DIGESTS, MAX_EVENT_DATA } from './structures.ts';
import { STARTUP_LOCALITY_SIGNATURE } from './event-data/no-action.ts';

/** Options of {@link replayEventLogBytes}. */
export interface ReplayBytesOptions extends Pick<DecodeLogOptions, 'stopAtFreeSpace' | 'maxEvents'> {
  readonly banks?: readonly TpmAlgHash[];
  readonly extendNoAction?: boolean;
  readonly provider?: HashProvider;
}

/** Result of {@link replayEventLogBytes}: the PCRs plus what was read. */
export interface BytesReplay extends PcrReplay {
  /** Events read, the Spec ID header included. */
  readonly eventCount: number;
  readonly usedLength: number;
}

/**
 * Decode and replay in one pass over the bytes, without building an object per event: each
 * crypto-agile record is bounds-checked and walked exactly as {@link decodeEventLog} does
 * (same limits, same digest sizes), and its digests are copied straight from the input into
 * the extend buffer. For large logs where only the PCRs are wanted (attestation, the
 * benchmark). Any record the fast walk cannot read — and every SHA1 log — goes through
 * decodeEventLog + replayEventLog, so errors are the same EventLogError.
 *
 * @throws EventLogError for a bad record (there is no lenient mode here)
 */
export function replayEventLogBytes(bytes: Uint8Array, opts: ReplayBytesOptions = {}): BytesReplay {
  const slow = (): BytesReplay => {
    const log = decodeEventLog(bytes, { ...opts, lenient: false });
    return { ...replayEventLog(log, opts), eventCount: log.events.length, usedLength: log.usedLength };
  };
  if (bytes.length < 32) return slow();
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerSize = dv.getUint32(28, true);
  if (dv.getUint32(0, true) !== 0 || dv.getUint32(4, true) !== EV.NO_ACTION || 32 + headerSize > bytes.length) return slow();
  const headerData = bytes.subarray(32, 32 + headerSize);
  if (!hasSignature(headerData, SPEC_ID_EVENT03)) return slow();
  let specId;
  try {
    specId = decodeSpecIdEvent(headerData);
  } catch {
    return slow();
  }
  const sizes = digestSizesOf(specId);
  const sizeOf = new Int32Array(0x10000).fill(-1);
  for (const [alg, n] of sizes) sizeOf[alg] = n;
  const banks = opts.banks ?? specId.digestSizes.map((a) => findHashAlg(a.algorithmId)?.alg).filter((a): a is TpmAlgHash => a !== undefined);
  const maxEvents = opts.maxEvents ?? 4 * 1024 * 1024;
  const end = bytes.length;

  // Pass 1: walk every record (structure only), note where it ends and PCR0's start value.
  const recordStarts: number[] = [];
  let at = 32 + headerSize;
  let startupLocality = 0;
  let hcrtm = false;
  let usedLength = at;
  while (at < end) {
    if (opts.stopAtFreeSpace === true && isFree(bytes, at)) break;
    if (recordStarts.length + 1 >= maxEvents || at + 12 > end) return slow();
    const count = dv.getUint32(at + 8, true);
    if (count > MAX_DIGESTS) return slow();
    let p = at + 12;
    for (let i = 0; i < count; i++) {
      if (p + 2 > end) return slow();
      const n = sizeOf[dv.getUint16(p, true)] ?? -1;
      if (n < 0 || p + 2 + n > end) return slow();
      p += 2 + n;
    }
    if (p + 4 > end) return slow();
    const size = dv.getUint32(p, true);
    if (size > MAX_EVENT_DATA || p + 4 + size > end) return slow();
    const type = dv.getUint32(at + 4, true);
    if (dv.getUint32(at, true) === 0) {
      if (type === EV.EFI_HCRTM_EVENT) hcrtm = true;
      else if (type === EV.NO_ACTION && size === 17 && hasSignature(bytes.subarray(p + 4, p + 20), STARTUP_LOCALITY_SIGNATURE) && startupLocality === 0) {
        startupLocality = bytes[p + 20] ?? 0;
      }
    }
    recordStarts.push(at);
    at = p + 4 + size;
    usedLength = at;
  }
  if (hcrtm) startupLocality = 4;

  // Pass 2: extend.
  const skipped: ReplaySkip[] = [];
  const state = banks.map((alg) => replayBank(alg, opts.provider));
  for (let k = 0; k < recordStarts.length; k++) {
    const rs = recordStarts[k] ?? 0;
    const pcr = dv.getUint32(rs, true);
    if (dv.getUint32(rs + 4, true) === EV.NO_ACTION && opts.extendNoAction !== true) continue;
    if (pcr > MAX_PCR_INDEX) {
      skipped.push({ eventIndex: k + 1, reason: 'pcr-out-of-range' });
      continue;
    }
    const count = dv.getUint32(rs + 8, true);
    for (const b of state) {
      let p = rs + 12;
      let found = -1;
      for (let i = 0; i < count; i++) {
        const alg = dv.getUint16(p, true);
        if (alg === b.alg) {
          found = p + 2;
          break;
        }
        p += 2 + (sizeOf[alg] ?? 0);
      }
      if (found < 0 || sizeOf[b.alg] !== b.size) {
        skipped.push({ eventIndex: k + 1, reason: 'bank-missing', alg: b.alg });
        continue;
      }
      const value = pcrToExtend(b, pcr, startupLocality);
      b.extend(value, bytes, found);
    }
  }
  return { banks: bankValues(state), startupLocality, hcrtm, skipped, eventCount: recordStarts.length + 1, usedLength };
}

function isFree(b: Uint8Array, at: number): boolean {
  const first = b[at];
  if (first !== 0xff && first !== 0x00) return false;
  for (let i = at + 1; i < Math.min(b.length, at + 8); i++) if (b[i] !== first) return false;
  return true;
}
