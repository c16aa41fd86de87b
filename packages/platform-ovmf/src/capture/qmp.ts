/**
 * A minimal QEMU Machine Protocol client over a unix socket (QEMU docs/interop/qmp-spec): one
 * JSON object per line; the server greets, `qmp_capabilities` leaves negotiation mode, then each
 * `{"execute": …}` gets exactly one `return` or `error` answer in order. Asynchronous events
 * (`{"event": …}`) are kept but not interpreted.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { CaptureError } from './errors.ts';

interface Waiter {
  resolve(value: unknown): void;
  reject(err: Error): void;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A connected QMP session. Create with {@link QmpClient.connect}. */
export class QmpClient {
  readonly #sock: Socket;
  readonly #waiters: Waiter[] = [];
  /** Event names received so far, in order (SHUTDOWN, STOP, RESUME, …). */
  readonly events: string[] = [];
  #buffer = '';
  #closed: Error | undefined;

  private constructor(sock: Socket) {
    this.#sock = sock;
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      this.#onData(d);
    });
    sock.on('close', () => {
      this.#fail(new CaptureError('QMP_ERROR', 'QMP connection closed'));
    });
    sock.on('error', (e) => {
      this.#fail(new CaptureError('QMP_ERROR', `QMP: ${e.message}`, { cause: e }));
    });
  }

  /**
   * Connects to the QMP unix socket at `path`, waits for the greeting and negotiates capabilities.
   * @throws CaptureError('QMP_ERROR')
   */
  static async connect(path: string, timeoutMs = 10_000): Promise<QmpClient> {
    const sock = await new Promise<Socket>((resolve, reject) => {
      const s = connect(path);
      const t = setTimeout(() => {
        s.destroy();
        reject(new CaptureError('QMP_ERROR', `QMP socket ${path} did not connect in ${timeoutMs} ms`));
      }, timeoutMs);
      s.once('connect', () => {
        clearTimeout(t);
        resolve(s);
      });
      s.once('error', (e) => {
        clearTimeout(t);
        reject(new CaptureError('QMP_ERROR', `QMP socket ${path}: ${e.message}`, { cause: e }));
      });
    });
    const client = new QmpClient(sock);
    await client.#next(); // greeting {"QMP": {...}}
    await client.execute('qmp_capabilities');
    return client;
  }

  /**
   * Runs one QMP command and resolves with its `return` value.
   * @throws CaptureError('QMP_ERROR') on an `error` answer or a closed connection.
   */
  async execute(command: string, args?: Record<string, unknown>): Promise<unknown> {
    if (this.#closed) throw this.#closed;
    const msg = JSON.stringify(args ? { execute: command, arguments: args } : { execute: command });
    const answer = this.#next();
    this.#sock.write(msg + '\n');
    const a = await answer;
    if (isRecord(a) && 'return' in a) return a['return'];
    const err = isRecord(a) && isRecord(a['error']) ? a['error'] : {};
    const desc = typeof err['desc'] === 'string' ? err['desc'] : JSON.stringify(a);
    throw new CaptureError('QMP_ERROR', `QMP ${command}: ${desc}`);
  }

  /** Closes the connection. */
  close(): void {
    this.#sock.destroy();
  }

  #next(): Promise<unknown> {
    if (this.#closed) return Promise.reject(this.#closed);
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  #onData(d: string): void {
    this.#buffer += d;
    for (let nl = this.#buffer.indexOf('\n'); nl >= 0; nl = this.#buffer.indexOf('\n')) {
      const line = this.#buffer.slice(0, nl).trim();
      this.#buffer = this.#buffer.slice(nl + 1);
      if (line === '') continue;
      let msg: unknown;
      try {
        msg = JSON.parse(line);
      } catch (e) {
        this.#fail(new CaptureError('QMP_ERROR', `QMP sent a line that is not JSON`, { cause: e }));
        this.#sock.destroy();
        return;
      }
      if (isRecord(msg) && typeof msg['event'] === 'string') {
        this.events.push(msg['event']);
        continue;
      }
      this.#waiters.shift()?.resolve(msg);
    }
  }

  #fail(err: Error): void {
    this.#closed ??= err;
    for (const w of this.#waiters.splice(0)) w.reject(err);
  }
}
