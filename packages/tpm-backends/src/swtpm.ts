/**
 * SwtpmBackend: a real libtpms TPM 2.0 behind swtpm's TCP data socket and control channel, the
 * way QEMU's tpm-emulator backend drives it (docs/architecture.md §3). Each backend owns one swtpm process,
 * its two 127.0.0.1 ports and its state directory, and removes all three on close(), on errors
 * while starting, when the swtpm process dies, and (via cleanup.ts) when Node exits or is
 * interrupted.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TpmBackend } from './backend.ts';
import { registerCleanup } from './cleanup.ts';
import { TpmBackendError, aframeable, alocality } from './errors.ts';
import { HASH_DATA_MAX, SWTPM_CMD, SocketReader, ctrlRequest, ctrlResponseLength, hashDataBody, u32Body } from './swtpm-ctrl.ts';

/** Options of {@link SwtpmBackend.start}. */
export interface SwtpmOptions {
  /** The swtpm program (default `swtpm` on PATH). */
  readonly swtpm?: string;
  /** The swtpm_setup program (default `swtpm_setup` on PATH). */
  readonly swtpmSetup?: string;
  /**
   * PCR banks to activate with `swtpm_setup --pcr-banks` before start (`['sha256']`). Without it
   * the TPM manufactures itself on first start with all four banks active (docs/edk2-pei.md §5.3).
   */
  readonly pcrBanks?: readonly string[];
  /** Use (and keep) this state directory instead of a fresh temporary one. */
  readonly stateDir?: string;
  /** Timeout of each command and control request in ms (default 30000). */
  readonly timeoutMs?: number;
  /** How long to wait for swtpm to listen, in ms (default 10000). */
  readonly startTimeoutMs?: number;
}

const MAX_RESPONSE = 1 << 16;
const START_ATTEMPTS = 5;

/** Two distinct free TCP ports on 127.0.0.1 (bind port 0, read, release). */
async function freePorts(n: number): Promise<number[]> {
  const servers = Array.from({ length: n }, () => createServer());
  try {
    return await Promise.all(
      servers.map(
        (s) =>
          new Promise<number>((resolve, reject) => {
            s.once('error', reject);
            s.listen(0, '127.0.0.1', () => {
              resolve((s.address() as AddressInfo).port);
            });
          })
      )
    );
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => { resolve(); }))));
  }
}

function connect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = new Socket();
    s.once('error', (e) => {
      s.destroy();
      reject(e);
    });
    s.connect(port, '127.0.0.1', () => {
      s.removeAllListeners('error');
      s.setNoDelay(true);
      resolve(s);
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => { reject(new TpmBackendError('TIMEOUT', `${what} took longer than ${ms} ms`)); }, ms);
  });
  return Promise.race([p, t]).finally(() => { clearTimeout(timer); });
}

/** Runs a program to completion; rejects with its stderr on a non-zero exit. */
function run(cmd: string, args: readonly string[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { out += b.toString(); });
    const timer = setTimeout(() => { child.kill('SIGKILL'); }, timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new TpmBackendError('TRANSPORT', `${cmd}: ${e.message}`, { cause: e }));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new TpmBackendError('PROCESS_EXITED', `${cmd} exited with ${code ?? signal ?? '?'}: ${out.trim().slice(-500)}`));
    });
  });
}

/** A running swtpm (socket mode, TPM 2.0). Create with {@link SwtpmBackend.start}. */
export class SwtpmBackend implements TpmBackend {
  readonly kind = 'swtpm';
  readonly #child: ChildProcess;
  readonly #data: Socket;
  readonly #dataReader: SocketReader;
  readonly #ctrl: Socket;
  readonly #ctrlReader: SocketReader;
  readonly #stateDir: string;
  readonly #ownsDir: boolean;
  readonly #timeoutMs: number;
  readonly #unregister: () => void;
  #stderr: string;
  #exited = false;
  #closed = false;
  #closing: Promise<void> | undefined;
  #powered = false;
  #locality = 0;
  #queue: Promise<unknown> = Promise.resolve();
  /** The data and control ports (for diagnostics and for attaching other clients). */
  readonly ports: { readonly server: number; readonly ctrl: number };

