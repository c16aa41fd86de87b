import { expect } from 'chai';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toHex } from '@tcg2sim/binary-codec';
import { decodeEventLog, diffEventLogs } from '@tcg2sim/event-log';
import { hashAlgInfo } from '@tcg2sim/hash-lib';
import { SoftTpmBackend } from '@tcg2sim/tpm-backends';
import {
  DEBIAN_2022_11_BUILD, LEGACY_GLOBAL_SIZE, MachineDescription, buildFactsFromPeiFv, decompressMemFvs, legacyGlobalValues, peiFvAtMeasurement, predict,
} from '@tcg2sim/platform-ovmf';
import type { LegacyGlobalName } from '@tcg2sim/platform-ovmf';
import { skipOptional, FIRMWARE_CACHE } from '@tcg2sim/test-support';
import { getVariable } from '@tcg2sim/uefi';

// Truth: real boots (QEMU 7.2 + swtpm, `tcg2sim capture`) of distribution builds of
// edk2-stable202011 and 202202, and guest RAM at PEIFV (0x820000) after those boots (QMP
// pmemsave). Vectors in test/vectors/<build>/: <image>-<machine>-tis-512-{eventlog.bin,pcrs.json},
// <image>-peifv-writes.json (the bytes in which RAM differed from the decompressed PEIFV, and
// where legacy-globals.ts finds PlatformPei's globals in that image), <image>-profile.json.
const VECTORS = fileURLToPath(new URL('../../test/vectors/', import.meta.url));

interface Build {
  readonly dir: string;
  /** Where the images come from, for the skip notice. */
  readonly source: string;
  /** Image name (vector prefix) -> path under the firmware cache. */
  readonly images: Readonly<Record<string, string>>;
  /** VARS template for each image ('' for a combined OVMF.fd booted with -bios). */
  readonly vars: Readonly<Record<string, string>>;
}

