/**
 * scripts/test-all.sh, the README's test command, on a machine where it may not install: not
 * root and no password-less sudo. It must name exactly the missing Debian packages and the
 * apt-get line, then stop (exit 1) before anything else. `id`, `sudo` and `dpkg-query` are
 * replaced by stubs on PATH (dpkg-query reports two packages as not installed).
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '@tcg2sim/test-support';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

function stub(dir: string, name: string, body: string): void {
  const f = join(dir, name);
  writeFileSync(f, `#!/bin/sh\n${body}\n`);
  chmodSync(f, 0o755);
}

describe('scripts/test-all.sh without root or sudo', () => {
  it('prints the missing Debian packages and the apt-get line to run, then stops', () => {
    const tmp = tempDir('tcg2sim-test-all-');
    try {
      stub(tmp.path, 'id', 'echo 1000');
      stub(tmp.path, 'sudo', 'exit 1');
      stub(tmp.path, 'dpkg-query', 'case "$3" in sbsigntool|brotli) exit 1;; *) printf "install ok installed";; esac');
      // npm and node would be the next steps: they must not run.
      stub(tmp.path, 'npm', `touch ${tmp.path}/npm-ran`);
      const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'CI'));
      const r = spawnSync(join(root, 'scripts', 'test-all.sh'), [], { encoding: 'utf8', env: { ...env, PATH: `${tmp.path}:${process.env['PATH'] ?? ''}` } });
      expect(r.status, r.stdout + r.stderr).to.equal(1);
      expect(r.stderr.trim().split('\n')).to.deep.equal([
        'test-all: missing Debian packages: sbsigntool brotli',
        'test-all: install them, then run this again:  sudo apt-get install -y sbsigntool brotli',
      ]);
      expect(r.stdout).to.equal('');
      expect(spawnSync('test', ['-e', join(tmp.path, 'npm-ran')]).status).to.equal(1);
    } finally {
      tmp.remove();
    }
  });

  it('under CI (CI=true) a set-up that cannot install still ends with the summary line "0 passed, 1 failed"', () => {
    const tmp = tempDir('tcg2sim-test-all-ci-');
    try {
      stub(tmp.path, 'id', 'echo 1000');
      stub(tmp.path, 'sudo', 'exit 1');
      stub(tmp.path, 'dpkg-query', 'case "$3" in ovmf) exit 1;; *) printf "install ok installed";; esac');
      const r = spawnSync(join(root, 'scripts', 'test-all.sh'), [], { encoding: 'utf8', env: { ...process.env, CI: 'true', PATH: `${tmp.path}:${process.env['PATH'] ?? ''}` } });
      expect(r.status).to.equal(1);
      expect(r.stderr).to.include('sudo apt-get install -y ovmf');
      expect(r.stdout.trimEnd().split('\n').at(-1)).to.equal('0 passed, 1 failed');
    } finally {
      tmp.remove();
    }
  });

  it('is what CI runs (.ci/run) and what the README gives as the test command', () => {
    expect(readFileSync(join(root, '.ci', 'run'), 'utf8')).to.match(/^exec scripts\/test-all\.sh$/m);
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    expect(firstBlock).to.match(/^scripts\/test-all\.sh\b/m);
  });
});
