/**
 * `predict` notes what it assumed: the variable store when `--code` comes without `--vars`, and
 * an SMM build predicted without `--smm` (or `--smm` with an image that is not one). Debian's
 * OVMF_CODE_4M.secboot.fd is built with SMM_REQUIRE, OVMF_CODE_4M.fd without it.
 */
import { join } from 'node:path';
import { expect } from 'chai';
import { OVMF_DIR, requirePrerequisites, tempDir } from '@tcg2sim/test-support';
import { runCli } from './harness.ts';

const CODE = join(OVMF_DIR, 'OVMF_CODE_4M.fd');
const SECBOOT = join(OVMF_DIR, 'OVMF_CODE_4M.secboot.fd');
const VARS = join(OVMF_DIR, 'OVMF_VARS_4M.fd');

const notes = (out: string): string[] => out.split('\n').filter((l) => l.startsWith('note: ')).map((l) => l.slice(6));

describe('tcg2sim predict notes its assumptions @integration', function () {
  this.timeout(60_000);
  let dir: { path: string; remove: () => void };
  before(function () {
    dir = tempDir('tcg2sim-cli-notes-');
    requirePrerequisites(this, { files: [CODE, SECBOOT, VARS] });
  });
  after(() => dir.remove());

  it('--code without --vars: a note names the empty store it booted with, and the log is that of the blank OVMF_VARS_4M.fd', async () => {
    const bare = join(dir.path, 'bare.log');
    const withVars = join(dir.path, 'vars.log');
    const r = await runCli('predict', '--code', CODE, '--log-out', bare);
    expect(r.status, r.err).to.equal(0);
    expect(notes(r.out)[0]).to.match(/^no --vars: booted with an empty variable store/);
    // --yaml keeps stdout tpm2_eventlog's YAML: the note goes to stderr
    const y = await runCli('predict', '--code', CODE, '--yaml');
    expect(y.err).to.match(/^tcg2sim: note: no --vars: booted with an empty variable store/);
    expect(y.out).to.match(/^---\nversion: 1\n/);
    const v = await runCli('predict', '--code', CODE, '--vars', VARS, '--log-out', withVars, '--json');
    expect((JSON.parse(v.out) as { notes: string[] }).notes.some((n) => n.startsWith('no --vars'))).to.equal(false);
    expect((await runCli('eventlog', bare, '--diff', withVars)).out.split('\n')[0]).to.match(/^logs identical/);
  });

  it('an SMM build without --smm is noted (text and JSON); with --smm it is not', async () => {
    const r = await runCli('predict', '--code', SECBOOT, '--vars', VARS);
    expect(r.status, r.err).to.equal(0);
    expect(notes(r.out).filter((n) => n.includes('SMM build') && n.includes('without --smm'))).to.have.length(1);
    const j = await runCli('predict', '--code', SECBOOT, '--vars', VARS, '--json');
    expect((JSON.parse(j.out) as { notes: string[] }).notes.some((n) => n.includes('without --smm'))).to.equal(true);
    const s = await runCli('predict', '--code', SECBOOT, '--vars', VARS, '--smm');
    expect(s.status, s.err).to.equal(0);
    expect(notes(s.out).filter((n) => n.includes('--smm'))).to.deep.equal([]);
  });

  it('--smm with an image that is not an SMM build is noted; without --smm nothing is', async () => {
    const r = await runCli('predict', '--code', CODE, '--vars', VARS, '--smm');
    expect(r.status, r.err).to.equal(0);
    expect(notes(r.out).filter((n) => n.startsWith('--smm: this image is not an SMM build'))).to.have.length(1);
    const plain = await runCli('predict', '--code', CODE, '--vars', VARS);
    expect(notes(plain.out).filter((n) => n.includes('SMM build') || n.includes('--smm'))).to.deep.equal([]);
  });
});
