// PCR_Extend round trips per second: the in-process soft TPM next to swtpm (socket + libtpms),
// the same command (PCR16, all four banks) both ways:
//   soft-raw      pre-encoded bytes through SoftTpm.execute (synchronous, in-process)
//   soft-backend  the same bytes through SoftTpmBackend.transmit (the TpmBackend contract, a promise)
//   soft-ours     tpm2-command-lib execute(PCRExtend) over the soft backend
//   swtpm-raw     pre-encoded bytes through SwtpmBackend.transmit
//   swtpm-ours    tpm2-command-lib execute(PCRExtend) over the swtpm backend
//   hash-floor    four bare node:crypto hash() calls (one per bank, 2 x digest size bytes each):
//                 the hashing every extend does, the ceiling of any node:crypto soft TPM
//
// The cases run alternately (soft, swtpm, soft, ...) in several rounds, so that both see the same
// machine; the report gives each case's median, its spread, and the soft/swtpm ratios as the median
// of the per-round ratios. swtpm's socket round trip depends on how busy the machine is: on an idle
// machine both processes sleep between messages and the CPUs drop into idle states, so each round
// trip pays wake-up latencies; when the CPUs are kept busy it is several times faster. The `load`
// phase therefore repeats everything with busy-loop processes running (one by default: the other
// core of a 2-core machine), which is when swtpm is at its fastest.
//
// Usage: npx tsc -b && npx tsc -b bench/tpm &&
//        node bench/tpm/dist/soft-vs-swtpm.js [seconds-per-case=1] [rounds=5] [quiet|load|both=both] [busy-processes=1]
// Machines are noisy: this reports numbers, nothing asserts them.
import { spawn, type ChildProcess } from 'node:child_process';
import { hash as nodeHash } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { SoftTpmBackend, SwtpmBackend, backendTransport } from '@tcg2sim/tpm-backends';
import type { TpmBackend } from '@tcg2sim/tpm-backends';
import { execute, encodeCommand, PCRExtend, Startup, TPM_SU } from '@tcg2sim/tpm2-command-lib';
import { TPM_ALG_HASH, hash } from '@tcg2sim/hash-lib';

const seconds = Number(process.argv[2] ?? 1);
const rounds = Number(process.argv[3] ?? 5);
const phases = (process.argv[4] ?? 'both') === 'both' ? ['quiet', 'load'] : [process.argv[4] ?? 'quiet'];
const busyCount = Number(process.argv[5] ?? 1);

const banks = [TPM_ALG_HASH.SHA1, TPM_ALG_HASH.SHA256, TPM_ALG_HASH.SHA384, TPM_ALG_HASH.SHA512];
const digests = banks.map((a) => ({ hashAlg: a, digest: hash(a, new TextEncoder().encode('bench')) }));
const input = { handles: { pcrHandle: 16 }, params: { digests: { digests } } };
const raw = encodeCommand(PCRExtend, input);
const floorInputs: [string, Uint8Array][] = [['sha1', 40], ['sha256', 64], ['sha384', 96], ['sha512', 128]].map(
  ([n, size]) => [String(n), new Uint8Array(Number(size)).fill(7)]
);

/** Round trips per second of `fn` for `seconds` (after a warm-up), awaiting it when `async`. */
async function rate(fn: () => unknown, isAsync: boolean): Promise<number> {
  for (let i = 0; i < 2000; i++) if (isAsync) await fn(); else fn();
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  let n = 0;
  while (performance.now() < end) {
    if (isAsync) for (let i = 0; i < 50; i++) await fn();
    else for (let i = 0; i < 50; i++) fn();
    n += 50;
  }
  return n / ((performance.now() - t0) / 1000);
}

