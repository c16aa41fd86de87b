/**
 * A QEMU started stopped with a qtest channel (`-S -qtest stdio`): no guest code runs;
 * the host drives port I/O, MMIO and guest memory with qtest's line protocol (QEMU docs/devel/qtest.rst:
 * `outb|outw|outl PORT VALUE`, `inb|inw|inl PORT`, `readb…readq ADDR`, `writeb…writeq ADDR VALUE`,
 * `write ADDR SIZE 0xHEX`, `b64read ADDR SIZE`;
 * each answered by one `OK [value]` or `FAIL …` line, asynchronous `IRQ …` lines between).
 */
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { FwCfgError } from './errors.ts';

/** How to start QEMU. */
export interface QtestOptions {
  /** Default qemu-system-x86_64. */
  readonly qemuBinary?: string;
  /**
   * The VM's own options (machine, memory, CPUs, TPM device, …): what decides the data QEMU
   * builds. Firmware (-bios, pflash), display and monitor options are best left out.
   */
  readonly args: readonly string[];
  /** Per-command answer timeout in milliseconds (default 10 000). */
  readonly timeoutMs?: number;
}

/** Longest answer line taken (a b64read of 1 MiB is ~1.4 MB). */
const MAX_LINE = 4 << 20;

/** One QEMU under qtest control; `close()` ends it. */
export class QtestSession {
  readonly #proc: ChildProcessWithoutNullStreams;
  readonly #pending: { resolve: (l: string) => void; reject: (e: Error) => void }[] = [];
  readonly #timeoutMs: number;
  #stderr = '';
  #exited: FwCfgError | undefined;

  private constructor(proc: ChildProcessWithoutNullStreams, timeoutMs: number) {
    this.#proc = proc;
    this.#timeoutMs = timeoutMs;
    const lines = createInterface({ input: proc.stdout, crlfDelay: Infinity });
    lines.on('line', (line) => {
      if (line.startsWith('IRQ')) return;
      this.#pending.shift()?.resolve(line);
    });
    proc.stderr.on('data', (d: Buffer) => {
      if (this.#stderr.length < 4096) this.#stderr += d.toString('utf8');
    });
    const fail = (e: FwCfgError): void => {
      this.#exited ??= e;
      for (const p of this.#pending.splice(0)) p.reject(e);
    };
    proc.on('error', (e) => fail(new FwCfgError('QEMU_FAILED', `cannot start QEMU: ${e.message}`, { cause: e })));
    proc.on('exit', (code, signal) => fail(new FwCfgError('QEMU_FAILED', `QEMU exited (${signal ?? `status ${String(code)}`}): ${this.#stderr.trim().split('\n')[0] ?? ''}`)));
  }

  /** Starts QEMU under qtest with the VM's `args`. */
  static async start(options: QtestOptions): Promise<QtestSession> {
    const bin = options.qemuBinary ?? 'qemu-system-x86_64';
    // Debian's QEMU has no qtest accelerator (`-accel qtest`: "invalid accelerator"): the VM is
    // created stopped (-S) under the default accelerator instead, so no guest code runs either.
    const args = [...options.args, '-S', '-qtest', 'stdio', '-qtest-log', '/dev/null', '-display', 'none', '-monitor', 'none'];
    const proc = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const s = new QtestSession(proc, options.timeoutMs ?? 10_000);
    // The first command's answer shows QEMU is up (it reads stdin once the machine is built).
    await s.command('inb 0x80');
    return s;
  }

  /** Sends one qtest command; resolves with what follows `OK` (may be empty). */
  command(line: string): Promise<string> {
    if (this.#exited !== undefined) return Promise.reject(this.#exited);
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new FwCfgError('QTEST_ERROR', `qtest: no answer to '${line}' within ${this.#timeoutMs} ms`)), this.#timeoutMs);
      this.#pending.push({
        resolve: (answer) => {
          clearTimeout(timer);
          if (answer.length > MAX_LINE) reject(new FwCfgError('QTEST_ERROR', `qtest: answer to '${line}' longer than ${MAX_LINE} characters`));
          else if (answer === 'OK' || answer.startsWith('OK ')) resolve(answer.slice(3));
          else reject(new FwCfgError('QTEST_ERROR', `qtest: '${line}' answered '${answer.slice(0, 200)}'`));
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.#proc.stdin.write(`${line}\n`);
    });
  }

  async out(width: 'b' | 'w' | 'l', port: number, value: number): Promise<void> {
    await this.command(`out${width} 0x${port.toString(16)} 0x${(value >>> 0).toString(16)}`);
  }

  async in(width: 'b' | 'w' | 'l', port: number): Promise<number> {
    const v = await this.command(`in${width} 0x${port.toString(16)}`);
    const n = Number.parseInt(v, 16);
    if (!/^0x[0-9a-fA-F]+$/.test(v) || !Number.isSafeInteger(n)) throw new FwCfgError('QTEST_ERROR', `qtest: in${width} answered '${v.slice(0, 40)}'`);
    return n;
  }

  /** MMIO read of 1, 2, 4 or 8 bytes (`readb|readw|readl|readq ADDR`), in the target's byte order. */
  async mmioRead(width: 'b' | 'w' | 'l' | 'q', address: bigint): Promise<bigint> {
    const v = await this.command(`read${width} 0x${address.toString(16)}`);
    if (!/^0x[0-9a-fA-F]{1,16}$/.test(v)) throw new FwCfgError('QTEST_ERROR', `qtest: read${width} answered '${v.slice(0, 40)}'`);
    return BigInt(v);
  }

  /** MMIO write of 1, 2, 4 or 8 bytes (`writeb|writew|writel|writeq ADDR VALUE`), as a CPU store of `value`. */
  async mmioWrite(width: 'b' | 'w' | 'l' | 'q', address: bigint, value: bigint): Promise<void> {
    await this.command(`write${width} 0x${address.toString(16)} 0x${value.toString(16)}`);
  }

  /** Writes guest memory. */
  async write(address: bigint, bytes: Uint8Array): Promise<void> {
    await this.command(`write 0x${address.toString(16)} 0x${bytes.length.toString(16)} 0x${Buffer.from(bytes).toString('hex')}`);
  }

  /** Reads guest memory. */
  async read(address: bigint, length: number): Promise<Uint8Array> {
    const b64 = await this.command(`b64read 0x${address.toString(16)} 0x${length.toString(16)}`);
    const bytes = Buffer.from(b64, 'base64');
    if (bytes.length !== length) throw new FwCfgError('QTEST_ERROR', `qtest: b64read of ${length} bytes returned ${bytes.length}`);
    return new Uint8Array(bytes);
  }

  /** Ends QEMU. */
  async close(): Promise<void> {
    if (this.#proc.exitCode !== null || this.#proc.signalCode !== null) return;
    const done = new Promise<void>((r) => this.#proc.once('exit', () => r()));
    this.#proc.kill('SIGTERM');
    await done;
  }
}
