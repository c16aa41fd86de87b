/**
 * Just enough of swtpm's two channels to read the PCRs back after a capture: the control channel
 * (`include/swtpm/tpm_ioctl.h`: every request starts with a big-endian u32 command code, every
 * response with a big-endian u32 result) and the data channel (raw TPM 2.0 commands, TPM 2.0
 * Part 3 §22.4 TPM2_PCR_Read and §30.2 TPM2_GetCapability).
 */
import { connect } from 'node:net';
import { ByteReader, ByteWriter, toHex } from '@tcg2sim/binary-codec';
import { findHashAlg } from '@tcg2sim/hash-lib';
import { CaptureError } from './errors.ts';

/** swtpm control-channel command codes used here. */
export const SWTPM_CTRL = {
  INIT: 2,
  SHUTDOWN: 3,
  STORE_VOLATILE: 10,
} as const;

const TPM_ST_NO_SESSIONS = 0x8001;
const TPM_CC_PCR_READ = 0x0000017e;
const TPM_CC_GET_CAPABILITY = 0x0000017a;
const TPM_CC_STARTUP = 0x00000144;
/** TPM_RC_INITIALIZE (Part 2, 6.6.3): TPM2_Startup on a TPM already started. */
const TPM_RC_INITIALIZE = 0x00000100;
const TPM_CAP_PCRS = 0x00000005;
const PCR_COUNT = 24;

/**
 * Sends `request` on a fresh connection to the unix socket `path` and resolves with the bytes
 * received once `complete(received)` says the answer is whole.
 */
