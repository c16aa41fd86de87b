/**
 * The packages' error classes share binary-codec's CodedError: each failure raised by a real
 * entry point is a CodedError and a Tcg2Error, with its package's name, code and message.
 */
import { expect } from 'chai';
import { CodedError, Tcg2Error } from '@tcg2sim/binary-codec';
import { EV, EventLogBuilder, decodeEventLog } from '@tcg2sim/event-log';
import { TPM_ALG_HASH } from '@tcg2sim/hash-lib';
import { QemuConfigError, splitShellWords } from '@tcg2sim/qemu-config';
import { FwCfgError } from '@tcg2sim/qemu-fwcfg';
import { VmmError, qemuNics } from '@tcg2sim/qemu-vmm';
import { ReferenceError, parsePcrSelection } from '@tcg2sim/reference-formats';
import { VerifyError, verifyLog } from '@tcg2sim/verify';

function caught(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

function expectCoded(e: unknown, cls: abstract new (...a: never[]) => Error, name: string, code: string, message: string | RegExp): void {
  expect(e).to.be.instanceOf(cls);
  expect(e).to.be.instanceOf(CodedError);
  expect(e).to.be.instanceOf(Tcg2Error);
  const c = e as CodedError<string>;
  expect(c.name).to.equal(name);
  expect(c.code).to.equal(code);
  if (typeof message === 'string') expect(c.message).to.equal(message);
  else expect(c.message).to.match(message);
}

function log(alg: number): ReturnType<typeof decodeEventLog> {
  const b = new EventLogBuilder({ algs: [alg as typeof TPM_ALG_HASH.SHA256] });
  b.add({ pcrIndex: 7, eventType: EV.SEPARATOR, eventData: new Uint8Array(4) });
  return decodeEventLog(b.encode());
}

describe('coded errors: one CodedError base, codes and messages unchanged', () => {
  it('CodedError keeps code, message and cause', () => {
    const cause = new Error('under');
    const e = new CodedError<'A' | 'B'>('B', 'text', { cause });
    expect([e.code, e.message, e.cause, e.name]).to.deep.equal(['B', 'text', cause, 'CodedError']);
  });

  it('verify: VerifyError NO_COMMON_BANK', async () => {
    let e: unknown;
    await verifyLog(log(TPM_ALG_HASH.SHA256), log(TPM_ALG_HASH.SHA1)).catch((x: unknown) => {
      e = x;
    });
    expectCoded(e, VerifyError, 'VerifyError', 'NO_COMMON_BANK', 'the log has banks sha256 and the prediction sha1: none in common (--banks)');
  });

  it('reference-formats: ReferenceError BAD_SELECTION', () => {
    expectCoded(caught(() => parsePcrSelection('x'.repeat(1025))), ReferenceError, 'ReferenceError', 'BAD_SELECTION', /^PCR selection "x+": longer than 1024 characters$/);
  });

  it('qemu-config: QemuConfigError BAD_SHELL with its offset', () => {
    const e = caught(() => splitShellWords("qemu-system-x86_64 -m '512"));
    expectCoded(e, QemuConfigError, 'QemuConfigError', 'BAD_SHELL', /^offset \d+: /);
    expect((e as QemuConfigError).offset).to.be.a('number');
  });

  it('qemu-vmm: VmmError ROM_NOT_FOUND names the directory', () => {
    const e = caught(() => qemuNics('q35', ['e1000'], { optionRomDir: '/nonexistent-tcg2sim' }));
    expectCoded(e, VmmError, 'VmmError', 'ROM_NOT_FOUND', /^option ROM efi-e1000\.rom is in none of \/nonexistent-tcg2sim /);
    expect((e as VmmError).file).to.equal(undefined);
    const f = new VmmError('BAD_ROM_FILE', 'empty', '/x.rom');
    expect([f.message, f.file, f.code]).to.deep.equal(['/x.rom: empty', '/x.rom', 'BAD_ROM_FILE']);
  });

  it('qemu-fwcfg: FwCfgError', () => {
    expectCoded(new FwCfgError('NO_SUCH_FILE', 'etc/x: no such fw_cfg file'), FwCfgError, 'FwCfgError', 'NO_SUCH_FILE', 'etc/x: no such fw_cfg file');
  });
});
