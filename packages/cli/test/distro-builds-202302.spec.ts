import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { requirePrerequisites, skipOptional, FIRMWARE_CACHE as CACHE } from '@tcg2sim/test-support';
import { runCli } from './harness.ts';

// Other distributions' OVMF builds of edk2-stable202302 to 202502 (docs/distro-builds-202302.md),
// against real boots of them (QEMU 7.2 + swtpm, `tcg2sim capture`): the event logs, PCRs and
// profiles are committed under platform-ovmf's test/vectors/distro-202302/, the firmware never.
// A build whose image is not in the firmware cache is skipped with a notice naming it and where
// it comes from (Debian's are fetched by scripts/fetch-debian-firmware.sh).

interface FileRef {
  readonly file: string;
  readonly source: string;
  readonly sha256: string;
}
interface Config {
  readonly name: string;
  readonly machine: 'q35' | 'pc';
  readonly smm: boolean;
  readonly memoryMiB: number;
  readonly tpmInterface: 'tis' | 'crb';
  /** A difference from the real boot that is known and not modelled (its PCR, in words). */
  readonly knownDifference?: string;
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
  readonly divergences: readonly { readonly pcr: number; readonly component: string }[];
  readonly predictionNotes: readonly string[];
}
interface PredictJson {
  readonly complete: boolean;
  readonly pcrs: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

const VECTORS = new URL('../../../platform-ovmf/test/vectors/distro-202302/', import.meta.url);
const BUILDS = JSON.parse(readFileSync(new URL('builds.json', VECTORS), 'utf8')) as readonly Build[];

function firmwareArgs(b: Build): string[] {
  if (b.bios !== undefined) return ['--bios', join(CACHE, b.bios.file)];
  return ['--code', join(CACHE, b.code?.file ?? ''), ...(b.vars === undefined ? [] : ['--vars', join(CACHE, b.vars.file)])];
}

function vmArgs(c: Config): string[] {
  return ['--machine', c.machine, ...(c.smm ? ['--smm'] : []), '--memory', String(c.memoryMiB), '--tpm-interface', c.tpmInterface];
}

for (const b of BUILDS) {
  describe(`prediction = real boot of ${b.distribution} @integration`, function () {
    this.timeout(180_000);
    before(function () {
      for (const ref of [b.bios, b.code, b.vars]) {
        if (ref === undefined) continue;
        const path = join(CACHE, ref.file);
        if (ref.source.startsWith('Debian')) requirePrerequisites(this, { files: [path], hint: 'run scripts/fetch-debian-firmware.sh trixie ovmf-ia32' });
        else if (!existsSync(path)) skipOptional(this, `firmware ${path} absent (from ${ref.source}; never committed)`);
        const sha = createHash('sha256').update(readFileSync(path)).digest('hex');
        if (sha !== ref.sha256) skipOptional(this, `firmware ${path} is not the file of ${ref.source} (sha256 ${sha})`);
      }
      requirePrerequisites(this, { tools: ['qemu-system-x86_64', 'swtpm'] });
    });

    for (const c of b.configs) {
      const log = new URL(`${b.id}/${c.name}-eventlog.bin`, VECTORS).pathname;
      const real = (JSON.parse(readFileSync(new URL(`${b.id}/${c.name}-pcrs.json`, VECTORS), 'utf8')) as { pcrs: Record<string, Record<string, string>> }).pcrs;

      it(`${c.name}: verify (soft TPM): ${c.knownDifference === undefined ? 'every measured event exact' : 'exact but for the known PCR0 difference'}`, async () => {
        const r = await runCli('verify', log, ...firmwareArgs(b), ...vmArgs(c), '--fw-cfg-from-qemu', '--json');
        const j = JSON.parse(r.out) as VerifyJson;
        if (c.knownDifference === undefined) {
          expect(j.divergences, r.out).to.deep.equal([]);
          expect(j.exact).to.equal(true);
          expect(r.status).to.equal(0);
        } else {
          expect(j.divergences.map((d) => `${d.pcr} ${d.component}`)).to.deep.equal(['0 PEIFV (measured by Tcg2Pei)']);
          expect(j.predictionNotes.some((n) => n.startsWith('INCOMPLETE'))).to.equal(true);
        }
      });

      it(`${c.name}: predict (swtpm): PCRs 0-7 of every bank equal the real TPM's`, async () => {
        const r = await runCli('predict', ...firmwareArgs(b), ...vmArgs(c), '--tpm', 'swtpm', '--fw-cfg-from-qemu', '--json');
        const j = JSON.parse(r.out) as PredictJson;
        expect(Object.keys(real)).to.have.length(4);
        for (const [bank, values] of Object.entries(real)) {
          for (let i = 0; i <= 7; i++) {
            if (i === 0 && c.knownDifference !== undefined) expect(j.pcrs[bank]?.['0'], `${bank} PCR0`).to.not.equal(values['0']);
            else expect(j.pcrs[bank]?.[String(i)], `${bank} PCR${i}`).to.equal(values[String(i)]);
          }
        }
        expect(j.complete).to.equal(c.knownDifference === undefined);
      });
    }
  });
}
