/**
 * Capture scopes (src/capture/processes.ts) clean up through tpm-backends' shared registry: many
 * open at once add one listener per signal to `process` (the 11 concurrent captures of
 * disk-interfaces.integration.spec.ts tripped Node's MaxListenersExceededWarning with one each),
 * and a signal still kills every scope's children and removes every scratch directory.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { expect } from 'chai';
import { Scope } from '../src/capture/processes.ts';

const EVENTS = ['exit', 'SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const listeners = (): number[] => EVENTS.map((e) => process.listenerCount(e));

/** True while `pid` runs (a zombie waiting to be reaped counts as gone). */
const alive = (pid: number): boolean => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

describe('capture Scope: process listeners and signal cleanup', function () {
  this.timeout(20_000);

  it('twelve open scopes add at most one listener per event to process; closing them removes it', async () => {
    const before = listeners();
    const scopes = Array.from({ length: 12 }, () => new Scope('tcg2sim-scope-spec-'));
    const open = listeners();
    open.forEach((n, i) => expect(n - (before[i] ?? 0), EVENTS[i]).to.be.within(0, 1));
    expect(scopes.every((s) => existsSync(s.dir))).to.equal(true);
    await Promise.all(scopes.map((s) => s.close()));
    expect(listeners()).to.deep.equal(before);
    expect(scopes.some((s) => existsSync(s.dir))).to.equal(false);
  });

  for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
    it(`${signal} to a process with twelve scopes, each with a child: every child killed, every directory removed, no listener warning`, async function () {
      const scopeUrl = new URL('../src/capture/processes.js', import.meta.url).href;
      const script = `
        const { Scope } = await import(${JSON.stringify(scopeUrl)});
        const info = [];
        for (let i = 0; i < 12; i++) {
          const s = new Scope('tcg2sim-scope-spec-');
          const m = await s.start('sleeper', process.execPath, ['-e', 'setTimeout(() => {}, 600000)']);
          info.push({ pid: m.child.pid, dir: s.dir });
        }
        process.stdout.write(JSON.stringify(info) + '\\n');
        setInterval(() => {}, 1000);
      `;
      const proc = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      proc.stderr.on('data', (b: Buffer) => { err += b.toString(); });
      const exited = new Promise<string | null>((resolve) => proc.once('exit', (_c, s) => { resolve(s); }));
      const info = await new Promise<{ pid: number; dir: string }[]>((resolve, reject) => {
        let out = '';
        proc.stdout.on('data', (b: Buffer) => {
          out += b.toString();
          if (out.includes('\n')) resolve(JSON.parse(out) as { pid: number; dir: string }[]);
        });
        proc.once('exit', () => { reject(new Error(`child exited early: ${out} ${err}`)); });
      });
      expect(info).to.have.length(12);
      expect(info.every((c) => alive(c.pid) && existsSync(c.dir))).to.equal(true);
      proc.kill(signal);
      expect(await exited).to.equal(signal);
      for (let i = 0; i < 50 && info.some((c) => alive(c.pid)); i++) await new Promise((r) => setTimeout(r, 40));
      expect(info.filter((c) => alive(c.pid))).to.deep.equal([]);
      expect(info.filter((c) => existsSync(c.dir))).to.deep.equal([]);
      expect(err).to.not.contain('MaxListenersExceededWarning');
    });
  }
});
