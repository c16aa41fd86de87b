/**
 * DigestWorker: BootDigests with a hashing worker gives node:crypto's digests of the offered
 * buffer whichever thread hashed them (worker done, worker busy, worker not started, worker
 * closed), and a boot with `digestWorker` logs exactly what a boot without it logs.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import fc from 'fast-check';
import { toHex } from '@tcg2sim/binary-codec';
import { HASH_ALGS, hashAlgInfo } from '@tcg2sim/hash-lib';
import type { TpmAlgHash } from '@tcg2sim/hash-lib';
import { BootDigests, DigestWorker } from '@tcg2sim/platform-ovmf';
import { bootDefaultFirmware } from './default-boot.ts';

const shaAlgs = HASH_ALGS.filter((h) => h.name.startsWith('sha')).map((h) => h.alg);
const truth = (alg: TpmAlgHash, data: Uint8Array): string => createHash(hashAlgInfo(alg).name).update(data).digest('hex');

function digestsOf(d: BootDigests, algs: readonly TpmAlgHash[], data: Uint8Array): { alg: number; hex: string }[] {
  return d.hashAll(algs, data).map((x) => ({ alg: x.alg, hex: toHex(x.digest) }));
}

describe('DigestWorker', function () {
  this.timeout(20_000);

  it("gives node:crypto's digests of the offered buffer in any subset and order of banks, the worker started or not", async () => {
    const runs = fc.sample(fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 200_000 }), fc.shuffledSubarray(shaAlgs, { minLength: 1 }), fc.constantFrom(0, 1, 50)), 12);
    for (const [data, algs, delayMs] of runs) {
      const worker = new DigestWorker();
      try {
        if (delayMs > 0) await sleep(delayMs);
        worker.offer(data);
        if (delayMs > 1) await sleep(delayMs);
        const d = new BootDigests(worker);
        expect(digestsOf(d, algs, data)).to.deep.equal(algs.map((alg) => ({ alg, hex: truth(alg, data) })));
        expect(digestsOf(d, shaAlgs, data)).to.deep.equal(shaAlgs.map((alg) => ({ alg, hex: truth(alg, data) })));
      } finally {
        worker.close();
      }
    }
  });

  it('keeps the digests of the offered buffer after its bytes change, as BootDigests keeps the first digests of any buffer', () => {
    const worker = new DigestWorker();
    try {
      const data = new Uint8Array(100_000).fill(7);
      const expected = shaAlgs.map((alg) => ({ alg, hex: truth(alg, data) }));
      worker.offer(data);
      const d = new BootDigests(worker);
      expect(digestsOf(d, shaAlgs, data)).to.deep.equal(expected);
      data.fill(8);
      expect(digestsOf(d, shaAlgs, data)).to.deep.equal(expected);
    } finally {
      worker.close();
    }
  });

  it('leaves other buffers and a closed worker to the main thread', async () => {
    const worker = new DigestWorker();
    const offered = new Uint8Array(4096).fill(1);
    const other = offered.slice();
    other[0] = 2;
    worker.offer(offered);
    await sleep(50);
    const d = new BootDigests(worker);
    expect(digestsOf(d, shaAlgs, other)).to.deep.equal(shaAlgs.map((alg) => ({ alg, hex: truth(alg, other) })));
    worker.close();
    expect(worker.offered(offered)).to.equal(false);
    expect(digestsOf(d, shaAlgs, offered)).to.deep.equal(shaAlgs.map((alg) => ({ alg, hex: truth(alg, offered) })));
  });
});

describe('simulateBoot with digestWorker', function () {
  this.timeout(30_000);
  const boot = bootDefaultFirmware;

  it('logs the same event log, final events and notes as a boot without it', async () => {
    const own = await boot({});
    const withWorker = await boot({ digestWorker: true });
    expect(own.eventLog.length).to.be.greaterThan(1000);
    expect(toHex(withWorker.eventLog)).to.equal(toHex(own.eventLog));
    expect(toHex(withWorker.finalEvents)).to.equal(toHex(own.finalEvents));
    expect(withWorker.notes).to.deep.equal(own.notes);
    expect(withWorker.endState).to.equal(own.endState);
  });
});
