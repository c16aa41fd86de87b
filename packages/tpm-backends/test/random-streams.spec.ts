/**
 * Random command streams (fast-check) against the soft TPM and swtpm in lockstep: commands built
 * from the firmware's command shapes (PCR, sequences, NV with platform / owner / index
 * authorization, capabilities, Startup/Shutdown) with random handles, banks, localities, sessions
 * and payloads, some of them mutated (a byte flipped, truncated, extended, a wrong size or tag).
 * Every response must match swtpm's byte for byte; for commands whose answer holds random or
 * secret fields (GetRandom, ReadClock, Hash / SequenceComplete tickets) only tag and code.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { toHex } from '@tcg2sim/binary-codec';
import { responsesAgree } from '@tcg2sim/tpm-backends';
import { softVsSwtpm } from './soft-vs-swtpm.ts';

const hex = (n: number, bytes: number): string => n.toString(16).padStart(bytes * 2, '0');
const DIGEST: Record<number, number> = { 0x0004: 20, 0x000b: 32, 0x000c: 48, 0x000d: 64 };

/** A command with header: tag, size, code, body. */
function cmd(tag: number, cc: number, body: string): Uint8Array {
  const b = Buffer.from(body, 'hex');
  const out = Buffer.alloc(10 + b.length);
  out.writeUInt16BE(tag, 0);
  out.writeUInt32BE(out.length, 2);
  out.writeUInt32BE(cc, 6);
  b.copy(out, 10);
  return new Uint8Array(out);
}

const pcrHandle = fc.oneof(fc.integer({ min: 0, max: 25 }), fc.constantFrom(0x40000007, 0x40000001));
const bank = fc.constantFrom(0x0004, 0x000b, 0x000c, 0x000d, 0x0012, 0x0010);
const data = (max: number): fc.Arbitrary<string> => fc.uint8Array({ maxLength: max }).map((b) => hex(b.length, 2) + Buffer.from(b).toString('hex'));
/** An authorization area: usually one empty password session, sometimes odd ones. */
const auth = (n: number): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constant('40000009000000' + '0000') },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(0x40000009, 0x02000000, 0x40000001), fc.constantFrom(0, 1, 0x20, 0x08), data(3)).map(([h, a, m]) => hex(h, 4) + '0000' + hex(a, 1) + m) }
  ).chain((one) => fc.constant(Array.from({ length: n }, () => one).join(''))).map((s) => hex(s.length / 2, 4) + s);
const selection = fc.array(fc.tuple(bank, fc.uint8Array({ minLength: 3, maxLength: 3 })), { maxLength: 4 }).map(
  (l) => hex(l.length, 4) + l.map(([h, s]) => hex(h, 2) + '03' + Buffer.from(s).toString('hex')).join('')
);
const digests = fc.array(fc.constantFrom(0x0004, 0x000b, 0x000c, 0x000d), { maxLength: 4 }).map(
  (l) => hex(l.length, 4) + l.map((h) => hex(h, 2) + '5a'.repeat(DIGEST[h] ?? 0)).join('')
);
const object = fc.integer({ min: 0x80000000, max: 0x80000003 });
const nvIndex = fc.integer({ min: 0x01c00000, max: 0x01c00002 });
/** TPMA_NV: platform-created read/write by platform or by the index itself, sometimes odd bits. */
const nvAttrs = fc.constantFrom(0x40010001, 0x42050005, 0x40050005, 0x00020002, 0x40011001, 0x48010001, 0x40010011, 0x40010401);
const nvPublic = fc.tuple(nvIndex, fc.constantFrom(0x0004, 0x000b), nvAttrs, fc.integer({ min: 0, max: 40 })).map(([i, alg, a, size]) => {
  const body = hex(i, 4) + hex(alg, 2) + hex(a, 4) + '0000' + hex(size, 2);
  return hex(body.length / 2, 2) + body;
});
const nvAuthHandle = fc.oneof(fc.constantFrom(0x4000000c, 0x40000001), nvIndex);

const alg = fc.oneof(fc.constantFrom(0x0001, 0x0003, 0x0004, 0x0005, 0x0006, 0x0007, 0x0008, 0x000a, 0x000b, 0x0010, 0x0013, 0x0014, 0x0015, 0x0016, 0x0017, 0x0018, 0x0019, 0x001a, 0x001b, 0x001c, 0x001d, 0x0020, 0x0021, 0x0022, 0x0023, 0x0025, 0x0026, 0x003f, 0x0040, 0x0043, 0x0044), fc.nat(0x50));
const u16 = fc.oneof(alg, fc.constantFrom(128, 192, 256, 1024, 2048, 3072, 0x0003, 0x0011, 0x0020, 0x0021), fc.nat(0xffff));
/** TPMT_PUBLIC_PARMS-shaped bytes: a type, then a handful of algorithm IDs and sizes. */
const testParms = fc.tuple(fc.constantFrom(0x0001, 0x0008, 0x0023, 0x0025, 0x0010), fc.array(u16, { maxLength: 8 }), fc.boolean()).map(
  ([t, rest, exponent]) => hex(t, 2) + rest.map((v) => hex(v, 2)).join('') + (exponent ? '00000000' : '')
);