async function started(b: TpmBackend): Promise<void> {
  await b.powerOn();
  await execute(backendTransport(b), Startup, { handles: {}, params: { startupType: TPM_SU.CLEAR } });
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

const fmtRate = (r: number): string => (r >= 10000 ? `${(r / 1000).toFixed(0)}k` : r.toFixed(0));
const fmtUs = (r: number): string => `${(1e6 / r).toFixed(r > 200000 ? 2 : 1)} µs`;

/** Busy-loop processes (started here, ended here by their pid). */
function startLoad(n: number): ChildProcess[] {
  return Array.from({ length: n }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
}

async function phase(name: string, soft: SoftTpmBackend, sw: SwtpmBackend): Promise<void> {
  const softT = backendTransport(soft);
  const swT = backendTransport(sw);
  // Alternating order: soft and swtpm cases interleave, and the order flips every round.
  const cases: { name: string; side: 'soft' | 'swtpm' | 'floor'; async: boolean; fn: () => unknown }[] = [
    { name: 'soft-backend', side: 'soft', async: true, fn: () => soft.transmit(raw, 0) },
    { name: 'swtpm-raw', side: 'swtpm', async: true, fn: () => sw.transmit(raw, 0) },
    { name: 'soft-ours', side: 'soft', async: true, fn: () => execute(softT, PCRExtend, input) },
    { name: 'swtpm-ours', side: 'swtpm', async: true, fn: () => execute(swT, PCRExtend, input) },
    { name: 'soft-raw', side: 'soft', async: false, fn: () => soft.tpm.execute(raw, 0) },
    {
      name: 'hash-floor', side: 'floor', async: false,
      fn: () => {
        for (const [alg, data] of floorInputs) nodeHash(alg, data, 'binary');
      },
    },
  ];
  const results = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  const load = name === 'load' ? startLoad(busyCount) : [];
  try {
    if (load.length > 0) await new Promise((r) => setTimeout(r, 300)); // let the busy loops start
    const la0 = loadavg()[0] ?? 0;
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? cases : [...cases].reverse();
      for (const c of order) results.get(c.name)?.push(await rate(c.fn, c.async));
      process.stdout.write('.');
    }
    const la1 = loadavg()[0] ?? 0;
    process.stdout.write('\n');
    console.log(`phase ${name}: ${load.length} busy-loop process(es), load average ${la0.toFixed(1)} -> ${la1.toFixed(1)}, ${rounds} rounds x ${seconds} s per case`);
    console.log(`  ${'case'.padEnd(13)} ${'median/s'.padStart(9)} ${'per op'.padStart(10)}   spread (min-max /s)`);
    for (const c of cases) {
      const xs = results.get(c.name) ?? [];
      const unit = c.side === 'floor' ? ' (4 hashes)' : '';
      console.log(`  ${c.name.padEnd(13)} ${fmtRate(median(xs)).padStart(9)} ${fmtUs(median(xs)).padStart(10)}   ${fmtRate(Math.min(...xs))}-${fmtRate(Math.max(...xs))}${unit}`);
    }
    const ratio = (a: string, b: string): string => {
      const xa = results.get(a) ?? [];
      const xb = results.get(b) ?? [];
      const per = xa.map((v, i) => v / (xb[i] ?? NaN));
      return `${median(per).toFixed(1)}x (rounds ${Math.min(...per).toFixed(1)}-${Math.max(...per).toFixed(1)})`;
    };
    console.log(`  soft-backend / swtpm-raw   ${ratio('soft-backend', 'swtpm-raw')}  same bytes through the TpmBackend contract`);
    console.log(`  soft-ours / swtpm-ours     ${ratio('soft-ours', 'swtpm-ours')}  tpm2-command-lib on both`);
    console.log(`  soft-ours / swtpm-raw      ${ratio('soft-ours', 'swtpm-raw')}  tpm2-command-lib over the soft TPM vs bare bytes to swtpm`);
    console.log(`  soft-raw / swtpm-raw       ${ratio('soft-raw', 'swtpm-raw')}  in-process call vs socket`);
    console.log(`  hash-floor / swtpm-raw     ${ratio('hash-floor', 'swtpm-raw')}  the most any node:crypto soft TPM could reach`);
  } finally {
    for (const p of load) p.kill();
  }
}

console.log(`node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
const soft = new SoftTpmBackend();
await started(soft);
const sw = await SwtpmBackend.start();
try {
  await started(sw);
  const check = async (b: TpmBackend): Promise<void> => {
    const r = await b.transmit(raw, 0);
    if (r.length < 10 || new DataView(r.buffer, r.byteOffset).getUint32(6) !== 0) throw new Error(`${b.kind}: PCR_Extend failed`);
  };
  await check(soft);
  await check(sw);
  for (const p of phases) await phase(p, soft, sw);
} finally {
  await sw.close();
  await soft.close();
}
