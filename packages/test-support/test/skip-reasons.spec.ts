/**
 * Skipped tests say why: a throwaway spec run by mocha in a child process, with the repository's
 * summary reporter and a tool hidden (TCG2SIM_TEST_HIDE), is checked line by line. Also: the
 * `after` hooks of a suite whose `before` skipped do not fail, tests that need nothing run, and
 * where nothing may be skipped (CI=true, TCG2SIM_TEST_STRICT=1) the reason is a failure.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tempDir } from '@tcg2sim/test-support';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..', '..', '..');
const reporter = join(root, 'scripts', 'summary-reporter.cjs');
const mochaBin = join(dirname(createRequire(import.meta.url).resolve('mocha/package.json')), 'bin', 'mocha.js');
const supportUrl = pathToFileURL(join(root, 'packages', 'test-support', 'dist', 'src', 'index.js')).href;

const FIXTURE = `
import { existsSync } from 'node:fs';
import { lazyTempDir, requirePrerequisites, skipBecause } from '${supportUrl}';
const made = [];
describe('a suite whose before hook needs sbsign', () => {
  const dir = lazyTempDir('tcg2sim-skip-fixture-');
  before(function () { requirePrerequisites(this, { tools: ['sbsign'] }); made.push(dir.path); });
  after(() => dir.remove());
  it('signs', () => undefined);
  describe('nested', () => { it('verifies', () => undefined); });
});
describe('prerequisites per test', () => {
  it('needs sbsign', function () { requirePrerequisites(this, { tools: ['sbsign', 'openssl'] }); });
  it('needs nothing', () => undefined);
  it('needs an OVMF image', function () { requirePrerequisites(this, { files: ['/usr/share/OVMF/no-such-image.fd'] }); });
  it('needs the fuzz build', function () { requirePrerequisites(this, { files: ['/nonexistent/jazzerjs.node'], hint: 'run fuzz/build.sh' }); });
});
describe('a beforeEach that skips', () => {
  beforeEach(function () { skipBecause(this, 'first line\\nsecond line'); });
  it('each', () => undefined);
});
it('skips without a reason', function () { this.skip(); });
after(() => { if (made.some((p) => existsSync(p))) throw new Error('temporary directory left behind'); });
`;

interface Run {
  readonly status: number | null;
  readonly out: string;
  readonly err: string;
}

/** A spec that needs a firmware image built locally from the EDK II source (never committed). */
const LOCAL_BUILD_FIXTURE = `
import { existsSync } from 'node:fs';
import { skipWithoutLocalBuild } from '${supportUrl}';
it('needs a local build', function () { if (!existsSync('/nonexistent/OVMF_CODE.fd')) skipWithoutLocalBuild(this, 'edk2-stable209912 X64 SMM', '/nonexistent/OVMF_CODE.fd'); });
`;

function runFixture(env: Record<string, string>, reporterPath = reporter, mochaArgs: readonly string[] = [], fixture = FIXTURE): Run {
  const dir = tempDir('tcg2sim-skip-test-');
  try {
    const spec = join(dir.path, 'fixture.spec.mjs');
    writeFileSync(spec, fixture);
    // A second file, so that --parallel has work for two workers.
    const other = join(dir.path, 'other.spec.mjs');
    writeFileSync(other, "describe('another file', () => { it('runs', () => undefined); });\n");
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'CI' && !k.startsWith('TCG2SIM_TEST_')));
    const r = spawnSync(process.execPath, [mochaBin, '--no-config', '--reporter', reporterPath, ...mochaArgs, spec, other], {
      encoding: 'utf8',
      cwd: dir.path,
      env: { ...base, NO_COLOR: '1', ...env },
    });
    return { status: r.status, out: r.stdout, err: r.stderr };
  } finally {
    dir.remove();
  }
}

/** The reporter's line for the test titled `title`, without indentation. */
function lineOf(out: string, title: string): string | undefined {
  return out.split('\n').map((l) => l.trim()).find((l) => l.startsWith(`- ${title} (`) || l.startsWith(`✔ ${title}`));
}

