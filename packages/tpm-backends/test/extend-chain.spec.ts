/**
 * Long PCR_Extend chains (the soft TPM's hot path: digests hashed in place from the command
 * bytes) against swtpm: random digests into random PCRs and banks at random localities, sent
 * through tpm2-command-lib to both TPMs, every response compared byte for byte, and at the end
 * every PCR of every bank read back from both.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { toHex } from '@tcg2sim/binary-codec';
import { TPM_ALG_HASH, digestSize } from '@tcg2sim/hash-lib';
import { PCRExtend, PCRRead, encodeCommand } from '@tcg2sim/tpm2-command-lib';
import { softVsSwtpm } from './soft-vs-swtpm.ts';

const BANKS = [TPM_ALG_HASH.SHA1, TPM_ALG_HASH.SHA256, TPM_ALG_HASH.SHA384, TPM_ALG_HASH.SHA512] as const;
const startup = Uint8Array.of(0x80, 0x01, 0, 0, 0, 0x0c, 0, 0, 0x01, 0x44, 0, 0);

/** One extend: a PCR, a locality and digests for some banks (one bank may repeat). */
const step = fc.record({
  pcr: fc.integer({ min: 0, max: 23 }),
  locality: fc.constantFrom(0, 0, 0, 1, 2, 3, 4),
  digests: fc.array(fc.tuple(fc.constantFrom(...BANKS), fc.nat()), { minLength: 1, maxLength: 5 }).map((l) =>
    l.map(([hashAlg, seed]) => ({ hashAlg, digest: Uint8Array.from({ length: digestSize(hashAlg) }, (_, i) => (seed + i * 37) & 0xff) }))
  ),
});

describe('PCR_Extend chains: soft TPM vs swtpm @integration', function () {
  this.timeout(120000);
  const tpms = softVsSwtpm();

  it('extends every PCR and bank to the values swtpm reaches, answering each extend as swtpm does', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 100, maxLength: 300 }), async (steps) => {
        const { sw, soft } = tpms;
        await tpms.startUp(startup);
        for (const s of steps) {
          const c = encodeCommand(PCRExtend, { handles: { pcrHandle: s.pcr }, params: { digests: { digests: s.digests } } });
          const a = await sw.transmit(c, s.locality);
          const b = await soft.transmit(c, s.locality);
          expect(toHex(b), `extend PCR${s.pcr} at locality ${s.locality}`).to.equal(toHex(a));
        }
        // PCR_Read returns at most 8 digests: read 8 PCRs of one bank at a time.
        for (const hash of BANKS) {
          for (let first = 0; first < 24; first += 8) {
            const pcrSelect = new Uint8Array(3);
            pcrSelect[first >> 3] = 0xff;
            const c = encodeCommand(PCRRead, { handles: {}, params: { pcrSelectionIn: { pcrSelections: [{ hash, pcrSelect }] } } });
            expect(toHex(await soft.transmit(c, 0)), `PCR_Read bank 0x${hash.toString(16)} from PCR${first}`).to.equal(toHex(await sw.transmit(c, 0)));
          }
        }
      }),
      { numRuns: Number(process.env['TCG2SIM_FC_RUNS'] ?? 8), seed: Number(process.env['TCG2SIM_FC_SEED'] ?? 0xe47e), endOnFailure: true }
    );
  });
});
