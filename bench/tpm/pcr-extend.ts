// PCR_Extend round trips per second against swtpm (socket + control channel), three ways:
//   raw     pre-encoded command bytes through SwtpmBackend.transmit (the transport floor)
//   ours    tpm2-command-lib execute(PCRExtend) over backendTransport (encode + TPM_RC check + decode)
//   native  tpm2-tools `tpm2_pcrextend` (tpm2-tss, C) with the swtpm TCTI against a second swtpm,
//           one process per command, if installed
// Usage: npx tsc -b bench/tpm && node bench/tpm/dist/pcr-extend.js [seconds-per-case]
// Machines are noisy: this reports numbers, nothing asserts them.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SwtpmBackend, backendTransport } from '@tcg2sim/tpm-backends';
import { execute, encodeCommand, PCRExtend, Startup, TPM_SU } from '@tcg2sim/tpm2-command-lib';
import { TPM_ALG_HASH, hash } from '@tcg2sim/hash-lib';

const seconds = Number(process.argv[2] ?? 2);
const banks = [TPM_ALG_HASH.SHA1, TPM_ALG_HASH.SHA256, TPM_ALG_HASH.SHA384, TPM_ALG_HASH.SHA512];
const digests = banks.map((a) => ({ hashAlg: a, digest: hash(a, new TextEncoder().encode('bench')) }));
const input = { handles: { pcrHandle: 16 }, params: { digests: { digests } } };
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Two consecutive free ports (the swtpm TCTI uses port + 1 for the control channel). */
async function consecutivePorts(): Promise<number> {
  for (;;) {
    const a = createServer();
    const p = await new Promise<number>((r) => a.listen(0, '127.0.0.1', () => { r((a.address() as AddressInfo).port); }));
    const b2 = createServer();
    const ok = await new Promise<boolean>((r) => {
      b2.once('error', () => { r(false); });
      b2.listen(p + 1, '127.0.0.1', () => { r(true); });
    });
    await new Promise((r) => a.close(r));
    if (ok) {
      await new Promise((r) => b2.close(r));
      return p;
    }
  }
}

/** tpm2_pcrextend against a separate swtpm (the TCTI needs its own data connection). */
async function nativeRate(tool: string, n: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'tcg2sim-bench-'));
  const port = await consecutivePorts();
  const sw = spawn('swtpm', ['socket', '--tpm2', '--tpmstate', `dir=${dir}`, '--server', `type=tcp,port=${port},bindaddr=127.0.0.1`,
    '--ctrl', `type=tcp,port=${port + 1},bindaddr=127.0.0.1`, '--flags', 'not-need-init,startup-clear'], { stdio: 'ignore' });
  try {
    await new Promise((r) => setTimeout(r, 300));
    const tcti = `swtpm:host=127.0.0.1,port=${port}`;
    const spec = `16:sha1=${hex(digests[0]!.digest)},sha256=${hex(digests[1]!.digest)}`;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const r = spawnSync(tool, ['-T', tcti, spec], { timeout: 10000, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`tpm2_pcrextend failed: ${r.stderr}`);
    }
    return n / ((performance.now() - t0) / 1000);
  } finally {
    sw.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measure(name: string, fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 50; i++) await fn(); // warm-up
  const end = performance.now() + seconds * 1000;
  let n = 0;
  const t0 = performance.now();
  while (performance.now() < end) {
    await fn();
    n++;
  }
  const rate = n / ((performance.now() - t0) / 1000);
  console.log(`${name.padEnd(8)} ${rate.toFixed(0).padStart(8)} PCR_Extend/s  (${n} round trips, 4 banks)`);
  return rate;
}

const b = await SwtpmBackend.start();
try {
  await b.powerOn();
  const t = backendTransport(b);
  await execute(t, Startup, { handles: {}, params: { startupType: TPM_SU.CLEAR } });
  const raw = encodeCommand(PCRExtend, input);
  const rawRate = await measure('raw', () => b.transmit(raw, 0));
  const oursRate = await measure('ours', () => execute(t, PCRExtend, input));
  console.log(`ours/raw ${(oursRate / rawRate).toFixed(2)} (library overhead per round trip ${((1 / oursRate - 1 / rawRate) * 1e6).toFixed(1)} µs)`);
  const tool = spawnSync('sh', ['-c', 'command -v tpm2_pcrextend'], { encoding: 'utf8' }).stdout.trim();
  if (tool !== '') {
    const rate = await nativeRate(tool, 20);
    console.log(`native   ${rate.toFixed(0).padStart(8)} PCR_Extend/s  (tpm2_pcrextend + tpm2-tss swtpm TCTI, one process per command, 2 banks)`);
    console.log(`ours/native ${(oursRate / rate).toFixed(1)}`);
  } else {
    console.log('native   tpm2_pcrextend not installed: skipped');
  }
} finally {
  await b.close();
}
