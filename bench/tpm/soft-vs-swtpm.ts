// PCR_Extend round trips per second: the in-process soft TPM next to swtpm (socket + libtpms),
// the same command (PCR16, all four banks) both ways:
//   soft-raw      pre-encoded bytes through SoftTpm.execute (synchronous, in-process)
//   soft-backend  the same bytes through SoftTpmBackend.transmit (the TpmBackend contract, a promise)
//   soft-ours     tpm2-command-lib execute(PCRExtend) over the soft backend
//   swtpm-raw     pre-encoded bytes through SwtpmBackend.transmit
//   swtpm-ours    tpm2-command-lib execute(PCRExtend) over the swtpm backend
// and prints soft/swtpm ratios (target: soft >= 10x). Nothing asserts these numbers.
// Usage: npx tsc -b && npx tsc -b bench/tpm && node bench/tpm/dist/soft-vs-swtpm.js [seconds-per-case]
import { SoftTpmBackend, SwtpmBackend, backendTransport } from '@tcg2sim/tpm-backends';
import type { TpmBackend } from '@tcg2sim/tpm-backends';
import { execute, encodeCommand, PCRExtend, Startup, TPM_SU } from '@tcg2sim/tpm2-command-lib';
import { TPM_ALG_HASH, hash } from '@tcg2sim/hash-lib';

const seconds = Number(process.argv[2] ?? 2);
const banks = [TPM_ALG_HASH.SHA1, TPM_ALG_HASH.SHA256, TPM_ALG_HASH.SHA384, TPM_ALG_HASH.SHA512];
const digests = banks.map((a) => ({ hashAlg: a, digest: hash(a, new TextEncoder().encode('bench')) }));
const input = { handles: { pcrHandle: 16 }, params: { digests: { digests } } };
const raw = encodeCommand(PCRExtend, input);

async function measure(name: string, fn: () => unknown): Promise<number> {
  for (let i = 0; i < 200; i++) await fn(); // warm-up
  const end = performance.now() + seconds * 1000;
  let n = 0;
  const t0 = performance.now();
  while (performance.now() < end) {
    for (let i = 0; i < 50; i++) await fn();
    n += 50;
  }
  const rate = n / ((performance.now() - t0) / 1000);
  console.log(`${name.padEnd(13)} ${rate.toFixed(0).padStart(9)} PCR_Extend/s  (${n} round trips, 4 banks)`);
  return rate;
}

async function started(b: TpmBackend): Promise<void> {
  await b.powerOn();
  await execute(backendTransport(b), Startup, { handles: {}, params: { startupType: TPM_SU.CLEAR } });
}

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
  const softRaw = await measure('soft-raw', () => soft.tpm.execute(raw, 0));
  const softBackend = await measure('soft-backend', () => soft.transmit(raw, 0));
  const softOurs = await measure('soft-ours', () => execute(backendTransport(soft), PCRExtend, input));
  const swRaw = await measure('swtpm-raw', () => sw.transmit(raw, 0));
  const swOurs = await measure('swtpm-ours', () => execute(backendTransport(sw), PCRExtend, input));
  console.log(`soft-backend / swtpm-raw  ${(softBackend / swRaw).toFixed(1)}x  (same bytes through the TpmBackend contract)`);
  console.log(`soft-ours / swtpm-ours    ${(softOurs / swOurs).toFixed(1)}x  (tpm2-command-lib on both)`);
  console.log(`soft-raw / swtpm-raw      ${(softRaw / swRaw).toFixed(1)}x  (in-process call vs socket)`);
} finally {
  await sw.close();
  await soft.close();
}
