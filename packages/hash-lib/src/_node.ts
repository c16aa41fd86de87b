/**
 * node:crypto when the runtime has it (Node, Deno, Bun), loaded once for hasher.ts and extend.ts.
 * Internal to hash-lib.
 */
import type { BankName } from './registry.ts';

/** node:crypto's one-shot `hash()` with a Latin-1 string result (Node >= 20.12, 21.7). */
export type NodeOneShot = (algorithm: string, data: Uint8Array, outputEncoding: 'binary') => string;

/** The part of node:crypto hash-lib uses. */
export interface NodeCrypto {
  createHash(name: string): { update(d: Uint8Array): unknown; digest(): Uint8Array };
  getHashes(): string[];
  /** Typed on every Node 20, present only from 20.12 on. */
  hash?: NodeOneShot;
}

/** node:crypto, or undefined (browsers). */
export const nodeCrypto: NodeCrypto | undefined = await import('node:crypto').then(
  (m): NodeCrypto => m,
  () => undefined
);

const NODE_NAMES: Readonly<Record<BankName, string>> = {
  sha1: 'sha1', sha256: 'sha256', sha384: 'sha384', sha512: 'sha512', sm3_256: 'sm3',
};
const nodeHashes = new Set(nodeCrypto?.getHashes() ?? []);

/** node:crypto's name for a bank when this runtime's node:crypto computes it, else undefined. */
export function nodeHashName(bank: BankName): string | undefined {
  const n = NODE_NAMES[bank];
  return nodeCrypto !== undefined && nodeHashes.has(n) ? n : undefined;
}

/** node:crypto's one-shot hash, or undefined (older Node, browsers). */
export const nodeOneShot: NodeOneShot | undefined = typeof nodeCrypto?.hash === 'function' ? nodeCrypto.hash : undefined;

/** The bytes of a Latin-1 string (a one-shot digest) written to `out` from `at`. */
export function latin1Into(s: string, out: Uint8Array, at: number): void {
  for (let i = 0; i < s.length; i++) out[at + i] = s.charCodeAt(i);
}
