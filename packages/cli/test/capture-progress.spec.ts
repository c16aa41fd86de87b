/**
 * `tcg2sim capture`'s progress display: a cli-progress bar on a terminal stderr, the plain lines
 * elsewhere, never anything on stdout. Unit cases feed the display a capture's progress events;
 * the process cases run the real CLI with stderr a pseudo-terminal (util-linux `script`) and a
 * pipe, on a capture that fails fast (QEMU refuses an option) after the set-up and boot steps.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { CaptureProgress } from '@tcg2sim/platform-ovmf';
import { lazyTempDir, OVMF_DIR, requirePrerequisites } from '@tcg2sim/test-support';
import { captureProgressDisplay } from '../src/commands/capture-progress.ts';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..', '..');

/** A terminal-like stream: isTTY, 120 columns, everything written kept. */
function fakeTty(): { stream: Writable & { isTTY: boolean; columns: number }; text: () => string } {
  const chunks: string[] = [];
  const stream = Object.assign(
    new Writable({
      write(chunk: Buffer | string, _enc, done) {
        chunks.push(chunk.toString());
        done();
      },
    }),
    { isTTY: true, columns: 120 }
  );
  return { stream, text: () => chunks.join('') };
}

const EVENTS: readonly CaptureProgress[] = [
  { phase: 'setup', elapsedSeconds: 0, message: 'starting swtpm (fresh state, all banks)' },
  { phase: 'boot', elapsedSeconds: 0.1, message: 'booting QEMU' },
  { phase: 'boot', elapsedSeconds: 1.1, serialBytes: 100, message: 'booting (100 bytes of serial output)' },
  { phase: 'boot', elapsedSeconds: 2.1, serialBytes: 900, message: 'booting (900 bytes of serial output)' },
  { phase: 'dump', elapsedSeconds: 20, message: 'boot stopped at shell-banner; saving guest RAM' },
  { phase: 'pcrs', elapsedSeconds: 21, message: 'reading PCRs from swtpm' },
  { phase: 'done', elapsedSeconds: 22, message: 'captured 40 events' },
];

// Cursor movement and line clearing: what only a terminal should get.
const CURSOR = /\x1b\[\d*[GK]|\x1b[78]/;

describe('tcg2sim capture: progress display', () => {
  it('on a terminal: a cli-progress bar on stderr through the five steps, ended with a newline; nothing on stdout', () => {
    const tty = fakeTty();
    let out = '';
    let err = '';
    const d = captureProgressDisplay({ out: (t) => { out += t; }, err: (t) => { err += t; }, errTty: tty.stream });
    for (const e of EVENTS) d.update(e);
    d.stop();
    d.stop(); // idempotent
    const text = tty.text();
    expect(text).to.match(CURSOR);
    expect(text).to.include('capture [====----------------] 1/5 setup');
    expect(text).to.include('5/5 done');
    expect(text).to.include('| captured 40 events');
    expect(text.endsWith('\n')).to.equal(true);
    expect(out).to.equal('');
    expect(err).to.equal('');
  });

  it('elsewhere: the timestamped lines on stderr, boot ticks at most every 5 s, no cursor control', () => {
    let err = '';
    const d = captureProgressDisplay({ out: () => expect.fail('stdout'), err: (t) => { err += t; } });
    for (const e of EVENTS) d.update(e);
    d.stop();
    const lines = err.replace(/\x1b\[\d+m/g, '').trimEnd().split('\n');
    expect(lines).to.deep.equal([
      '[   0.0 s] starting swtpm (fresh state, all banks)',
      '[   0.1 s] booting QEMU',
      '[  20.0 s] boot stopped at shell-banner; saving guest RAM',
      '[  21.0 s] reading PCRs from swtpm',
      '[  22.0 s] captured 40 events',
    ]);
    expect(err).to.not.match(CURSOR);
  });

  describe('the real command @integration', function () {
    this.timeout(120_000);
    const tmp = lazyTempDir('tcg2sim-capture-progress-');
    after(() => tmp.remove());
    const code = join(OVMF_DIR, 'OVMF_CODE_4M.fd');
    const vars = join(OVMF_DIR, 'OVMF_VARS_4M.fd');
    // QEMU exits at once on an unknown option: set-up and boot steps, then exit 1.
    const args = ['capture', '--code', code, '--vars', vars, '--no-predict', '--json', '--qemu-arg', '-tcg2sim-no-such-option'];

    it('stderr a terminal (script(1)): the bar, then the one-line failure; the --json stdout (redirected) untouched', function () {
      requirePrerequisites(this, { tools: ['script', 'swtpm', 'qemu-system-x86_64'], files: [code, vars] });
      const stdoutFile = join(tmp.path, 'stdout.txt');
      const cmd = [join(root, 'tcg2sim'), ...args, '--out', join(tmp.path, 'tty')].map((a) => `'${a}'`).join(' ');
      const r = spawnSync('script', ['-qec', `${cmd} > '${stdoutFile}'`, '/dev/null'], { encoding: 'utf8', env: { ...process.env, TERM: 'xterm' } });
      expect(r.status, r.stdout).to.equal(1);
      expect(r.stdout).to.match(CURSOR);
      expect(r.stdout).to.match(/capture \[[=-]+\] 2\/5 boot/);
      expect(r.stdout).to.match(/tcg2sim: capture failed \(QEMU_EXITED\)/);
      expect(readFileSync(stdoutFile, 'utf8')).to.equal('');
    });

    it('stderr a pipe: the timestamped lines and the failure, no cursor control', function () {
      requirePrerequisites(this, { tools: ['swtpm', 'qemu-system-x86_64'], files: [code, vars] });
      const r = spawnSync(join(root, 'tcg2sim'), [...args, '--out', join(tmp.path, 'pipe')], { encoding: 'utf8' });
      expect(r.status, r.stderr).to.equal(1);
      expect(r.stdout).to.equal('');
      expect(r.stderr).to.not.match(CURSOR);
      expect(r.stderr).to.match(/\] starting swtpm/);
      expect(r.stderr).to.match(/\] booting QEMU\n/);
      expect(r.stderr.trimEnd().split('\n').at(-1)).to.match(/^tcg2sim: capture failed \(QEMU_EXITED\)/);
    });
  });
});
