/**
 * Save/restore of the whole soft TPM: for random command streams (PCRs, sequences, NV, Shutdown,
 * TPM_Init, H-CRTM), a TPM restored from save() at any point answers the rest of the stream with
 * the same bytes as the TPM that kept running.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { fromHex, toHex } from '@tcg2sim/binary-codec';
import { SoftTpm } from '@tcg2sim/soft-tpm';

const PW = '00000009400000090000000000';

/** A command with its size field filled in. */
function cmd(tag: string, cc: string, body: string): string {
  return tag + (10 + body.length / 2).toString(16).padStart(8, '0') + cc.padStart(8, '0') + body;
}

/** Commands from the corpus, each valid in some state (errors in others are part of the test). */
const ALL = [
  cmd('8001', '144', '0000'), // Startup(CLEAR)
  cmd('8001', '144', '0001'), // Startup(STATE)
  cmd('8001', '145', '0001'), // Shutdown(STATE)
  cmd('8001', '145', '0000'), // Shutdown(CLEAR)
  cmd('8002', '182', `00000000${PW}00000001000b${'5a'.repeat(32)}`), // PCR_Extend(0)
  cmd('8002', '13d', `00000010${PW}`), // PCR_Reset(16)
  cmd('8001', '186', '0000000b'), // HashSequenceStart SHA-256
  cmd('8001', '186', '00000010'), // HashSequenceStart event
  cmd('8002', '15c', `80000000${PW}0003616263`), // SequenceUpdate(0x80000000, "abc")
  cmd('8002', '13e', `80000000${PW}000040000007`), // SequenceComplete(0x80000000)
  cmd('8002', '12a', `4000000c${PW}000461626364000e01c00010000b4205000500000008`), // NV_DefineSpace
  cmd('8002', '137', `4000000c01c00010${PW}0002abcd0000`), // NV_Write
  cmd('8001', '17e', '00000001000b03ffffff'), // PCR_Read
  cmd('8001', '17b', '0010'), // GetRandom(16)
  cmd('8001', '181', ''), // ReadClock
];

type Step = { kind: 'cmd'; hex: string; locality: number } | { kind: 'init' } | { kind: 'hcrtm'; data: Uint8Array };
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('cmd' as const), hex: fc.constantFrom(...ALL), locality: fc.constantFrom(0, 0, 3, 4) }) },
  { weight: 1, arbitrary: fc.constant<Step>({ kind: 'init' }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 16 }).map((data): Step => ({ kind: 'hcrtm', data })) }
);

function apply(tpm: SoftTpm, s: Step): string {
  switch (s.kind) {
    case 'cmd':
      return toHex(tpm.execute(fromHex(s.hex), s.locality));
    case 'init':
      tpm.powerOn();
      return 'init';
    case 'hcrtm':
      tpm.hashStart();
      tpm.hashData(s.data);
      tpm.hashEnd();
      return 'hcrtm';
  }
}

describe('SoftTpm state save/restore', () => {
  it('continues any command stream identically after save() and restore()', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), fc.array(step, { maxLength: 30 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (before, after, seed) => {
        const a = new SoftTpm({ seed });
        a.powerOn();
        for (const s of before) apply(a, s);
        const b = SoftTpm.restore(a.save());
        expect(b.save()).to.equal(a.save());
        for (const s of after) expect(apply(b, s)).to.equal(apply(a, s));
        expect(b.save()).to.equal(a.save());
      }),
      { numRuns: 150, seed: 3 }
    );
  });
});