describe('skipped tests say why (scripts/summary-reporter.cjs, requirePrerequisites, skipBecause)', function () {
  this.timeout(60_000);

  for (const [mode, args] of [['', []], [' (mocha --parallel: the reasons come from the worker processes)', ['--parallel', '--jobs', '2']]] as const) {
  it(`lists each skipped test with one line naming what is missing and the Debian package, and runs what needs nothing${mode}`, () => {
    const r = runFixture({ TCG2SIM_TEST_HIDE: 'sbsign' }, reporter, args);
    expect(r.status, r.out + r.err).to.equal(0);
    expect(lineOf(r.out, 'signs')).to.equal('- signs (skipped: missing sbsign (apt-get install -y sbsigntool))');
    expect(lineOf(r.out, 'verifies')).to.equal('- verifies (skipped: missing sbsign (apt-get install -y sbsigntool))');
    expect(lineOf(r.out, 'needs sbsign')).to.equal('- needs sbsign (skipped: missing sbsign (apt-get install -y sbsigntool))');
    expect(lineOf(r.out, 'needs an OVMF image')).to.equal('- needs an OVMF image (skipped: missing /usr/share/OVMF/no-such-image.fd (apt-get install -y ovmf))');
    expect(lineOf(r.out, 'needs the fuzz build')).to.equal('- needs the fuzz build (skipped: missing /nonexistent/jazzerjs.node (run fuzz/build.sh))');
    expect(lineOf(r.out, 'each')).to.equal('- each (skipped: first line; second line)');
    expect(lineOf(r.out, 'skips without a reason')).to.equal('- skips without a reason (skipped: no reason given)');
    expect(lineOf(r.out, 'needs nothing')).to.match(/^✔ needs nothing/);
    // The after hooks ran without failing (no directory was made, none is left).
    expect(r.out).to.not.match(/"after all" hook/);
    expect(lineOf(r.out, 'runs')).to.match(/^✔ runs/);
    expect(r.out.trimEnd().split('\n').at(-1)).to.equal('2 passed, 0 failed, 7 skipped');
    expect(r.err).to.equal('');
  });
  }

  it('without the summary reporter, says each distinct reason once on stderr', () => {
    const r = runFixture({ TCG2SIM_TEST_HIDE: 'sbsign' }, 'dot');
    expect(r.status).to.equal(0);
    const notices = r.err.trim().split('\n');
    expect(notices).to.deep.equal([
      'NOTICE: skipping tests: missing sbsign (apt-get install -y sbsigntool)',
      'NOTICE: skipping tests: missing /usr/share/OVMF/no-such-image.fd (apt-get install -y ovmf)',
      'NOTICE: skipping tests: missing /nonexistent/jazzerjs.node (run fuzz/build.sh)',
      'NOTICE: skipping tests: first line; second line',
    ]);
  });

  it('issue #14: the tcg2sim pe suite without sbsign and pesign passes what needs neither, and its after hooks do not fail', function () {
    const spec = join(root, 'packages', 'cli', 'dist', 'test', 'pe.spec.js');
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'CI' && !k.startsWith('TCG2SIM_TEST_')));
    const r = spawnSync(process.execPath, [mochaBin, '--no-config', '--reporter', reporter, spec], {
      encoding: 'utf8',
      cwd: root,
      env: { ...base, NO_COLOR: '1', TCG2SIM_TEST_HIDE: 'sbsign,pesign' },
    });
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    expect(lineOf(r.stdout, 'refuses a file that is not a PE or TE image')).to.match(/^✔/);
    expect(lineOf(r.stdout, 'refuses a missing file and an unknown --origin')).to.match(/^✔/);
    const skipped = r.stdout.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('- '));
    expect(skipped.length).to.be.greaterThan(5);
    for (const l of skipped) expect(l).to.match(/\(skipped: missing (sbsign|pesign)[^)]*\(apt-get install -y [a-z -]+\)\)$/);
    expect(r.stdout).to.not.include('"after all" hook');
  });

  for (const [name, env] of [['', {}], [', under CI=true too', { CI: 'true' }]] as const) {
    it(`a locally built firmware image that is absent skips with one line naming the build and the file${name} (skipWithoutLocalBuild)`, () => {
      const r = runFixture(env, reporter, [], LOCAL_BUILD_FIXTURE);
      expect(r.status, r.out + r.err).to.equal(0);
      expect(lineOf(r.out, 'needs a local build')).to.equal('- needs a local build (skipped: local build edk2-stable209912 X64 SMM absent: /nonexistent/OVMF_CODE.fd (made from the EDK II source, never committed; not in CI))');
      expect(r.out.trimEnd().split('\n').at(-1)).to.equal('1 passed, 0 failed, 1 skipped');
    });
  }

  for (const [name, env] of [['CI=true', { CI: 'true' }], ['TCG2SIM_TEST_STRICT=1 (scripts/test-all.sh)', { TCG2SIM_TEST_STRICT: '1' }]] as const) {
    it(`fails instead of skipping under ${name}, with the reason`, () => {
      const r = runFixture({ TCG2SIM_TEST_HIDE: 'sbsign', ...env });
      expect(r.status).to.not.equal(0);
      expect(r.out).to.include('cannot skip: missing sbsign (apt-get install -y sbsigntool)');
      expect(r.out).to.include('cannot skip: first line; second line');
      // 'needs nothing' still passed; the bare this.skip() stays a (reported) skip.
      expect(r.out.trimEnd().split('\n').at(-1)).to.match(/^2 passed, [1-9]\d* failed, 1 skipped$/);
    });
  }
});