export function exchange(
  path: string,
  request: Uint8Array,
  complete: (received: Uint8Array) => boolean,
  timeoutMs = 10_000
): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let settled = false;
    const sock = connect(path);
    const finish = (err: Error | undefined, value?: Uint8Array): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(value ?? new Uint8Array());
    };
    const timer = setTimeout(() => {
      finish(new CaptureError('SWTPM_ERROR', `no answer from ${path} within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.on('connect', () => sock.write(request));
    sock.on('data', (d: Buffer) => {
      chunks.push(d);
      const all = new Uint8Array(Buffer.concat(chunks));
      if (complete(all)) finish(undefined, all);
    });
    sock.on('error', (e) => finish(new CaptureError('SWTPM_ERROR', `${path}: ${e.message}`, { cause: e })));
    sock.on('close', () => finish(new CaptureError('SWTPM_ERROR', `${path} closed before a whole answer arrived`)));
  });
}

/**
 * Sends a control-channel command with no payload beyond `payload` and returns its result code.
 * @throws CaptureError('SWTPM_ERROR') when the channel fails or the result is not 0.
 */
export async function swtpmControl(path: string, command: number, payload: Uint8Array = new Uint8Array()): Promise<void> {
  const w = new ByteWriter();
  w.u32be(command);
  w.bytes(payload);
  const rsp = await exchange(path, w.finish(), (b) => b.length >= 4);
  const result = new ByteReader(rsp).u32be();
  if (result !== 0) {
    throw new CaptureError('SWTPM_ERROR', `swtpm control command ${command} returned 0x${result.toString(16)}`);
  }
}

/** Sends one TPM command on the data socket `path`: the response code and the whole response. */
async function transmitRc(path: string, command: Uint8Array): Promise<{ rc: number; response: Uint8Array }> {
  const rsp = await exchange(path, command, (b) => b.length >= 10 && b.length >= new ByteReader(b, 2).u32be());
  const r = new ByteReader(rsp);
  r.u16be();
  const size = r.u32be();
  return { rc: r.u32be(), response: rsp.subarray(0, size) };
}

/** Sends one TPM command on the data socket `path` and returns the whole response. */
export async function swtpmTransmit(path: string, command: Uint8Array): Promise<Uint8Array> {
  const { rc, response } = await transmitRc(path, command);
  if (rc !== 0) throw new CaptureError('SWTPM_ERROR', `TPM command ${toHex(command.subarray(6, 10))} failed with TPM_RC 0x${rc.toString(16)}`);
  return response;
}

/**
 * TPM2_Startup(CLEAR) (Part 3, 9.3): TPM_RC_INITIALIZE when the TPM was started (by the firmware:
 * nothing changes), success when it never was (a firmware without TPM support), which starts it
 * as the OS's driver would, PCRs at their reset values.
 * @returns true when this call started the TPM.
 */
export async function startupIfNeverStarted(dataPath: string): Promise<boolean> {
  const w = new ByteWriter();
  commandHeader(w, TPM_CC_STARTUP, 2);
  w.u16be(0); // TPM_SU_CLEAR
  const { rc } = await transmitRc(dataPath, w.finish());
  if (rc === TPM_RC_INITIALIZE) return false;
  if (rc !== 0) throw new CaptureError('SWTPM_ERROR', `TPM2_Startup(CLEAR) after the boot failed with TPM_RC 0x${rc.toString(16)}`);
  return true;
}

function commandHeader(w: ByteWriter, cc: number, bodyLength: number): void {
  w.u16be(TPM_ST_NO_SESSIONS);
  w.u32be(10 + bodyLength);
  w.u32be(cc);
}

/** TPML_PCR_SELECTION as { alg -> bitmask of PCRs }. */
function readPcrSelections(r: ByteReader): Map<number, number> {
  const count = r.u32be();
  if (count > 16) throw new CaptureError('SWTPM_ERROR', `TPML_PCR_SELECTION count ${count}`);
  const out = new Map<number, number>();
  for (let i = 0; i < count; i++) {
    const alg = r.u16be();
    const n = r.u8();
    const bytes = r.bytes(n);
    let mask = 0;
    bytes.forEach((b, j) => {
      if (j < 4) mask |= b << (8 * j);
    });
    out.set(alg, mask >>> 0);
  }
  return out;
}

/** The PCR banks the TPM has allocated (TPM2_GetCapability(TPM_CAP_PCRS)), as TPM_ALG_IDs. */
export async function readActiveBanks(dataPath: string): Promise<number[]> {
  const w = new ByteWriter();
  commandHeader(w, TPM_CC_GET_CAPABILITY, 12);
  w.u32be(TPM_CAP_PCRS);
  w.u32be(0);
  w.u32be(1);
  const r = new ByteReader(await swtpmTransmit(dataPath, w.finish()), 10);
  r.u8(); // moreData
  r.u32be(); // capability
  return [...readPcrSelections(r)].filter(([, mask]) => mask !== 0).map(([alg]) => alg);
}

/**
 * PCRs 0-23 of bank `alg` (TPM2_PCR_Read returns at most 8 digests per call; repeated until every
 * PCR came back), as hex by index.
 */
export async function readPcrBank(dataPath: string, alg: number): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  let want = (1 << PCR_COUNT) - 1;
  for (let round = 0; want !== 0 && round < PCR_COUNT; round++) {
    const w = new ByteWriter();
    commandHeader(w, TPM_CC_PCR_READ, 10);
    w.u32be(1);
    w.u16be(alg);
    w.u8(3);
    w.bytes(new Uint8Array([want & 0xff, (want >>> 8) & 0xff, (want >>> 16) & 0xff]));
    const r = new ByteReader(await swtpmTransmit(dataPath, w.finish()), 10);
    r.u32be(); // pcrUpdateCounter
    const got = readPcrSelections(r).get(alg) ?? 0;
    const digests = r.u32be();
    const indexes: number[] = [];
    for (let i = 0; i < PCR_COUNT; i++) if ((got >>> i) & 1) indexes.push(i);
    if (indexes.length !== digests || digests === 0) break;
    for (const i of indexes) values[String(i)] = toHex(r.bytes(r.u16be()));
    want &= ~got;
  }
  return values;
}

/** Every allocated bank's PCRs 0-23, keyed by bank name (`sha256`). */
export async function readAllPcrs(dataPath: string): Promise<Record<string, Record<string, string>>> {
  const out: Record<string, Record<string, string>> = {};
  for (const alg of await readActiveBanks(dataPath)) {
    const name = findHashAlg(alg)?.name ?? `alg_0x${alg.toString(16)}`;
    out[name] = await readPcrBank(dataPath, alg);
  }
  return out;
}
