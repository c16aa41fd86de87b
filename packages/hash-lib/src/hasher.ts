import { sha1 } from '@noble/hashes/legacy.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { hashAlgInfo, HASH_ALGS } from './registry.ts';
import type { TpmAlgHash } from './registry.ts';

/** A streaming hash. */
export interface Hasher {
  update(data: Uint8Array): Hasher;
  digest(): Uint8Array;
}

/** Which implementation computes digests. */
export type HashProvider = 'node' | 'noble';

interface NodeCrypto {
  createHash(name: string): { update(d: Uint8Array): unknown; digest(): Uint8Array };
  getHashes(): string[];
}

// node:crypto when the runtime has it (Node, Deno, Bun); @noble/hashes otherwise (browsers).
const nodeCrypto: NodeCrypto | undefined = await import('node:crypto').then(
  (m): NodeCrypto => m,
  () => undefined
);
const NODE_NAMES: Readonly<Record<string, string>> = {
  sha1: 'sha1', sha256: 'sha256', sha384: 'sha384', sha512: 'sha512', sm3_256: 'sm3',
};
const nodeHashes = new Set(nodeCrypto?.getHashes() ?? []);

type NobleHash = { create(): { update(d: Uint8Array): unknown; digest(): Uint8Array } };
// @noble/hashes has no SM3: the portable path lacks TPM_ALG_SM3_256.
const NOBLE: Readonly<Partial<Record<string, NobleHash>>> = { sha1, sha256, sha384, sha512 };

/** The provider used when none is named: node:crypto when present. */
export const defaultProvider: HashProvider = nodeCrypto ? 'node' : 'noble';

/** Whether `provider` can compute `alg` on this runtime. */
export function supportsAlg(alg: TpmAlgHash, provider: HashProvider = defaultProvider): boolean {
  const name = hashAlgInfo(alg).name;
  if (provider === 'node') {
    const n = NODE_NAMES[name];
    return nodeCrypto !== undefined && n !== undefined && nodeHashes.has(n);
  }
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
    const n = NODE_NAMES[name];
    if (nodeCrypto === undefined || n === undefined || !nodeHashes.has(n)) throw new UnsupportedHashError(alg, provider);
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

/** The digest of `data` under `alg`. */
export function hash(alg: TpmAlgHash, data: Uint8Array, provider?: HashProvider): Uint8Array {
  return createHasher(alg, provider).update(data).digest();
}
