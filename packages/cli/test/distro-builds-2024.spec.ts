import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { requirePrerequisites, skipOptional, FIRMWARE_CACHE as CACHE } from '@tcg2sim/test-support';
import { runCli } from './harness.ts';

// More builds from public repositories (docs/distro-builds-2024.md): edk2-stable202505+ images
// without a version string, a local DEBUG build, a combined OVMF.fd with a used variable store
// booted with -bios, and 2020-2022 builds of other distributions, against real boots of them
// (QEMU 7.2 + swtpm, `tcg2sim capture`). The logs, PCRs and profiles are committed under
// platform-ovmf's test/vectors/distro-2024/, the firmware never: a build whose image is not in
// the firmware cache is skipped with a notice naming it and where it comes from.

interface FileRef {
  readonly file: string;
  readonly source: string;
  readonly sha256: string;
}
interface Config {
  readonly name: string;
  readonly machine: 'q35' | 'pc';
  readonly memoryMiB: number;
  readonly tpmInterface: 'tis' | 'crb';
}
interface Build {
  readonly id: string;
  readonly distribution: string;
  readonly code?: FileRef;
  readonly vars?: FileRef;
  readonly bios?: FileRef;
  readonly configs: readonly Config[];
}
interface VerifyJson {
  readonly exact: boolean;
  readonly matchedEvents: number;
  readonly firmwareEvents: number;
  readonly divergences: readonly { readonly pcr: number; readonly component: string }[];
}
interface PredictJson {
  readonly complete: boolean;
  readonly pcrs: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

const VECTORS = new URL('../../../platform-ovmf/test/vectors/distro-2024/', import.meta.url);
const BUILDS = JSON.parse(readFileSync(new URL('builds.json', VECTORS), 'utf8')) as readonly Build[];

function firmwareArgs(b: Build): string[] {
  if (b.bios !== undefined) return ['--bios', join(CACHE, b.bios.file)];
  return ['--code', join(CACHE, b.code?.file ?? ''), ...(b.vars === undefined ? [] : ['--vars', join(CACHE, b.vars.file)])];
}

function vmArgs(c: Config): string[] {
  return ['--machine', c.machine, '--memory', String(c.memoryMiB), '--tpm-interface', c.tpmInterface];
}

for (const b of BUILDS) {
  describe(`prediction = real boot of ${b.distribution} @integration`, function () {
    this.timeout(180_000);
    before(function () {
      for (const ref of [b.bios, b.code, b.vars]) {
        if (ref === undefined) continue;
        const path = join(CACHE, ref.file);
        if (!existsSync(path)) skipOptional(this, `firmware ${path} absent (from ${ref.source}; never committed)`);
        const sha = createHash('sha256').update(readFileSync(path)).digest('hex');
        if (sha !== ref.sha256) skipOptional(this, `firmware ${path} is not the file of ${ref.source} (sha256 ${sha})`);
      }
      requirePrerequisites(this, { tools: ['qemu-system-x86_64', 'swtpm'] });
    });

    for (const c of b.configs) {
      const log = new URL(`${b.id}/${c.name}-eventlog.bin`, VECTORS).pathname;
      const real = (JSON.parse(readFileSync(new URL(`${b.id}/${c.name}-pcrs.json`, VECTORS), 'utf8')) as { pcrs: Record<string, Record<string, string>> }).pcrs;

      it(`${c.name}: verify (soft TPM): every measured event exact`, async () => {
        const r = await runCli('verify', log, ...firmwareArgs(b), ...vmArgs(c), '--fw-cfg-from-qemu', '--json');
        const j = JSON.parse(r.out) as VerifyJson;
        expect(j.divergences, r.out).to.deep.equal([]);
        expect(j.matchedEvents).to.equal(j.firmwareEvents);
        expect(j.exact).to.equal(true);
        expect(r.status).to.equal(0);
      });

      it(`${c.name}: predict (swtpm): complete, PCRs 0-7 of every bank equal the real TPM's`, async () => {
        const r = await runCli('predict', ...firmwareArgs(b), ...vmArgs(c), '--tpm', 'swtpm', '--fw-cfg-from-qemu', '--json');
        const j = JSON.parse(r.out) as PredictJson;
        expect(Object.keys(real)).to.have.length(4);
        for (const [bank, values] of Object.entries(real)) {
          for (let i = 0; i <= 7; i++) expect(j.pcrs[bank]?.[String(i)], `${bank} PCR${i}`).to.equal(values[String(i)]);
        }
        expect(j.complete).to.equal(true);
      });
    }
  });
}
