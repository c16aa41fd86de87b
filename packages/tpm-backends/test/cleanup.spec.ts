import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { requirePrerequisites } from '@tcg2sim/test-support';

const backendsUrl = import.meta.resolve('@tcg2sim/tpm-backends');

/** Starts a Node child that starts swtpm, prints its pid and state dir, then waits. */
function child(): { proc: ReturnType<typeof spawn>; info: Promise<{ pid: number; dir: string }> } {
  const script = `
    const { SwtpmBackend } = await import(${JSON.stringify(backendsUrl)});
    const b = await SwtpmBackend.start();
    await b.powerOn();
    process.stdout.write(JSON.stringify({ pid: b.pid, dir: b.stateDir }) + '\\n');
    setInterval(() => {}, 1000);
  `;
  const proc = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const info = new Promise<{ pid: number; dir: string }>((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('\n')) resolve(JSON.parse(out) as { pid: number; dir: string });
    });
    proc.once('exit', () => { reject(new Error(`child exited early: ${out}`)); });
  });
  return { proc, info };
}

/** True while `pid` runs (a zombie waiting to be reaped counts as gone). */
const alive = (pid: number): boolean => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 40));
  return !alive(pid);
}

describe('SwtpmBackend cleanup when Node ends @integration', function () {
  this.timeout(20000);
  before(function () {
    requirePrerequisites(this, { tools: ['swtpm'] });
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`kills swtpm and removes its state directory on ${signal}`, async () => {
      const { proc, info } = child();
      const { pid, dir } = await info;
      expect(alive(pid)).to.equal(true);
      expect(existsSync(dir)).to.equal(true);
      const exited = new Promise<string | null>((resolve) => proc.once('exit', (_c, s) => { resolve(s); }));
      proc.kill(signal);
      expect(await exited).to.equal(signal);
      expect(await gone(pid)).to.equal(true);
      expect(existsSync(dir)).to.equal(false);
    });
  }
});
