/**
 * PCR extend in place, the hot path of a soft TPM's PCR_Extend and of event-log replay: `pcr`
 * becomes H(pcr || digest). On Node >= 20.12, one `crypto.hash()` call with a Latin-1 ('binary')
 * string result hashes the 40-128 bytes of old || digest with no Hash object and no Buffer per call
 * (measured about half the CPU of a Buffer result, a quarter of createHash().update().digest()).
 * Elsewhere (browsers, older Node, the noble provider) a streaming hasher does it.
 */
import { createHasher } from './hasher.ts';
import type { HashProvider } from './hasher.ts';
import { latin1Into, nodeHashName, nodeOneShot } from './_node.ts';
import { hashAlgInfo } from './registry.ts';
import type { TpmAlgHash } from './registry.ts';

/**
 * Extends one bank's PCR value in place: `pcr` (digest-sized) becomes H(pcr || digest), the
 * digest being the digest-sized bytes of `src` at offset `at` (a command or a log: the caller
 * needs no view of its own). A `pcr` of another size is a RangeError; bytes past `src`'s end read as zero.
 */
export type BankExtender = (pcr: Uint8Array, src: Uint8Array, at: number) => void;

/**
 * The in-place extender for bank `alg`. Each extender owns a scratch buffer: call it from one
 * synchronous context at a time (it never yields).
 * @throws UnsupportedHashError when the runtime lacks `alg`
 */
export function bankExtender(alg: TpmAlgHash, provider?: HashProvider): BankExtender {
  const info = hashAlgInfo(alg);
  const n = info.size;
  const name = nodeHashName(info.name);
  const scratch = new Uint8Array(2 * n);
  const f = nodeOneShot;
  if (f !== undefined && provider !== 'noble' && name !== undefined) {
    return (pcr, src, at) => {
      if (pcr.length !== n) throw new RangeError(`"${info.name}" extend expects a ${n}-byte PCR value, got ${pcr.length}`);
      // Builtin copies (a short-lived view costs less than a byte loop).
      scratch.set(pcr, 0);
      if (at >= 0 && at + n <= src.length) scratch.set(src.subarray(at, at + n), n);
      else for (let i = 0; i < n; i++) scratch[n + i] = src[at + i] ?? 0;
      latin1Into(f(name, scratch, 'binary'), pcr, 0);
    };
  }
  createHasher(alg, provider); // throws UnsupportedHashError now rather than on the first extend
  return (pcr, src, at) => {
    if (pcr.length !== n) throw new RangeError(`"${info.name}" extend expects a ${n}-byte PCR value, got ${pcr.length}`);
    scratch.set(pcr, 0);
    for (let i = 0; i < n; i++) scratch[n + i] = src[at + i] ?? 0;
    pcr.set(createHasher(alg, provider).update(scratch).digest().subarray(0, n));
  };
}

/**
 * A one-shot digest function for `alg` (node:crypto's `hash()` when available): the digest of
 * `data` as a new Uint8Array (never a Buffer).
 * @throws UnsupportedHashError when the runtime lacks `alg`
 */
export function oneShotDigest(alg: TpmAlgHash, provider?: HashProvider): (data: Uint8Array) => Uint8Array {
  const info = hashAlgInfo(alg);
  const name = nodeHashName(info.name);
  const f = nodeOneShot;
  if (f !== undefined && provider !== 'noble' && name !== undefined) {
    const n = info.size;
    return (data) => {
      const out = new Uint8Array(n);
      latin1Into(f(name, data, 'binary'), out, 0);
      return out;
    };
  }
  createHasher(alg, provider);
  return (data) => createHasher(alg, provider).update(data).digest();
}
