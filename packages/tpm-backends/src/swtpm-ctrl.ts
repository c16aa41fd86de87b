/**
 * The swtpm control channel (swtpm `include/swtpm/tpm_ioctl.h`, "Commands used by the
 * non-CUSE TPMs"): each request is a big-endian UINT32 command code followed by the request
 * part of the command's ptm_* structure; each response starts with a big-endian UINT32
 * ptm_res (0 = TPM_SUCCESS, TPM 1.2 return codes otherwise). All fields are big-endian.
 *
 * | command                 | request body            | response                     |
 * |-------------------------|-------------------------|------------------------------|
 * | CMD_GET_CAPABILITY (1)  | -                       | 8 bytes (u64 caps in 0.7.x; |
 * |                         |                         | ptm_res + u32 caps later)    |
 * | CMD_INIT (2)            | u32 init_flags          | ptm_res                      |
 * | CMD_SHUTDOWN (3)        | -                       | ptm_res, then swtpm exits    |
 * | CMD_SET_LOCALITY (5)    | u8 locality             | ptm_res                      |
 * | CMD_HASH_START (6)      | -                       | ptm_res                      |
 * | CMD_HASH_DATA (7)       | u32 length, data        | ptm_res (length <= 4096)     |
 * | CMD_HASH_END (8)        | -                       | ptm_res                      |
 * | CMD_CANCEL_TPM_CMD (9)  | -                       | ptm_res                      |
 * | CMD_STOP (0x0e)         | -                       | ptm_res (TPM stopped, process stays) |
 *
 * Commands that need a running TPM answer TPM_BAD_ORDINAL (10) when it is stopped.
 */
import type { Socket } from 'node:net';
import { TpmBackendError } from './errors.ts';

/** Control channel command codes (tpm_ioctl.h). */
export const SWTPM_CMD = {
  GET_CAPABILITY: 0x01,
  INIT: 0x02,
  SHUTDOWN: 0x03,
  GET_TPMESTABLISHED: 0x04,
  SET_LOCALITY: 0x05,
  HASH_START: 0x06,
  HASH_DATA: 0x07,
  HASH_END: 0x08,
  CANCEL_TPM_CMD: 0x09,
  STORE_VOLATILE: 0x0a,
  RESET_TPMESTABLISHED: 0x0b,
  STOP: 0x0e,
  SET_BUFFERSIZE: 0x11,
} as const;
export type SWTPM_CMD = (typeof SWTPM_CMD)[keyof typeof SWTPM_CMD];

/** PTM_CAP_* bits of CMD_GET_CAPABILITY (tpm_ioctl.h). */
export const PTM_CAP = {
  INIT: 1 << 0,
  SHUTDOWN: 1 << 1,
  GET_TPMESTABLISHED: 1 << 2,
  SET_LOCALITY: 1 << 3,
  HASHING: 1 << 4,
  CANCEL_TPM_CMD: 1 << 5,
  STORE_VOLATILE: 1 << 6,
  RESET_TPMESTABLISHED: 1 << 7,
  STOP: 1 << 10,
} as const;

/** Largest CMD_HASH_DATA payload (ptm_hdata.u.req.data[4096]). */
export const HASH_DATA_MAX = 4096;

/** Encodes a control request: u32 command code, then `body`. */
export function ctrlRequest(cmd: SWTPM_CMD, body: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setUint32(0, cmd);
  out.set(body, 4);
  return out;
}

/** A u32 request body (CMD_INIT flags). */
export function u32Body(v: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, v);
  return out;
}

/** A CMD_HASH_DATA body: u32 length, data. */
export function hashDataBody(data: Uint8Array): Uint8Array {
  if (data.length > HASH_DATA_MAX) throw new RangeError(`"data" at most ${HASH_DATA_MAX} bytes per CMD_HASH_DATA, got ${data.length}`);
  const out = new Uint8Array(4 + data.length);
  new DataView(out.buffer).setUint32(0, data.length);
  out.set(data, 4);
  return out;
}

/** Response length of each command (bytes). */
export function ctrlResponseLength(cmd: SWTPM_CMD): number {
  if (cmd === SWTPM_CMD.SET_BUFFERSIZE) return 16; // ptm_res, buffersize, minsize, maxsize
  return cmd === SWTPM_CMD.GET_CAPABILITY || cmd === SWTPM_CMD.GET_TPMESTABLISHED ? 8 : 4;
}

/**
 * Reads framed messages from a socket: callers ask for "the next n bytes" or "the next TPM
 * response" (length from the header's size field) and get them in order.
 */
export class SocketReader {
  #buf = new Uint8Array(0);
  #waiter: (() => void) | undefined;
  #error: Error | undefined;

  constructor(socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      const next = new Uint8Array(this.#buf.length + chunk.length);
      next.set(this.#buf);
      next.set(chunk, this.#buf.length);
      this.#buf = next;
      this.#wake();
    });
    socket.on('close', () => {
      this.#error ??= new TpmBackendError('TRANSPORT', 'connection closed');
      this.#wake();
    });
    socket.on('error', (err) => {
      this.#error = new TpmBackendError('TRANSPORT', err.message, { cause: err });
      this.#wake();
    });
  }

  #wake(): void {
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.();
  }

  /** Fails the pending and future reads with `err`. */
  fail(err: Error): void {
    this.#error ??= err;
    this.#wake();
  }

  async #waitFor(n: number): Promise<void> {
    while (this.#buf.length < n) {
      if (this.#error) throw this.#error;
      await new Promise<void>((resolve) => {
        this.#waiter = resolve;
      });
    }
  }

  /** The next `n` bytes. */
  async read(n: number): Promise<Uint8Array> {
    await this.#waitFor(n);
    const out = this.#buf.slice(0, n);
    this.#buf = this.#buf.slice(n);
    return out;
  }

  /** The next TPM response: a 10-byte header whose size field gives the whole length. */
  async readTpmResponse(max: number): Promise<Uint8Array> {
    await this.#waitFor(6);
    const size = new DataView(this.#buf.buffer, this.#buf.byteOffset, 6).getUint32(2);
    if (size < 10 || size > max) throw new TpmBackendError('TRANSPORT', `response size field ${size} out of range`);
    return this.read(size);
  }
}