const BUILDS: readonly Build[] = [
  {
    dir: 'debian-bullseye-2020.11',
    source: 'Debian bullseye ovmf_2020.11-2+deb11u2_all.deb (scripts/fetch-debian-firmware.sh bullseye)',
    images: {
      OVMF_CODE_4M: 'debian-bullseye/usr/share/OVMF/OVMF_CODE_4M.fd', 'OVMF_CODE_4M.secboot': 'debian-bullseye/usr/share/OVMF/OVMF_CODE_4M.secboot.fd',
      OVMF_CODE: 'debian-bullseye/usr/share/OVMF/OVMF_CODE.fd', OVMF: 'debian-bullseye/usr/share/ovmf/OVMF.fd',
    },
    vars: {
      OVMF_CODE_4M: 'debian-bullseye/usr/share/OVMF/OVMF_VARS_4M.fd', 'OVMF_CODE_4M.secboot': 'debian-bullseye/usr/share/OVMF/OVMF_VARS_4M.fd',
      OVMF_CODE: 'debian-bullseye/usr/share/OVMF/OVMF_VARS.fd', OVMF: '',
    },
  },
  {
    dir: 'ubuntu-jammy-2022.02',
    source: 'Ubuntu jammy ovmf_2022.02-3ubuntu0.22.04.7_all.deb (archive.ubuntu.com jammy-updates, unpacked into $TCG2SIM_FIRMWARE_DIR/ubuntu-jammy)',
    images: {
      OVMF_CODE_4M: 'ubuntu-jammy/usr/share/OVMF/OVMF_CODE_4M.fd', 'OVMF_CODE_4M.secboot': 'ubuntu-jammy/usr/share/OVMF/OVMF_CODE_4M.secboot.fd',
      OVMF_CODE: 'ubuntu-jammy/usr/share/OVMF/OVMF_CODE.fd', OVMF: 'ubuntu-jammy/usr/share/ovmf/OVMF.fd',
    },
    // The secboot vector booted Ubuntu's store with Microsoft's keys (a used store: BDS refreshes its options).
    vars: {
      OVMF_CODE_4M: 'ubuntu-jammy/usr/share/OVMF/OVMF_VARS_4M.fd', 'OVMF_CODE_4M.secboot': 'ubuntu-jammy/usr/share/OVMF/OVMF_VARS_4M.ms.fd',
      OVMF_CODE: 'ubuntu-jammy/usr/share/OVMF/OVMF_VARS.fd', OVMF: '',
    },
  },
  {
    // A DEBUG build of 2020 (X64): PlatformPei's globals in another order, and
    // PlatformDebugLibIoPort's flags in PeiCore and PlatformPei (debug-io-port.ts). Its
    // OVMF_VARS.fd is a used store (Windows options, a stale auto-created option): BDS's refresh.
    dir: 'unraid-swtpm-2020',
    source: 'OVMF_CODE.fd and OVMF_VARS.fd of github.com/rezo552/unraid-swtpm (git show HEAD:OVMF_CODE.fd > $TCG2SIM_FIRMWARE_DIR/unraid-swtpm/OVMF_CODE.fd, same for OVMF_VARS.fd)',
    images: { OVMF_CODE: 'unraid-swtpm/OVMF_CODE.fd' },
    vars: { OVMF_CODE: 'unraid-swtpm/OVMF_VARS.fd' },
  },
  ...(['dad4131', '3cd6d6b'] as const).map((commit, i) => ({
    // Builds of 2021 (X64, non-SMM) from the same repository's history.
    dir: i === 0 ? 'osx-kvm-2021.06' : 'osx-kvm-2021.09',
    source: `OVMF_CODE.fd of github.com/kholia/OSX-KVM at ${commit} (git show ${commit}:OVMF_CODE.fd > $TCG2SIM_FIRMWARE_DIR/osx-kvm-${commit}/OVMF_CODE.fd) and that repository's OVMF_VARS.fd (git show HEAD:OVMF_VARS.fd > …/osx-kvm-${commit}/OVMF_VARS.fd)`,
    images: { OVMF_CODE: `osx-kvm-${commit}/OVMF_CODE.fd` },
    vars: { OVMF_CODE: `osx-kvm-${commit}/OVMF_VARS.fd` },
  })),
  {
    // edk2 master of 2022-10: the 2022.11 EFI_HOB_PLATFORM_INFO layout, computed as 202208 did
    // (address-width.ts); guest RAM at PEIFV equalled the model byte for byte.
    dir: 'osx-kvm-2022.10',
    source: 'OVMF_CODE.fd and OVMF_VARS.fd of github.com/kholia/OSX-KVM at b2b3614 (git show b2b3614:OVMF_CODE.fd > $TCG2SIM_FIRMWARE_DIR/osx-kvm-b2b3614/OVMF_CODE.fd, same for OVMF_VARS.fd)',
    images: { OVMF_CODE: 'osx-kvm-b2b3614/OVMF_CODE.fd' },
    vars: { OVMF_CODE: 'osx-kvm-b2b3614/OVMF_VARS.fd' },
  },
];

