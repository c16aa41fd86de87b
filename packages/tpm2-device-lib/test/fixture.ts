/** Loader for the replay fixtures in test/vectors (written by make-qemu-replay.cjs). */
import { readFileSync } from 'node:fs';
import type { MmioWidth } from '@tcg2sim/ptp';

export interface RawAccess {
  readonly op: 'R' | 'W';
  readonly width: MmioWidth;
  readonly offset: number;
  readonly value: number;
}

export type ReplayOp =
  | { readonly op: 'open' | 'requestUse' | 'dumpPtpInfo' }
  | { readonly op: 'probeTpm12'; readonly response?: string }
  | { readonly op: 'submit'; readonly command: string; readonly response: string }
  | { readonly op: 'raw'; readonly accesses: readonly RawAccess[] };

export interface ReplayFixture {
  readonly source: string;
  readonly interface: 'tis' | 'crb';
  readonly ops: readonly ReplayOp[];
  readonly trace: readonly string[];
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;
const isHex = (x: unknown): x is string => typeof x === 'string' && /^([0-9a-f]{2})*$/.test(x);

function isAccess(x: unknown): x is RawAccess {
  return (
    isObject(x) &&
    (x['op'] === 'R' || x['op'] === 'W') &&
    (x['width'] === 1 || x['width'] === 2 || x['width'] === 4) &&
    typeof x['offset'] === 'number' &&
    typeof x['value'] === 'number'
  );
}

function isOp(x: unknown): x is ReplayOp {
  if (!isObject(x)) return false;
  switch (x['op']) {
    case 'open':
    case 'requestUse':
    case 'dumpPtpInfo':
      return true;
    case 'probeTpm12':
      return x['response'] === undefined || isHex(x['response']);
    case 'submit':
      return isHex(x['command']) && isHex(x['response']);
    case 'raw':
      return Array.isArray(x['accesses']) && x['accesses'].every(isAccess);
    default:
      return false;
  }
}

function isFixture(x: unknown): x is ReplayFixture {
  return (
    isObject(x) &&
    typeof x['source'] === 'string' &&
    (x['interface'] === 'tis' || x['interface'] === 'crb') &&
    Array.isArray(x['ops']) &&
    x['ops'].every(isOp) &&
    Array.isArray(x['trace']) &&
    x['trace'].every((l) => typeof l === 'string')
  );
}

/** Reads and validates test/vectors/`name`. */
export function loadReplayFixture(name: string): ReplayFixture {
  const raw: unknown = JSON.parse(readFileSync(new URL(`../../test/vectors/${name}`, import.meta.url), 'utf8'));
  if (!isFixture(raw)) throw new TypeError(`${name}: not a replay fixture`);
  return raw;
}

/** Hex to bytes. */
export const fromHex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));
