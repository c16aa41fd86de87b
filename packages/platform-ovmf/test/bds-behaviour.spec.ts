import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { guidFromString } from '@tcg2sim/binary-codec';
import { decodeEventLog, EV } from '@tcg2sim/event-log';
import { skipOptional, FIRMWARE_CACHE } from '@tcg2sim/test-support';
import { SoftTpmBackend } from '@tcg2sim/tpm-backends';
import { EFI_EVENT_READY_TO_BOOT_GUID, MachineDescription, bdsBehaviour, hasPeiSmmRelocation, decompressMemFvs, findRecoveryReadyToBoot, findRemovableMediaSkip, predict, readFirmwareVersionString } from '@tcg2sim/platform-ovmf';
import type { Prediction } from '@tcg2sim/platform-ovmf';

const hex = (s: string): number[] => s.split(/\s+/).filter((x) => x !== '').map((x) => parseInt(x, 16));

// BmEnumerateBootOptions' tests of EFI_BLOCK_IO_MEDIA as three compilers emitted them (X64
// encodings; the bytes of Debian 12's 2022.11, Ubuntu's 2024.02 and a later Arch build's BdsDxe).
const WITHOUT_SKIP = '48 8b 40 08 80 78 06 00 75 7e 40 8a 74 24 40 40 38 70 04 74 73 48 8b 44 24 70 48 ff c5 4a 8b 3c 20 e8 80 ae ff ff';
const WORD_COMPARE = '48 8b 40 08 80 78 06 00 0f 85 82 00 00 00 40 8a 75 98 40 38 70 04 74 78 66 83 78 04 01 74 71 48 8b 45 b0 49 ff c7';
const BYTE_COMPARES = '48 8b 40 08 80 78 06 00 0f 85 93 00 00 00 8a 50 04 44 38 ea 0f 84 87 00 00 00 fe ca 75 06 80 78 05 00 74 7d 48 8b 75 98';

describe('findRemovableMediaSkip (BdsDxe code)', () => {
  const pad = (s: string): Uint8Array => Uint8Array.from([...new Array<number>(16).fill(0x90), ...hex(s), ...new Array<number>(16).fill(0xcc)]);
  it('no MediaPresent test: an option for the empty drive (edk2-stable202211)', () => {
    expect(findRemovableMediaSkip(pad(WITHOUT_SKIP)).present).to.equal(false);
  });
  it('cmp word [r+4], 1 (RemovableMedia and MediaPresent as one word) or cmp byte [r+5], 0: skipped', () => {
    expect(findRemovableMediaSkip(pad(WORD_COMPARE)).present).to.equal(true);
    expect(findRemovableMediaSkip(pad(BYTE_COMPARES)).present).to.equal(true);
  });
  it('undecided when the loop is not found once (none, or two candidates), and on any bytes', () => {
    expect(findRemovableMediaSkip(new Uint8Array(0)).present).to.equal(undefined);
    expect(findRemovableMediaSkip(pad(`${WITHOUT_SKIP} ${WORD_COMPARE}`)).present).to.equal(undefined);
    for (let seed = 1; seed < 20; seed++) {
      const b = new Uint8Array(4096).map((_, i) => (i * 7919 * seed + seed) & 0xff);
      expect(() => findRemovableMediaSkip(b)).to.not.throw();
      expect(() => findRecoveryReadyToBoot(b)).to.not.throw();
    }
  });
});

describe('findRecoveryReadyToBoot (BdsDxe code)', () => {
  /** A tiny image: a ReadyToBoot-signalling function at 0x40, its callers, the GUID at 0x200. */
  function image(callers: readonly number[][]): Uint8Array {
    const b = new Uint8Array(0x240).fill(0x90);
    b.set(guidFromString(EFI_EVENT_READY_TO_BOOT_GUID), 0x200);
    const fn = 0x40;
    // push rbp; mov rbp, rsp; lea rdx, [rip+disp] -> GUID; ...; call [rax+0x68]; ret
    b.set([0x55, 0x48, 0x89, 0xe5], fn);
    const lea = fn + 4;
    b.set([0x48, 0x8d, 0x15], lea);
    new DataView(b.buffer).setInt32(lea + 3, 0x200 - (lea + 7), true);
    b.set([0xff, 0x50, 0x68, 0xc3], lea + 16);
    let at = 0x100;
    for (const prefix of callers) {
      b.set(prefix, at);
      at += prefix.length;
      b[at] = 0xe8;
      new DataView(b.buffer).setInt32(at + 1, fn - (at + 5), true);
      at += 8;
    }
    return b;
  }
  it('a call right after `cmp eax, 3; jne` (LoadOptionTypePlatformRecovery): ReadyToBoot before platform recovery', () => {
    const m = findRecoveryReadyToBoot(image([[], [0x83, 0xf8, 0x03, 0x75, 0x05]]));
    expect(m.present).to.equal(true);
    expect(m.evidence).to.match(/2 caller/);
  });
  it('callers without that test: no ReadyToBoot (before edk2-stable202402)', () => {
    expect(findRecoveryReadyToBoot(image([[], [0x83, 0xf8, 0x02, 0x75, 0x05]])).present).to.equal(false);
  });
  it('undecided without a directly called signalling function', () => {
    expect(findRecoveryReadyToBoot(image([])).present).to.equal(undefined);
  });
});

