import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { skipWithoutLocalBuild } from '@tcg2sim/test-support';
import { runCli } from './harness.ts';

// SMM builds of edk2-stable202508 and later with a 32-bit PEI (OvmfPkgIa32X64, the only IA32 PEI
// left from 202511), which no distribution ships: built locally from the tags with Debian's secboot
// options (docs/newer-ovmf.md, "Local builds of edk2 releases"; never committed). `verify` and
// `predict` against real boots (QEMU 7.2 + KVM, swtpm, q35,smm=on, its own OVMF_VARS_4M.fd): those
// the IA32 model was checked against (`boots`) and captures made after it (`captures`, out of
// sample), logs and PCRs in platform-ovmf's test/vectors/smm-relocation/ (local-edk2-ia32x64.json).
// CI has no such build: absent, or another build than the vectors', the spec skips with a notice
// naming it (skipWithoutLocalBuild, also under CI=true).

interface Image { readonly file: string; readonly vars: string; readonly source: string; readonly sha256: string }
interface Boot { readonly id: string; readonly image: string; readonly memoryMiB: number; readonly cpus: number }
interface Vectors { readonly images: Readonly<Record<string, Image>>; readonly boots: readonly Boot[]; readonly captures: readonly Boot[] }
interface VerifyJson { readonly exact: boolean; readonly divergences: readonly unknown[]; readonly matchedEvents: number; readonly firmwareEvents: number }
interface PredictJson { readonly complete: boolean; readonly notes: readonly string[]; readonly pcrs: Readonly<Record<string, Readonly<Record<string, string>>>> }

const CACHE = process.env['TCG2SIM_FIRMWARE_DIR'] ?? join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'tcg2sim', 'firmware');
const VECTORS = new URL('../../../platform-ovmf/test/vectors/smm-relocation/', import.meta.url);
const vectors = JSON.parse(readFileSync(new URL('local-edk2-ia32x64.json', VECTORS), 'utf8')) as Vectors;

function localBuild(ctx: Mocha.Context, image: string): Image {
  const img = vectors.images[image];
  if (img === undefined) throw new Error(`local-edk2-ia32x64.json: no image ${image}`);
  for (const file of [img.file, img.vars]) {
    if (!existsSync(join(CACHE, file))) skipWithoutLocalBuild(ctx, img.source, join(CACHE, file));
  }
  const sha = createHash('sha256').update(readFileSync(join(CACHE, img.file))).digest('hex');
  if (sha !== img.sha256) skipWithoutLocalBuild(ctx, img.source, join(CACHE, img.file), `sha256 ${sha}, the vectors' ${img.sha256}`);
  return img;
}

describe('IA32 PEI SMM builds (OvmfPkgIa32X64, local, edk2-stable202508 on): verify and predict against real boots', function () {
  this.timeout(180_000);
  for (const [kind, list] of [['boot', vectors.boots], ['out-of-sample capture', vectors.captures]] as const) {
    for (const b of list) {
      const log = new URL(`${b.id}-eventlog.bin`, VECTORS).pathname;
      it(`${kind} ${b.id} (${b.memoryMiB} MiB, ${b.cpus} CPU(s)): verify: every event exact; predict: complete, PCRs 0-7 of every bank equal the real TPM's`, async function () {
        const img = localBuild(this, b.image);
        const args = ['--code', join(CACHE, img.file), '--vars', join(CACHE, img.vars), '--smm', '--memory', String(b.memoryMiB), '--cpus', String(b.cpus)];
        const real = JSON.parse(readFileSync(new URL(`${b.id}-pcrs.json`, VECTORS), 'utf8')) as Record<string, Record<string, string>>;
        const p = await runCli('predict', ...args, '--json');
        expect(p.status, p.err).to.equal(0);
        const j = JSON.parse(p.out) as PredictJson;
        expect(j.complete, j.notes.join('\n')).to.equal(true);
        expect(Object.keys(real)).to.have.length(4);
        for (const [bank, values] of Object.entries(real)) {
          for (let i = 0; i <= 7; i++) expect(j.pcrs[bank]?.[String(i)], `${bank} PCR${i}`).to.equal(values[String(i)]);
        }
        const v = await runCli('verify', log, ...args, '--json');
        const vj = JSON.parse(v.out) as VerifyJson;
        expect(vj.divergences, v.out).to.deep.equal([]);
        expect(vj.exact).to.equal(true);
        expect(vj.matchedEvents).to.equal(vj.firmwareEvents);
        expect(v.status).to.equal(0);
      });
    }
  }
});