interface PeiFvWrites {
  readonly globals: Readonly<Record<string, string>>;
  readonly boots: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/**
 * These images come from other distributions' archives and public repositories, which CI does
 * not fetch: a missing one skips (also in CI) with a line naming the file and where it is from.
 */
function requireImages(ctx: Mocha.Context, files: readonly string[], source: string): void {
  const missing = files.filter((f) => !existsSync(f));
  if (missing.length > 0) skipOptional(ctx, `missing ${missing.join(', ')}: ${source}`);
}

const machineOf = (key: string): MachineDescription => MachineDescription.parse({ machine: key.startsWith('pc') ? 'pc' : 'q35', memoryMiB: 512 });

for (const build of BUILDS) {
  const files = readdirSync(join(VECTORS, build.dir));
  describe(`pre-edk2-stable202208 distribution build: ${build.dir}`, function () {
    this.timeout(120_000);
    for (const wf of files.filter((f) => f.endsWith('-peifv-writes.json'))) {
      const image = wf.replace(/-peifv-writes\.json$/, '');
      const writes = JSON.parse(readFileSync(join(VECTORS, build.dir, wf), 'utf8')) as PeiFvWrites;
      for (const [boot, ram] of Object.entries(writes.boots)) {
        it(`${image} ${boot}: PlatformPei's globals, computed for the VM, are the bytes guest RAM held at PEIFV (vector, no firmware needed)`, () => {
          const values = legacyGlobalValues(machineOf(boot), DEBIAN_2022_11_BUILD);
          const modelled = new Map<number, number>();
          for (const [name, at] of Object.entries(writes.globals)) {
            // DEBUG builds: PlatformDebugLibIoPort's flags (checked = 1, found = 0: no -debugcon).
            const debugFlag = /^debugIoPort(Checked|Found):/.exec(name);
            const n = name as LegacyGlobalName;
            const size = debugFlag === null ? LEGACY_GLOBAL_SIZE[n] : 1;
            const v = debugFlag === null ? values[n] : debugFlag[1] === 'Checked' ? 1 : 0;
            for (let k = 0; k < size; k++) modelled.set(Number(at) + k, Math.floor(v / 2 ** (8 * k)) & 0xff);
          }
          // Every byte that differed in RAM is one of them, with the value written...
          for (const [off, byte] of Object.entries(ram)) expect(modelled.get(Number(off)), `PEIFV+${off}`).to.equal(Number(byte));
          // ...and every byte written that is not zero differed in RAM.
          for (const [off, byte] of modelled) if (byte !== 0) expect(ram[`0x${off.toString(16)}`], `PEIFV+0x${off.toString(16)}`).to.equal(`0x${byte.toString(16).padStart(2, '0')}`);
        });
        it(`${image} ${boot}: the globals are found in the image where the vector says, and the model writes exactly the bytes guest RAM held`, function () {
          const code = join(FIRMWARE_CACHE, build.images[image] ?? '');
          requireImages(this, [code], build.source);
          const sec = decompressMemFvs(readFileSync(code));
          const m = peiFvAtMeasurement(sec.peiFv, machineOf(boot), buildFactsFromPeiFv(sec.peiFv.volume, DEBIAN_2022_11_BUILD));
          expect(m.unmodelled).to.equal(undefined);
          const legacy = Object.entries(writes.globals).filter(([k]) => !k.startsWith('debugIoPort'));
          expect(Object.fromEntries(Object.entries(m.legacyGlobals ?? {}).map(([k, v]) => [k, `0x${v.toString(16)}`]))).to.deep.equal(Object.fromEntries(legacy));
          const changed = Object.fromEntries([...m.bytes.keys()].filter((i) => m.bytes[i] !== sec.peiFv.bytes[i]).map((i) => [`0x${i.toString(16)}`, `0x${(m.bytes[i] ?? 0).toString(16).padStart(2, '0')}`]));
          expect(changed).to.deep.equal(ram);
        });
      }
    }
    for (const lf of files.filter((f) => f.endsWith('-eventlog.bin'))) {
      const name = lf.replace(/-eventlog\.bin$/, '');
      const image = Object.keys(build.images).filter((k) => name.startsWith(`${k}-`)).sort((a, b) => b.length - a.length)[0] ?? '';
      const machine = name.slice(image.length + 1).split('-')[0] ?? 'q35';
      const smm = name.includes('-smm-');
      it(`${name}: predict equals the real boot in every measurement and PCRs 0-7 of all banks`, async function () {
        const code = join(FIRMWARE_CACHE, build.images[image] ?? '');
        const varsRel = build.vars[image] ?? '';
        const vars = varsRel === '' ? undefined : join(FIRMWARE_CACHE, varsRel);
        requireImages(this, vars === undefined ? [code] : [code, vars], build.source);
        const real = readFileSync(join(VECTORS, build.dir, lf));
        const pcrs = (JSON.parse(readFileSync(join(VECTORS, build.dir, `${name}-pcrs.json`), 'utf8')) as { pcrs: Record<string, Record<string, string>> }).pcrs;
        const backend = new SoftTpmBackend({});
        try {
          const ours = await predict({
            // A combined OVMF.fd (-bios) is its own variable store, as the CLI passes it.
            code: readFileSync(code),
            vars: readFileSync(vars ?? code),
            machine: MachineDescription.parse({ machine: machine === 'pc' ? 'pc' : 'q35', memoryMiB: 512, smm }),
            tpmInterface: 'tis',
            backend,
          });
          const d = diffEventLogs(decodeEventLog(ours.boot.eventLog), decodeEventLog(real), { measuredOnly: true });
          expect(d.divergence?.explanation ?? 'equal').to.equal('equal');
          const replayed: Record<string, Record<string, string>> = {};
          for (const [alg, mm] of ours.replay.banks) replayed[hashAlgInfo(alg).name] = Object.fromEntries([...mm].map(([i, v]) => [String(i), toHex(v)]));
          for (const [bank, values] of Object.entries(pcrs)) {
            for (let i = 0; i <= 7; i++) expect(replayed[bank]?.[String(i)], `${bank} PCR${i}`).to.equal(values[String(i)]);
          }
        } finally {
          await backend.close();
        }
      });
    }
  });
}

describe('pre-edk2-stable202208 SMM builds: PlatformPei\'s SMM state in PEIFV (legacy-smm.ts)', function () {
  this.timeout(60_000);
  it('Ubuntu jammy\'s OVMF_CODE_4M.secboot.fd: the profile finds the TSEG and default-SMBASE globals (vector)', () => {
    const p = JSON.parse(readFileSync(join(VECTORS, 'ubuntu-jammy-2022.02', 'OVMF_CODE_4M.secboot-profile.json'), 'utf8')) as { peiFvWrites: { found: boolean; offsets: Record<string, string> } };
    expect(p.peiFvWrites.found).to.equal(true);
    expect(p.peiFvWrites.offsets['q35TsegMbytes']).to.equal('0xd62a');
    expect(p.peiFvWrites.offsets['q35SmramAtDefaultSmbase']).to.equal('0xd630');
  });
  // Guest RAM of a real boot (q35,smm=on, OVMF_VARS_4M.ms.fd) at these offsets held 16 and 1, the
  // S3 reservation 16 MiB lower, and mMemoryTypeInformation's runtime-data record raised to 0x246
  // pages from the store's MemoryTypeInformation variable: the model writes exactly those bytes.
  it('Ubuntu jammy\'s OVMF_CODE_4M.secboot.fd with its ms store: the SMM globals and the raised memory-type record', function () {
    const code = join(FIRMWARE_CACHE, 'ubuntu-jammy/usr/share/OVMF/OVMF_CODE_4M.secboot.fd');
    const vars = join(FIRMWARE_CACHE, 'ubuntu-jammy/usr/share/OVMF/OVMF_VARS_4M.ms.fd');
    requireImages(this, [code, vars], BUILDS[1]?.source ?? '');
    const sec = decompressMemFvs(readFileSync(code));
    const store = readFileSync(vars);
    const m = peiFvAtMeasurement(sec.peiFv, MachineDescription.parse({ smm: true }), buildFactsFromPeiFv(sec.peiFv.volume, DEBIAN_2022_11_BUILD), (n, g) => getVariable(store, n, g)?.data);
    expect(m.unmodelled).to.equal(undefined);
    const changed = Object.fromEntries([...m.bytes.keys()].filter((i) => m.bytes[i] !== sec.peiFv.bytes[i]).map((i) => [`0x${i.toString(16)}`, `0x${(m.bytes[i] ?? 0).toString(16).padStart(2, '0')}`]));
    expect(changed).to.deep.equal({
      '0xd5e4': '0x46', '0xd5e5': '0x02', '0xd601': '0x80', '0xd602': '0xf7', '0xd603': '0x1e', '0xd605': '0x80', '0xd606': '0x08', '0xd608': '0x01',
      '0xd619': '0x24', '0xd61a': '0x01', '0xd61b': '0x01', '0xd61c': '0x01', '0xd61d': '0x01', '0xd627': '0xb0', '0xd628': '0xc0', '0xd629': '0x29',
      '0xd62a': '0x10', '0xd630': '0x01',
    });
  });
});
