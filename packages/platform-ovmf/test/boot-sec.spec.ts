/**
 * SEC with the LZMA decoding on the thread pool (decompressMemFvsAsync) gives decompressMemFvs's
 * memory volumes or its error; a boot given a SEC output the caller started logs exactly what a
 * boot that decompresses by itself logs; BootDigests gives hash-lib's digests, once per buffer.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { toHex } from '@tcg2sim/binary-codec';
import { HASH_ALGS, hashAll } from '@tcg2sim/hash-lib';
import { OVMF_DIR, requirePrerequisites } from '@tcg2sim/test-support';
import {
  BootDigests, SecError, buildDefaultFirmware, decompressMemFvs, decompressMemFvsAsync,
} from '@tcg2sim/platform-ovmf';
import type { SecOutput } from '@tcg2sim/platform-ovmf';
import { bootDefaultFirmware, defaultFirmware } from './default-boot.ts';

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

function memFvs(s: SecOutput): unknown {
  return [s.peiFv, s.dxeFv].map((f) => ({ base: f.base, length: f.length, bytes: sha256(f.bytes), guid: f.volume.guid, offset: f.volume.offset }));
}

describe('SEC on the thread pool (decompressMemFvsAsync)', () => {
  const fw = buildDefaultFirmware();

  it('gives the memory volumes decompressMemFvs gives for the embedded default firmware', async () => {
    expect(memFvs(await decompressMemFvsAsync(fw.code))).to.deep.equal(memFvs(decompressMemFvs(fw.code)));
  });

  it("gives the memory volumes decompressMemFvs gives for Debian's OVMF_CODE_4M.fd", async function () {
    const path = join(OVMF_DIR, 'OVMF_CODE_4M.fd');
    requirePrerequisites(this, { files: [path] });
    const code = new Uint8Array(readFileSync(path));
    expect(memFvs(await decompressMemFvsAsync(code))).to.deep.equal(memFvs(decompressMemFvs(code)));
  });

  it('rejects an image without FVMAIN_COMPACT with SecError NO_FVMAIN_COMPACT, as decompressMemFvs throws it', async () => {
    expect(() => decompressMemFvs(fw.vars)).to.throw(SecError).with.property('code', 'NO_FVMAIN_COMPACT');
    const err = await decompressMemFvsAsync(fw.vars).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(SecError).with.property('code', 'NO_FVMAIN_COMPACT');
  });
});

describe('simulateBoot with a SEC output the caller started (input.sec)', function () {
  this.timeout(20_000);
  const fw = defaultFirmware();
  const boot = bootDefaultFirmware;

  it('logs the same event log, final events and notes as a boot that decompresses by itself', async () => {
    const own = await boot({});
    const given = await boot({ sec: decompressMemFvsAsync(fw.code) });
    expect(own.eventLog.length).to.be.greaterThan(1000);
    expect(toHex(given.eventLog)).to.equal(toHex(own.eventLog));
    expect(toHex(given.finalEvents)).to.equal(toHex(own.finalEvents));
    expect(given.notes).to.deep.equal(own.notes);
    expect(given.endState).to.equal(own.endState);
  });

  it('refuses a SEC output of other bytes than input.code (TypeError)', async () => {
    const other = fw.code.slice();
    const err = await boot({ sec: decompressMemFvsAsync(other) }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(TypeError);
  });
});

describe('BootDigests', () => {
  const shaAlgs = HASH_ALGS.filter((h) => h.name.startsWith('sha')).map((h) => h.alg);

  it("gives hash-lib's digests in the order asked, for any subset and order of the SHA banks", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.shuffledSubarray(shaAlgs, { minLength: 1 }), fc.shuffledSubarray(shaAlgs, { minLength: 1 }), (data, first, second) => {
        const d = new BootDigests();
        expect(d.hashAll(first, data)).to.deep.equal(hashAll(first, data));
        expect(d.hashAll(second, data)).to.deep.equal(hashAll(second, data));
        expect(d.sha256Hex(data)).to.equal(sha256(data));
      }),
      { numRuns: 40 }
    );
  });

  it('hashes a buffer once: after its bytes change, the same Uint8Array still gives the first digests', () => {
    const d = new BootDigests();
    const data = new Uint8Array(64).fill(1);
    const before = d.sha256Hex(data);
    data.fill(2);
    expect(d.sha256Hex(data)).to.equal(before);
    expect(new BootDigests().sha256Hex(data)).to.equal(sha256(data)).and.not.equal(before);
  });
});
