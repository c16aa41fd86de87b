/**
 * Formatting and parsing helpers for the EDK II device path text form. EDK II's PrintLib prints
 * hexadecimal digits in upper case for both %x and %X, so `0x1F`, `0xFFFF`, GUIDs in upper case.
 */
import { DecodeError, decode, encode, guidFromString, guidToString, isGuidString } from '@tcg2sim/binary-codec';
import type { Codec } from '@tcg2sim/binary-codec';

/** `0x` + upper-case hex (EDK II `0x%x` / `0x%lx`). */
export function hx(v: number | bigint): string {
  return `0x${v.toString(16).toUpperCase()}`;
}

/** Upper-case hex of each byte, two digits each (EDK II `%02x` in a loop). */
export function hexBytes(b: Uint8Array): string {
  return Buffer.from(b).toString('hex').toUpperCase();
}

/** A device path text error: `BAD_VALUE` at a character offset of the node text. */
export function textError(detail: string, node: string): DecodeError {
  return new DecodeError('BAD_VALUE', detail, 0, ['DevicePathText', node]);
}

/** Parses an EDK II Strtoi number: `0x` prefix = hex, otherwise decimal. */
export function parseBig(s: string | undefined, node: string): bigint {
  const t = (s ?? '').trim();
  if (/^0[xX][0-9a-fA-F]+$/.test(t)) return BigInt(t);
  if (/^[0-9]+$/.test(t)) return BigInt(t);
  throw textError(`not a number: ${JSON.stringify(s ?? '')}`, node);
}

/** A number in 0..max. */
export function parseNum(s: string | undefined, max: number, node: string): number {
  const v = parseBig(s, node);
  if (v > BigInt(max)) throw textError(`${s ?? ''} exceeds ${max}`, node);
  return Number(v);
}

/** A 64-bit number. */
export function parseU64(s: string | undefined, node: string): bigint {
  const v = parseBig(s, node);
  if (v > 0xffffffffffffffffn) throw textError(`${s ?? ''} exceeds 64 bits`, node);
  return v;
}

/** Bytes from hex digits without a prefix (`VenHw(...,0102AB)`). */
export function parseHexBytes(s: string | undefined, node: string): Uint8Array {
  const t = (s ?? '').trim();
  if (!/^([0-9a-fA-F]{2})*$/.test(t)) throw textError(`not hex bytes: ${JSON.stringify(s ?? '')}`, node);
  return new Uint8Array(Buffer.from(t, 'hex'));
}

/** A GUID argument. */
export function parseGuidArg(s: string | undefined, node: string): Uint8Array {
  const t = (s ?? '').trim();
  if (!isGuidString(t)) throw textError(`not a GUID: ${JSON.stringify(s ?? '')}`, node);
  return guidFromString(t);
}

export { guidToString };

/** How one text node name maps to and from a node's data. */
export interface NodeForm {
  /** The text name (`Pci`, `HD`, …). */
  readonly name: string;
  /**
   * True for the forms EDK II prints only when AllowShortcuts is TRUE (the messaging vendor
   * shortcuts VenPcAnsi(), VenVt100(), VenVt100Plus(), VenUtf8(), UartFlowCtrl(), DebugPort()).
   */
  readonly shortcut?: boolean;
  readonly type: number;
  readonly subType: number;
  /** The text arguments for `data`, or undefined when this form does not describe it. */
  toArgs(data: Uint8Array): string[] | undefined;
  /** Node data from the text arguments. */
  fromArgs(args: readonly string[]): Uint8Array;
}

/**
 * A form over a declared payload layout. `toArgs` sees the decoded value (a payload that does not
 * decode exactly falls back to the generic form); `fromArgs` builds the value to encode.
 */
export function form<T>(
  name: string,
  type: number,
  subType: number,
  codec: Codec<T>,
  toArgs: (v: T) => string[] | undefined,
  fromArgs: (args: readonly string[], node: string) => T
): NodeForm {
  return {
    name,
    type,
    subType,
    toArgs(data) {
      let v: T;
      try {
        v = decode(codec, data);
      } catch (e) {
        if (e instanceof DecodeError) return undefined;
        throw e;
      }
      return toArgs(v);
    },
    fromArgs: (args) => encode(codec, fromArgs(args, name)),
  };
}

/** Requires exactly `n` arguments. */
export function arity(args: readonly string[], n: number, node: string): void {
  if (args.length !== n) throw textError(`${node} takes ${n} arguments, got ${args.length}`, node);
}

/** The same form, marked as an AllowShortcuts-only form. */
export function shortcut(f: NodeForm): NodeForm {
  return { ...f, shortcut: true };
}