  private constructor(p: {
    child: ChildProcess; data: Socket; ctrl: Socket; stateDir: string; ownsDir: boolean; timeoutMs: number;
    ports: { server: number; ctrl: number }; stderr: string; unregister: () => void;
  }) {
    this.#child = p.child;
    this.#data = p.data;
    this.#ctrl = p.ctrl;
    this.#dataReader = new SocketReader(p.data);
    this.#ctrlReader = new SocketReader(p.ctrl);
    this.#stateDir = p.stateDir;
    this.#ownsDir = p.ownsDir;
    this.#timeoutMs = p.timeoutMs;
    this.ports = p.ports;
    this.#stderr = p.stderr;
    this.#unregister = p.unregister;
    p.child.stderr?.on('data', (b: Buffer) => { this.#stderr = (this.#stderr + b.toString()).slice(-4000); });
    p.child.once('exit', () => {
      this.#exited = true;
      const err = new TpmBackendError('PROCESS_EXITED', `swtpm exited: ${this.#stderr.trim().slice(-500)}`);
      this.#dataReader.fail(err);
      this.#ctrlReader.fail(err);
      void this.close();
    });
  }

  /** The swtpm process id (for diagnostics). */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** The state directory swtpm writes to. */
  get stateDir(): string {
    return this.#stateDir;
  }

  /**
   * Starts swtpm on free 127.0.0.1 ports (retrying when a port was taken meanwhile) and connects
   * to it. The TPM is not powered yet: call {@link powerOn}.
   * @throws TpmBackendError PROCESS_EXITED / TIMEOUT / TRANSPORT when swtpm cannot be started
   */
  static async start(options: SwtpmOptions = {}): Promise<SwtpmBackend> {
    const ownsDir = options.stateDir === undefined;
    const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'tcg2sim-swtpm-'));
    const removeDir = (): void => { if (ownsDir) rmSync(stateDir, { recursive: true, force: true }); };
    const unregisterDir = registerCleanup(removeDir);
    const startTimeout = options.startTimeoutMs ?? 10000;
    try {
      if (options.pcrBanks !== undefined && options.pcrBanks.length > 0) {
        await run(options.swtpmSetup ?? 'swtpm_setup', ['--tpm2', '--tpmstate', stateDir, '--pcr-banks', options.pcrBanks.join(','), '--overwrite'], startTimeout);
      }
      let lastError: unknown;
      for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
        const [server, ctrl] = await freePorts(2);
        if (server === undefined || ctrl === undefined) throw new TpmBackendError('TRANSPORT', 'no free ports');
        try {
          return await SwtpmBackend.#launch(options, stateDir, ownsDir, { server, ctrl }, startTimeout, () => {
            unregisterDir();
          });
        } catch (e) {
          lastError = e;
          // A port taken between our probe and swtpm's bind makes swtpm exit: try other ports.
          if (!(e instanceof TpmBackendError) || e.code !== 'PROCESS_EXITED') throw e;
        }
      }
      throw lastError;
    } catch (e) {
      removeDir();
      unregisterDir();
      throw e;
    }
  }

  static async #launch(
    options: SwtpmOptions, stateDir: string, ownsDir: boolean, ports: { server: number; ctrl: number },
    startTimeout: number, releaseDirCleanup: () => void
  ): Promise<SwtpmBackend> {
    const args = [
      'socket', '--tpm2',
      '--tpmstate', `dir=${stateDir}`,
      '--server', `type=tcp,port=${ports.server},bindaddr=127.0.0.1`,
      '--ctrl', `type=tcp,port=${ports.ctrl},bindaddr=127.0.0.1`,
    ];
    const child = spawn(options.swtpm ?? 'swtpm', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    const state = { exited: false };
    const onErr = (b: Buffer): void => { stderr = (stderr + b.toString()).slice(-4000); };
    child.stderr.on('data', onErr);
    const exitWait = new Promise<void>((resolve) => child.once('exit', () => { state.exited = true; resolve(); }));
    child.once('error', (e) => { stderr += e.message; state.exited = true; });
    const kill = (): void => { if (!state.exited) child.kill('SIGKILL'); };
    const unregisterKill = registerCleanup(kill);
    try {
      const deadline = Date.now() + startTimeout;
      let ctrl: Socket | undefined;
      while (ctrl === undefined) {
        if (state.exited) throw new TpmBackendError('PROCESS_EXITED', `swtpm exited while starting: ${stderr.trim().slice(-500)}`);
        if (Date.now() > deadline) throw new TpmBackendError('TIMEOUT', `swtpm did not listen within ${startTimeout} ms`);
        try {
          ctrl = await connect(ports.ctrl);
        } catch {
          await Promise.race([sleep(20), exitWait]);
        }
      }
      const data = await connect(ports.server).catch((e: unknown) => {
        ctrl.destroy();
        throw new TpmBackendError('TRANSPORT', `cannot connect to the swtpm data port ${ports.server}`, { cause: e });
      });
      child.stderr.off('data', onErr);
      return new SwtpmBackend({
        child, data, ctrl, stateDir, ownsDir, timeoutMs: options.timeoutMs ?? 30000, ports, stderr,
        unregister: () => { unregisterKill(); releaseDirCleanup(); },
      });
    } catch (e) {
      kill();
      unregisterKill();
      throw e;
    }
  }

  #check(needPower: boolean): void {
    if (this.#closed) throw new TpmBackendError('CLOSED', 'backend closed');
    if (this.#exited) throw new TpmBackendError('PROCESS_EXITED', `swtpm exited: ${this.#stderr.trim().slice(-500)}`);
    if (needPower && !this.#powered) throw new TpmBackendError('NOT_POWERED', 'TPM is not powered on');
  }

  /**
   * Serializes operations on the two channels. A timeout leaves a channel out of step (the late
   * answer would be taken for the next one), so it closes the backend.
   */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const guarded = async (): Promise<T> => {
      try {
        return await fn();
      } catch (e) {
        if (e instanceof TpmBackendError && e.code === 'TIMEOUT') void this.close();
        throw e;
      }
    };
    const next = this.#queue.then(guarded, guarded);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /** Sends one control request and returns its response (the ptm_res checked when `check`). */
  async #control(cmd: SWTPM_CMD, body?: Uint8Array, check = true): Promise<Uint8Array> {
    this.#ctrl.write(ctrlRequest(cmd, body));
    const rsp = await withTimeout(this.#ctrlReader.read(ctrlResponseLength(cmd)), this.#timeoutMs, `swtpm control command ${cmd}`);
    const res = new DataView(rsp.buffer, rsp.byteOffset, 4).getUint32(0);
    if (check && res !== 0 && cmd !== SWTPM_CMD.GET_CAPABILITY) {
      throw new TpmBackendError(cmd === SWTPM_CMD.SET_LOCALITY ? 'BAD_LOCALITY' : 'TRANSPORT', `swtpm control command ${cmd} failed with 0x${res.toString(16)}`);
    }
    return rsp;
  }

  /** The PTM_CAP_* bits swtpm supports (CMD_GET_CAPABILITY). */
  capabilities(): Promise<number> {
    return this.#serial(async () => {
      this.#check(false);
      const rsp = await this.#control(SWTPM_CMD.GET_CAPABILITY);
      return new DataView(rsp.buffer, rsp.byteOffset, 8).getUint32(4);
    });
  }

  /** CMD_INIT: _TPM_Init. Also resets the locality to 0. */
  powerOn(): Promise<void> {
    return this.#serial(async () => {
      this.#check(false);
      await this.#control(SWTPM_CMD.INIT, u32Body(0));
      this.#powered = true;
      this.#locality = 0;
      await this.#control(SWTPM_CMD.SET_LOCALITY, Uint8Array.of(0));
    });
  }

  /**
   * CMD_SET_BUFFERSIZE, as QEMU's tpm-emulator sends it before CMD_INIT: the TPM's I/O buffer
   * size (4096 for tpm-tis, 0xF80 for tpm-crb), which libtpms reports as
   * TPM_PT_MAX_COMMAND_SIZE / MAX_RESPONSE_SIZE. The TPM is stopped first; power it on after.
   * @returns the buffer size swtpm settled on
   */
  setBufferSize(size: number): Promise<number> {
    return this.#serial(async () => {
      this.#check(false);
      if (this.#powered) {
        await this.#control(SWTPM_CMD.STOP);
        this.#powered = false;
      }
      const rsp = await this.#control(SWTPM_CMD.SET_BUFFERSIZE, u32Body(size));
      return new DataView(rsp.buffer, rsp.byteOffset, 16).getUint32(4);
    });
  }

  /** CMD_STOP: the TPM stops (volatile state lost), swtpm keeps running. */
  powerOff(): Promise<void> {
    return this.#serial(async () => {
      this.#check(false);
      if (!this.#powered) return;
      await this.#control(SWTPM_CMD.STOP);
      this.#powered = false;
    });
  }

  /**
   * Sends `command` at `locality`. swtpm frames commands by read(): commands shorter than the
   * 10-byte header cannot be delivered and are rejected with TRANSPORT ({@link aframeable}).
   */
  transmit(command: Uint8Array, locality: number): Promise<Uint8Array> {
    return this.#serial(async () => {
      this.#check(true);
      alocality(locality);
      aframeable(command);
      if (locality !== this.#locality) {
        await this.#control(SWTPM_CMD.SET_LOCALITY, Uint8Array.of(locality));
        this.#locality = locality;
      }
      this.#data.write(command);
      return withTimeout(this.#dataReader.readTpmResponse(MAX_RESPONSE), this.#timeoutMs, 'TPM command');
    });
  }

  /** CMD_CANCEL_TPM_CMD (a no-op when the TPM is off). */
  cancel(): Promise<void> {
    return this.#serial(async () => {
      this.#check(false);
      if (!this.#powered) return;
      await this.#control(SWTPM_CMD.CANCEL_TPM_CMD, undefined, false);
    });
  }

  /**
   * CMD_HASH_START, CMD_HASH_DATA (in pieces of at most 4096 bytes), CMD_HASH_END at locality 4.
   * libtpms: before TPM2_Startup this is the H-CRTM (PCR0 := Extend(0…04, H(data)) in every
   * allocated bank); after Startup it is a DRTM event (PCR 17-22 reset, PCR17 extended).
   */
  hcrtm(data: Uint8Array): Promise<void> {
    return this.#serial(async () => {
      this.#check(true);
      if (this.#locality !== 4) {
        await this.#control(SWTPM_CMD.SET_LOCALITY, Uint8Array.of(4));
        this.#locality = 4;
      }
      await this.#control(SWTPM_CMD.HASH_START);
      for (let i = 0; i < data.length; i += HASH_DATA_MAX) {
        await this.#control(SWTPM_CMD.HASH_DATA, hashDataBody(data.subarray(i, i + HASH_DATA_MAX)));
      }
      await this.#control(SWTPM_CMD.HASH_END);
    });
  }

  /**
   * CMD_SHUTDOWN (swtpm exits), then kill it if needed and remove its state directory. Every
   * call resolves when the one cleanup has finished.
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    this.#closed = true;
    if (!this.#exited) {
      try {
        this.#ctrl.write(ctrlRequest(SWTPM_CMD.SHUTDOWN));
        await withTimeout(this.#ctrlReader.read(4), 1000, 'CMD_SHUTDOWN');
      } catch {
        // the process is killed below anyway
      }
    }
    this.#data.destroy();
    this.#ctrl.destroy();
    if (!this.#exited) {
      const gone = new Promise<void>((resolve) => {
        if (this.#child.exitCode !== null || this.#child.signalCode !== null) resolve();
        else this.#child.once('exit', () => { resolve(); });
      });
      const timer = setTimeout(() => { this.#child.kill('SIGKILL'); }, 1000);
      await gone;
      clearTimeout(timer);
    }
    if (this.#ownsDir) rmSync(this.#stateDir, { recursive: true, force: true });
    this.#unregister();
  }
}