interface VectorBuild {
  readonly id: string;
  readonly code?: { readonly file: string };
  readonly bios?: { readonly file: string };
  readonly configs: readonly { readonly name: string; readonly smm: boolean; readonly peiSmmRelocation?: string }[];
}

// Truth: the real boots' logs. An empty DVD-ROM option shows as a Boot#### event naming it; with
// no Shell and no option to attempt, ReadyToBoot before PlatformRecovery0000 shows as the separators.
describe('bdsBehaviour and hasPeiSmmRelocation against real boots of other distributions\' builds', function () {
  this.timeout(120_000);
  const vectors = new URL('../../test/vectors/distro-202302/', import.meta.url);
  const builds = JSON.parse(readFileSync(new URL('builds.json', vectors), 'utf8')) as readonly VectorBuild[];
  const dvd = Buffer.from('DVD-ROM', 'utf16le');
  for (const b of builds) {
    it(`${b.id}: the boot options and ReadyToBoot the real boot shows`, function () {
      const path = join(FIRMWARE_CACHE, (b.code ?? b.bios)?.file ?? '');
      if (!existsSync(path)) skipOptional(this, `firmware ${path} absent (docs/distro-builds-202302.md says where it comes from)`);
      const sec = decompressMemFvs(readFileSync(path));
      const bds = bdsBehaviour(sec, readFirmwareVersionString(sec.peiFv.volume, sec.dxeFv.volume));
      for (const c of b.configs) {
        const log = readFileSync(new URL(`${b.id}/${c.name}-eventlog.bin`, vectors));
        expect(bds.emptyCdromOption, `${c.name} DVD-ROM option`).to.equal(log.includes(dvd));
        const events = decodeEventLog(log).events;
        const started = events.some((e) => e.eventType === EV.EFI_BOOT_SERVICES_APPLICATION);
        // SMM builds: PlatformPei relocates SMBASE in PEI from 202405 on (and writes into PEIFV).
        if (c.smm) expect(hasPeiSmmRelocation(sec.peiFv), `${c.name} SMBASE relocation in PEI`).to.equal(c.peiSmmRelocation !== undefined);
        // Nothing booted and no option attempted (a DVD-ROM option is attempted: ReadyToBoot then).
        if (!started && !bds.emptyCdromOption) expect(bds.readyToBootWithoutOption, `${c.name} separators`).to.equal(events.some((e) => e.eventType === EV.SEPARATOR));
      }
    });
  }
});

// Fedora 38's secboot image: no Shell, and BdsDxe's ReadyToBoot code is not found (its compiler
// inlines it) nor does its version string name a release; it names a snapshot of 2023-03-01,
// which predates the tag before edk2-stable202402's change. On a VM without the DVD-ROM nothing
// is attempted, so the prediction depends on that date (and the caller can override it).
describe('a prediction that depends on BDS behaviour the code does not show', function () {
  this.timeout(120_000);
  const file = join(FIRMWARE_CACHE, 'github/GSquared+OVMFFiles/4ba668f8268c/OVMF_CODE.secboot.fd');
  it('the snapshot date decides it (no bdsAssumed), and edk2Release overrides it', async function () {
    if (!existsSync(file)) skipOptional(this, `firmware ${file} absent (docs/distro-builds-202302.md says where it comes from)`);
    const machine = MachineDescription.parse({ machine: 'q35', memoryMiB: 512, smm: true, defaultCdrom: false });
    const run = async (edk2Release?: number): Promise<Prediction> => {
      const backend = new SoftTpmBackend({});
      try {
        return await predict({ code: readFileSync(file), machine, tpmInterface: 'tis', backend, ...(edk2Release !== undefined ? { edk2Release } : {}) });
      } finally {
        await backend.close();
      }
    };
    const assumed = await run();
    expect(assumed.boot.bdsAssumed).to.equal(undefined);
    expect(assumed.boot.notes.join('\n')).to.match(/snapshot of 202303, before the tag preceding edk2-stable202402: ReadyToBoot before platform recovery: no/);
    const separators = (p: Prediction): number => decodeEventLog(p.boot.eventLog).events.filter((e) => e.eventType === EV.SEPARATOR).length;
    const given = await run(202402);
    expect(given.boot.bdsAssumed).to.equal(undefined);
    // ReadyToBoot adds the separators of PCRs 0-6 (PCR7's follows the Secure Boot policy).
    expect(separators(given) - separators(assumed)).to.equal(7);
  });
});
