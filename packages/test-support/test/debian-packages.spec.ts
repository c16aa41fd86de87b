/**
 * The set-up installs what the tests use: every program a test names in requirePrerequisites has
 * a Debian package (so its skip line names it), and scripts/debian-packages, the list
 * scripts/test-all.sh installs, holds every such package.
 */
import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FILE_PACKAGES, TOOL_PACKAGES, debianPackagesFor } from '@tcg2sim/test-support';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

function listed(): string[] {
  return readFileSync(join(root, 'scripts', 'debian-packages'), 'utf8')
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter((l) => l !== '');
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return n === 'node_modules' || n === 'dist' ? [] : sources(p);
    return n.endsWith('.ts') ? [p] : [];
  });
}

describe('Debian packages of the test prerequisites (scripts/debian-packages)', () => {
  it('lists every package a prerequisite maps to', () => {
    const list = listed();
    for (const p of [...Object.values(TOOL_PACKAGES), ...FILE_PACKAGES.map(([, pkg]) => pkg)]) expect(list, p).to.include(p);
  });

  it('knows the package of every program a test requires', () => {
    const named = new Set<string>();
    for (const f of sources(join(root, 'packages'))) {
      for (const m of readFileSync(f, 'utf8').matchAll(/tools: \[([^\]]*)\]/g)) {
        for (const t of (m[1] ?? '').matchAll(/'([^']+)'/g)) if (t[1] !== undefined) named.add(t[1]);
      }
    }
    expect(named.size).to.be.greaterThan(10);
    named.delete('npm'); // comes with Node.js, which the set-up checks but does not install
    for (const t of named) expect(debianPackagesFor([t]), t).to.have.length(1);
  });

  it('maps programs and OVMF files to their packages, once each', () => {
    expect(debianPackagesFor(['sbsign', 'sbverify', 'swtpm_setup', '/usr/share/OVMF/OVMF_CODE_4M.fd', '/usr/share/ovmf/PkKek-1-snakeoil.key', 'no-such-tool']))
      .to.deep.equal(['sbsigntool', 'swtpm-tools', 'ovmf']);
  });
});
