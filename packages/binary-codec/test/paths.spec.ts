import { expect } from 'chai';
import fc from 'fast-check';
import { BE, ByteReader, DecodeError, array, decode, fixedBytes, inPath, list, oneOf, sized, struct, u16be, u8, union } from '@tcg2sim/binary-codec';
import type { Codec } from '@tcg2sim/binary-codec';

// A nested layout using every combinator whose decoder re-paths errors: a list of structs holding
// a union (TPMT_HA-like), a sized buffer and a fixed array.
const Alg = oneOf('ALG', u16be, [1, 2] as const);
const Ha = union('HA', 'alg', Alg, 'digest', (a: 1 | 2) => fixedBytes('DIGEST', a * 3));
const Item = struct('ITEM', { ha: Ha, blob: sized('blob', u8, 5), pair: array('pair', u8, 2) });
const Items = list('ITEMS', BE.u32, Item, 4);

/**
 * Independent model of the path rules: the same layout decoded with nested inPath calls (every
 * level wraps its fields' failures), the way the combinators were first written.
 */
function model(bytes: Uint8Array): unknown {
  const r = new ByteReader(bytes);
  const out = inPath('ITEMS', () => {
    const at = r.offset;
    const n = r.u32be();
    if (n > 4) throw new DecodeError('LIMIT_EXCEEDED', `count ${n} exceeds the limit 4`, at);
    const items: unknown[] = [];
    for (let i = 0; i < n; i++) {
      items.push(inPath(i, () => inPath('ITEM', () => ({
        ha: inPath('ha', () => inPath('HA', () => {
          const alg = inPath('alg', () => Alg.decode(r));
          return { alg, digest: inPath('digest', () => inPath('DIGEST', () => r.bytes(alg * 3))) };
        })),
        blob: inPath('blob', () => inPath('blob', () => {
          const a1 = r.offset;
          const size = r.u8();
          if (size > 5) throw new DecodeError('LIMIT_EXCEEDED', `size ${size} exceeds the limit 5`, a1);
          return r.bytes(size);
        })),
        pair: inPath('pair', () => inPath('pair', () => [inPath(0, () => r.u8()), inPath(1, () => r.u8())])),
      }))));
    }
    return items;
  });
  if (r.remaining !== 0) throw new DecodeError('TRAILING_BYTES', `${r.remaining} bytes after ITEMS`, r.offset, ['ITEMS']);
  return out;
}

function outcome(fn: () => unknown): unknown {
  try {
    return { ok: fn() };
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return { code: e.code, offset: e.offset, path: e.path };
  }
}

const valid = fc.array(
  fc.record({ alg: fc.constantFrom(1, 2), blob: fc.uint8Array({ maxLength: 5 }), pair: fc.tuple(fc.nat(255), fc.nat(255)) }),
  { maxLength: 4 }
).map((items) => {
  const out: number[] = [0, 0, 0, items.length];
  for (const it of items) out.push(0, it.alg, ...new Array<number>(it.alg * 3).fill(it.alg), it.blob.length, ...it.blob, ...it.pair);
  return Uint8Array.from(out);
});

describe('error paths of nested combinators', () => {
  it('name the same path, offset and code as nested inPath calls, on valid and mutated input (property)', () => {
    fc.assert(
      fc.property(valid, fc.nat(), fc.nat(255), fc.nat(3), (bytes, at, value, cut) => {
        const mutated = Uint8Array.from(bytes);
        if (mutated.length > 0) mutated[at % mutated.length] = value;
        const input = mutated.subarray(0, Math.max(0, mutated.length - cut));
        const codec: Codec<unknown> = Items;
        expect(outcome(() => decode(codec, input))).to.deep.equal(outcome(() => model(input)));
      }),
      { numRuns: 500 }
    );
  });
});

describe('stack of a re-pathed error', () => {
  it('has the full message on its first line and the frames of the failing read, and can be replaced', () => {
    let caught: unknown;
    try {
      decode(Items, Uint8Array.of(0, 0, 0, 1, 0, 1, 9));
    } catch (e) {
      caught = e;
    }
    expect(caught).to.be.instanceOf(DecodeError);
    if (!(caught instanceof DecodeError)) return;
    expect(caught.path).to.deep.equal(['ITEMS', 0, 'ITEM', 'ha', 'HA', 'digest', 'DIGEST']);
    const lines = (caught.stack ?? '').split('\n');
    expect(lines[0]).to.equal(`DecodeError: ${caught.message}`);
    expect(lines.length).to.be.greaterThan(1);
    expect(lines[1]).to.match(/^ {4}at /);
    caught.stack = 'replaced';
    expect(caught.stack).to.equal('replaced');
  });
});
