/**
 * A BootDigests memo shared by many boots of one image (predict's configuration matrix): buffers
 * remembered by content give node:crypto's digests of their own bytes (never another buffer's),
 * the Authenticode memo gives peImageDigests' values, and boots sharing SEC's output and the
 * memo log exactly what separate boots log.
 */
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import fc from 'fast-check';
import { toHex } from '@tcg2sim/binary-codec';
import { HASH_ALGS, hashAlgInfo } from '@tcg2sim/hash-lib';
import type { TpmAlgHash } from '@tcg2sim/hash-lib';
import { findFileByGuid, peImageDigests, EFI_SECTION } from '@tcg2sim/uefi';
import { BootDigests, MachineDescription, UEFI_SHELL_FILE_GUID, decompressMemFvsAsync } from '@tcg2sim/platform-ovmf';
import { bootDefaultFirmware, defaultFirmware } from './default-boot.ts';

const shaAlgs = HASH_ALGS.filter((h) => h.name.startsWith('sha')).map((h) => h.alg);
const truth = (alg: TpmAlgHash, data: Uint8Array): string => createHash(hashAlgInfo(alg).name).update(data).digest('hex');
const hex = (d: BootDigests, algs: readonly TpmAlgHash[], data: Uint8Array): string[] => d.hashAll(algs, data).map((x) => toHex(x.digest));

describe('BootDigests shared by the boots of a matrix', function () {
  this.timeout(60_000);

  it("gives each buffer the digests of its own bytes, remembered by content or not, whatever the order and the slots", () => {
    const runs = fc.sample(
      fc.tuple(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 2 })), { minLength: 1, maxLength: 12 }),
        fc.shuffledSubarray(shaAlgs, { minLength: 1 }),
        fc.constantFrom(0, 1, 2, 64)
      ),
      20
    );
    for (const [picks, algs, slots] of runs) {
      const d = new BootDigests(undefined, { contentSlots: slots });
      // Four contents of one size (>= 64 KiB, so compared by content), differing in one byte.
      const contents = [0, 1, 2, 3].map((k) => {
        const b = new Uint8Array(0x10000).fill(0x5a);
        b[0x8000 + k] = 0xa5;
        return b;
      });
      for (const [k, how] of picks) {
        const src = contents[k] ?? new Uint8Array();
        const data = how === 0 ? src : src.slice(); // the same object, or a fresh copy of the bytes
        expect(hex(d, algs, data)).to.deep.equal(algs.map((a) => truth(a, data)));
      }
    }
  });

  it("memoizes the Shell's Authenticode digests: peImageDigests' values in any subset and order of banks", async () => {
    const sec = await decompressMemFvsAsync(defaultFirmware().code);
    const shell = findFileByGuid(sec.dxeFv.volume, UEFI_SHELL_FILE_GUID)?.sections?.find((s) => s.type === EFI_SECTION.PE32)?.body;
    expect(shell).to.not.equal(undefined);
    const image = shell ?? new Uint8Array();
    const d = new BootDigests();
    for (const algs of [[shaAlgs[1]], [...shaAlgs].reverse(), shaAlgs.slice(0, 2)]) {
      const want = peImageDigests(image, algs as TpmAlgHash[]).map((x) => toHex(x.digest));
      expect(d.peImage(image, algs as TpmAlgHash[]).map((x) => toHex(x.digest))).to.deep.equal(want);
    }
  });

  it('boots sharing SEC output and the memo log exactly what separate boots log', async () => {
    const fw = defaultFirmware();
    const sec = decompressMemFvsAsync(fw.code);
    const digests = new BootDigests(undefined, { contentSlots: 8 });
    const machines = [{}, { memoryMiB: 2048 }, { machine: 'pc' as const }, {}, { memoryMiB: 2048, cpus: 4 }];
    for (const [i, m] of machines.entries()) {
      const tpmInterface = i % 2 === 0 ? 'tis' : 'crb';
      const machine = MachineDescription.parse(m);
      const shared = await bootDefaultFirmware({ machine, tpmInterface, sec, digests });
      const alone = await bootDefaultFirmware({ machine, tpmInterface });
      expect(toHex(shared.eventLog), JSON.stringify(m)).to.equal(toHex(alone.eventLog));
      expect(shared.notes).to.deep.equal(alone.notes);
      expect(shared.endState).to.equal(alone.endState);
    }
  });
});
