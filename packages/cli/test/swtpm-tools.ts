/**
 * A swtpm process that tpm2-tools (and anything else using a TSS2 TCTI) talk to, for the tests of
 * `tcg2sim reference` against the real consumers of its formats. The TPM's PCRs are brought to
 * a log's values by extending every measured event's digests with tpm2_pcrextend.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer, Socket } from 'node:net';
import type { Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { toHex } from '@tcg2sim/binary-codec';
import { EV, decodeEventLog } from '@tcg2sim/event-log';
import { findHashAlg } from '@tcg2sim/hash-lib';
import { tempDir } from '@tcg2sim/test-support';

/** A running swtpm with its TCTI configuration string. */
export interface SwtpmForTools {
  /** `swtpm:port=N`, for TPM2TOOLS_TCTI and SYSTEMD_TPM2_DEVICE. */
  readonly tcti: string;
  /** The environment for tpm2-tools: process.env plus TPM2TOOLS_TCTI. */
  readonly env: NodeJS.ProcessEnv;
  /** Runs a tpm2-tools program against this TPM; returns its stdout. Throws on a non-zero exit. */
  tool(cmd: string, ...args: string[]): string;
  stop(): Promise<void>;
}

async function listen(port: number): Promise<Server | undefined> {
  const s = createServer();
  return new Promise((resolve) => {
    s.once('error', () => { resolve(undefined); });
    s.listen(port, '127.0.0.1', () => { resolve(s); });
  });
}

/** A free port P whose P+1 is free too: the swtpm TCTI finds the control channel at port + 1. */
async function freePortPair(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const a = await listen(0);
    if (a === undefined) continue;
    const port = (a.address() as AddressInfo).port;
    const b = await listen(port + 1);
    await new Promise<void>((resolve) => a.close(() => { resolve(); }));
    if (b === undefined) continue;
    await new Promise<void>((resolve) => b.close(() => { resolve(); }));
    return port;
  }
  throw new Error('no two adjacent free ports on 127.0.0.1');
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`swtpm exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = new Socket();
      s.once('error', () => { s.destroy(); resolve(false); });
      s.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`swtpm did not listen on ${port}`);
}

/** Starts swtpm (TPM 2.0, all four banks, already started up) on two free loopback ports. */
export async function startSwtpm(): Promise<SwtpmForTools> {
  const state = tempDir('tcg2sim-swtpm-tools-');
  const port = await freePortPair();
  const ctrl = port + 1;
  const child = spawn('swtpm', [
    'socket', '--tpm2', '--server', `type=tcp,port=${port},bindaddr=127.0.0.1`, '--ctrl', `type=tcp,port=${ctrl},bindaddr=127.0.0.1`,
    '--tpmstate', `dir=${state.path}`, '--flags', 'not-need-init,startup-clear',
  ], { stdio: 'ignore' });
  try {
    await waitForPort(port, child);
  } catch (e) {
    child.kill();
    state.remove();
    throw e;
  }
  const tcti = `swtpm:port=${port}`;
  const env = { ...process.env, TPM2TOOLS_TCTI: tcti };
  return {
    tcti,
    env,
    tool: (cmd, ...args) => execFileSync(cmd, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill();
        await exited;
      }
      state.remove();
    },
  };
}

/** Extends the TPM's PCRs by every measured event of `log` (all of its digests), in log order. */
export function extendLog(tpm: SwtpmForTools, log: Uint8Array): number {
  const events = decodeEventLog(log).events.filter((e) => e.eventType !== EV.NO_ACTION);
  const args = events.map((e) => `${e.pcrIndex}:${e.digests.map((d) => `${findHashAlg(d.hashAlg)?.name ?? ''}=${toHex(d.digest)}`).join(',')}`);
  for (let i = 0; i < args.length; i += 8) tpm.tool('tpm2_pcrextend', ...args.slice(i, i + 8));
  return events.length;
}
