/**
 * Runs OVMF in QEMU (TCG, q35, no NIC) with its console on the serial port, for tests that read
 * what EDK II prints. Output chunks are only collected on arrival (QEMU drops serial bytes when
 * its pipe stays full), and the terminal's escape sequences are stripped when the text is read.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

export interface OvmfSerial {
  /** Everything printed so far, escape sequences and carriage returns removed. */
  text(): string;
  /** Types `keys` on the serial console. */
  send(keys: string): void;
  /** Waits until `re` matches the text after offset `from` (150 s at most). */
  waitFor(re: RegExp, from: number, what: string): Promise<void>;
  /** Stops QEMU. */
  stop(): void;
}

export function startOvmf(code: string, vars: string): OvmfSerial {
  const qemu: ChildProcessByStdio<Writable, Readable, null> = spawn('qemu-system-x86_64', [
    '-machine', 'q35,accel=tcg', '-m', '512', '-display', 'none', '-nic', 'none', '-serial', 'stdio', '-monitor', 'none',
    '-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${code}`, '-drive', `if=pflash,format=raw,unit=1,file=${vars}`,
  ], { stdio: ['pipe', 'pipe', 'ignore'] });
  const chunks: Buffer[] = [];
  let cachedCount = -1;
  let cached = '';
  qemu.stdout.on('data', (d: Buffer) => chunks.push(d));
  const text = (): string => {
    if (cachedCount !== chunks.length) {
      cachedCount = chunks.length;
      cached = Buffer.concat(chunks).toString('latin1').replace(/\x1b\[[0-9;=?]*[A-Za-z]/g, '').replace(/\r/g, '');
    }
    return cached;
  };
  return {
    text,
    send: (keys) => qemu.stdin.write(keys),
    async waitFor(re, from, what) {
      const deadline = Date.now() + 150_000;
      while (!re.test(text().slice(from))) {
        if (qemu.exitCode !== null || Date.now() > deadline) {
          throw new Error(`OVMF never printed ${what}; last output: ${JSON.stringify(text().slice(-400))}`);
        }
        await sleep(200);
      }
    },
    stop: () => qemu.kill(),
  };
}
