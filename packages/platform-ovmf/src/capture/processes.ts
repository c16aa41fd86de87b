/**
 * The child processes and temporary directory of one capture, and their cleanup on every exit
 * path: normal return, thrown error, timeout, SIGINT/SIGTERM/SIGHUP, and process exit (through
 * tpm-backends' shared registry: one listener per signal however many captures run at once).
 * Only the processes this capture started are signalled, by their own pid.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess, StdioOptions } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerCleanup } from '@tcg2sim/tpm-backends';
import { CaptureError } from './errors.ts';

/** A started child and a promise of its exit. */
export interface Managed {
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or the signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  /** True once the process has exited. */
  hasExited(): boolean;
  /** Everything the process wrote to stderr so far (when stderr is piped). */
  stderr(): string;
}

/** The processes and scratch directory of one capture. Call {@link Scope.close} in a `finally`. */
export class Scope {
  /** The capture's private temporary directory. */
  readonly dir: string;
  readonly #children: Managed[] = [];
  #closed = false;
  #interrupted: NodeJS.Signals | undefined;
  /** Unregisters the last-resort cleanup (the registry re-raises a signal once every action ran). */
  readonly #detach: () => void;

  constructor(prefix = 'tcg2sim-capture-') {
    this.dir = mkdtempSync(join(tmpdir(), prefix));
    this.#detach = registerCleanup((sig) => {
      if (sig !== undefined) this.#interrupted = sig;
      this.#killAllNow();
      this.#removeDir();
    });
  }

  /** The signal that interrupted this capture, if any. */
  get interrupted(): NodeJS.Signals | undefined {
    return this.#interrupted;
  }

  /** A path inside the scratch directory. */
  path(name: string): string {
    return join(this.dir, name);
  }

  /**
   * Starts `command` with `args`. stdout/stderr handling follows `stdio` (default: ignore stdin and
   * stdout, pipe stderr, which is kept). A piped stdout must be read by the caller, or the child
   * blocks once the pipe is full.
   * @throws CaptureError('SPAWN_FAILED') when the program cannot be started.
   */
  async start(name: string, command: string, args: readonly string[], stdio: StdioOptions = ['ignore', 'ignore', 'pipe']): Promise<Managed> {
    if (this.#closed) throw new CaptureError('INTERRUPTED', `capture already closed; not starting ${name}`);
    const child = spawn(command, [...args], { stdio });
    let code: number | string | undefined;
    let errText = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => {
      if (errText.length < 1_000_000) errText += d;
    });
    const exited = new Promise<number | string>((resolve) => {
      child.once('exit', (c, s) => {
        code = c ?? s ?? 'unknown';
        resolve(code);
      });
      child.once('error', () => {
        code ??= 'spawn-error';
        resolve(code);
      });
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => {
        resolve();
      });
      child.once('error', (e) => {
        reject(new CaptureError('SPAWN_FAILED', `cannot start ${command}: ${e.message}`, { cause: e }));
      });
    });
    const m: Managed = {
      name,
      child,
      exited,
      hasExited: () => code !== undefined,
      stderr: () => errText,
    };
    this.#children.push(m);
    return m;
  }

  /** Sends `signal` to `m` (if still running) and waits for it to exit, escalating to SIGKILL after `graceMs`. */
  async stop(m: Managed, signal: NodeJS.Signals = 'SIGTERM', graceMs = 5_000): Promise<void> {
    if (m.hasExited()) return;
    m.child.kill(signal);
    const timer = setTimeout(() => {
      if (!m.hasExited()) m.child.kill('SIGKILL');
    }, graceMs);
    await m.exited;
    clearTimeout(timer);
  }

  /** Stops every child still running, removes the scratch directory, and detaches the signal handlers. */
  async close(keepDir = false): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all(this.#children.map((m) => this.stop(m, 'SIGKILL', 1_000)));
    if (!keepDir) this.#removeDir();
    this.#detach();
  }

  #killAllNow(): void {
    for (const m of this.#children) if (!m.hasExited()) m.child.kill('SIGKILL');
  }

  #removeDir(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