/** One well-formed (or nearly) command of the firmware's kinds. */
const command: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.tuple(pcrHandle, auth(1), digests).map(([p, a, d]) => cmd(0x8002, 0x182, hex(p, 4) + a + d)),
  fc.tuple(pcrHandle, auth(1)).map(([p, a]) => cmd(0x8002, 0x13d, hex(p, 4) + a)),
  fc.tuple(pcrHandle, auth(1), data(40)).map(([p, a, d]) => cmd(0x8002, 0x13c, hex(p, 4) + a + d)),
  selection.map((s) => cmd(0x8001, 0x17e, s)),
  fc.tuple(data(4), bank).map(([a, h]) => cmd(0x8001, 0x186, a + hex(h, 2))),
  fc.tuple(object, auth(1), data(40)).map(([o, a, d]) => cmd(0x8002, 0x15c, hex(o, 4) + a + d)),
  fc.tuple(object, auth(1), data(8)).map(([o, a, d]) => cmd(0x8002, 0x13e, hex(o, 4) + a + d + '40000007')),
  fc.tuple(pcrHandle, object, auth(2), data(8)).map(([p, o, a, d]) => cmd(0x8002, 0x185, hex(p, 4) + hex(o, 4) + a + d)),
  fc.tuple(fc.integer({ min: 0, max: 11 }), fc.oneof(fc.constantFrom(0, 1, 0x10, 0x100, 0x11f, 0x200, 0x201, 0x202, 0x207, 0x209, 0x20a, 0x20b, 0x20e, 0x40000000, 0x01000000, 0x80000000), fc.nat()), fc.integer({ min: 0, max: 300 })).map(
    ([c, p, n]) => cmd(0x8001, 0x17a, hex(c, 4) + hex(p, 4) + hex(n, 4))
  ),
  fc.tuple(data(64), bank).map(([d, h]) => cmd(0x8001, 0x17d, d + hex(h, 2) + '40000007')),
  fc.tuple(fc.constantFrom(0x4000000c, 0x40000001), auth(1), data(3), nvPublic).map(([h, a, pw, p]) => cmd(0x8002, 0x12a, hex(h, 4) + a + pw + p)),
  fc.tuple(nvAuthHandle, nvIndex, auth(1), data(24), fc.integer({ min: 0, max: 30 })).map(([h, i, a, d, o]) => cmd(0x8002, 0x137, hex(h, 4) + hex(i, 4) + a + d + hex(o, 2))),
  fc.tuple(nvAuthHandle, nvIndex, auth(1), fc.integer({ min: 0, max: 42 }), fc.integer({ min: 0, max: 42 })).map(([h, i, a, n, o]) => cmd(0x8002, 0x14e, hex(h, 4) + hex(i, 4) + a + hex(n, 2) + hex(o, 2))),
  nvIndex.map((i) => cmd(0x8001, 0x169, hex(i, 4))),
  fc.tuple(fc.constantFrom(0x4000000c, 0x40000001), nvIndex, auth(1)).map(([h, i, a]) => cmd(0x8002, 0x122, hex(h, 4) + hex(i, 4) + a)),
  fc.constantFrom(0, 1).map((t) => cmd(0x8001, 0x145, hex(t, 2))),
  testParms.map((b) => cmd(0x8001, 0x18a, b)),
  fc.constantFrom(0, 1).map((t) => cmd(0x8001, 0x144, hex(t, 2))),
  fc.constantFrom(0, 1, 2).map((t) => cmd(0x8001, 0x143, hex(t, 1)))
);

/** Sometimes damage the command: flip a byte, cut it, extend it, break its size or tag. */
const maybeMutated: fc.Arbitrary<Uint8Array> = fc.tuple(command, fc.nat(), fc.integer({ min: 0, max: 9 }), fc.nat(0xffff)).map(([c, at, kind, v]) => {
  const b = Buffer.from(c);
  switch (kind) {
    case 0:
    {
      const i = 10 + (at % Math.max(1, b.length - 10));
      b[i] = (b[i] ?? 0) ^ (1 << (v % 8));
      return new Uint8Array(b);
    }
    case 1:
      return new Uint8Array(b.subarray(0, Math.max(10, b.length - 1 - (at % 8))));
    case 2:
      return new Uint8Array(Buffer.concat([b, Buffer.from([v & 0xff])]));
    case 3:
      b.writeUInt32BE(b.length + (v % 5) - 2, 2);
      return new Uint8Array(b);
    case 4:
      b.writeUInt16BE(b.readUInt16BE(0) === 0x8001 ? 0x8002 : 0x8001, 0);
      return new Uint8Array(b);
    default:
      return c;
  }
});

type Step = { locality: number; command: Uint8Array };
const stream = fc.array(fc.record({ locality: fc.constantFrom(0, 0, 0, 1, 2, 3, 4), command: maybeMutated }), { minLength: 1, maxLength: 14 });

function modeFor(c: Uint8Array): 'exact' | 'rc-only' {
  const cc = Buffer.from(c).readUInt32BE(6);
  return [0x17b, 0x181, 0x17d, 0x13e].includes(cc) ? 'rc-only' : 'exact';
}

describe('random command streams: soft TPM vs swtpm @integration', function () {
  this.timeout(120000);
  const tpms = softVsSwtpm();

  it('answers random and mutated command streams as swtpm does', async () => {
    const startup = cmd(0x8001, 0x144, '0000');
    await fc.assert(
      fc.asyncProperty(stream, async (steps: Step[]) => {
        const { sw, soft } = tpms;
        await tpms.startUp(startup);
        for (const s of steps) {
          const a = await sw.transmit(s.command, s.locality);
          const b = await soft.transmit(s.command, s.locality);
          if (!responsesAgree(modeFor(s.command), a, b)) {
            expect(toHex(b), `command ${toHex(s.command)} at locality ${s.locality}`).to.equal(toHex(a));
          }
        }
      }),
      { numRuns: Number(process.env['TCG2SIM_FC_RUNS'] ?? 40), seed: Number(process.env['TCG2SIM_FC_SEED'] ?? 0x5eed), endOnFailure: true }
    );
  });
});
