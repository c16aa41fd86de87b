import { sha1 } from '@noble/hashes/legacy.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { hashAlgInfo, HASH_ALGS } from './registry.ts';
import type { TpmAlgHash } from './registry.ts';
import { latin1Into, nodeCrypto, nodeHashName, nodeOneShot } from './_node.ts';

/** A streaming hash. */
export interface Hasher {
  update(data: Uint8Array): Hasher;
  digest(): Uint8Array;
}

/** Which implementation computes digests. */
export type HashProvider = 'node' | 'noble';

type NobleHash = { create(): { update(d: Uint8Array): unknown; digest(): Uint8Array } };
// @noble/hashes has no SM3: the portable path lacks TPM_ALG_SM3_256.
const NOBLE: Readonly<Partial<Record<string, NobleHash>>> = { sha1, sha256, sha384, sha512 };

/** The provider used when none is named: node:crypto when present. */
export const defaultProvider: HashProvider = nodeCrypto ? 'node' : 'noble';

/** Whether `provider` can compute `alg` on this runtime. */
export function supportsAlg(alg: TpmAlgHash, provider: HashProvider = defaultProvider): boolean {
  const name = hashAlgInfo(alg).name;
  if (provider === 'node') return nodeHashName(name) !== undefined;
  return NOBLE[name] !== undefined;
}

/** The algorithms `provider` cannot compute on this runtime (e.g. SM3 without node:crypto). */
export function missingAlgs(provider: HashProvider = defaultProvider): TpmAlgHash[] {
  return HASH_ALGS.filter((h) => !supportsAlg(h.alg, provider)).map((h) => h.alg);
}

/** Raised when a runtime lacks an algorithm. */
export class UnsupportedHashError extends Error {
  override readonly name = 'UnsupportedHashError';
  readonly code = 'UNSUPPORTED_HASH' as const;
  readonly alg: TpmAlgHash;
  constructor(alg: TpmAlgHash, provider: HashProvider) {
    super(`${hashAlgInfo(alg).tpmName} is not available from the ${provider} hash provider on this runtime`);
    this.alg = alg;
  }
}

/** A streaming hasher for `alg`. Throws UnsupportedHashError when the runtime lacks it. */
export function createHasher(alg: TpmAlgHash, provider: HashProvider = defaultProvider): Hasher {
  const name = hashAlgInfo(alg).name;
  if (provider === 'node') {
    const n = nodeHashName(name);
    if (nodeCrypto === undefined || n === undefined) throw new UnsupportedHashError(alg, provider);
    const h = nodeCrypto.createHash(n);
    const self: Hasher = {
      update(d) {
        h.update(d);
        return self;
      },
      digest: () => new Uint8Array(h.digest()),
    };
    return self;
  }
  const nh = NOBLE[name];
  if (nh === undefined) throw new UnsupportedHashError(alg, provider);
  const h = nh.create();
  const self: Hasher = {
    update(d) {
      h.update(d);
      return self;
    },
    digest: () => h.digest(),
  };
  return self;
}

/** The digest of `data` under `alg` (node:crypto's one-shot `hash()` when available). */
export function hash(alg: TpmAlgHash, data: Uint8Array, provider: HashProvider = defaultProvider): Uint8Array {
  if (provider === 'node' && nodeOneShot !== undefined) {
    const info = hashAlgInfo(alg);
    const n = nodeHashName(info.name);
    if (n !== undefined) {
      const out = new Uint8Array(info.size);
      latin1Into(nodeOneShot(n, data, 'binary'), out, 0);
      return out;
    }
  }
  return createHasher(alg, provider).update(data).digest();
}
