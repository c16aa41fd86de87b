import { expect } from 'chai';
import fc from 'fast-check';
import { Tcg2Error } from '@tcg2sim/binary-codec';
import { TPM_RC, TpmResponseError, decodeRc, formatRc, rcName, TPM_ST, TPM_CC } from '@tcg2sim/tpm2-command-lib';
import type { RcSubject } from '@tcg2sim/tpm2-command-lib';

/**
 * Decoding table. Values follow TPM 2.0 Part 2 rev 1.59 §6.6 (Figure 2/3, Table 16); the
 * positional forms are the ones libtpms returns (e.g. 0x1c4 for a bad PCR_Read count).
 */
const CASES: {
  rc: number; code: string; canonical: number; subject?: RcSubject; index?: number; warning?: boolean;
  format: string; text: string; tag?: number;
}[] = [
  { rc: 0x1c4, code: 'TPM_RC_VALUE', canonical: TPM_RC.VALUE, subject: 'parameter', index: 1, format: 'fmt1', text: 'TPM_RC_VALUE (parameter 1)' },
  { rc: 0x2c4, code: 'TPM_RC_VALUE', canonical: TPM_RC.VALUE, subject: 'parameter', index: 2, format: 'fmt1', text: 'TPM_RC_VALUE (parameter 2)' },
  { rc: 0xfd5, code: 'TPM_RC_SIZE', canonical: TPM_RC.SIZE, subject: 'parameter', index: 15, format: 'fmt1', text: 'TPM_RC_SIZE (parameter 15)' },
  { rc: 0x100, code: 'TPM_RC_INITIALIZE', canonical: TPM_RC.INITIALIZE, format: 'fmt0', text: 'TPM_RC_INITIALIZE' },
  { rc: 0x143, code: 'TPM_RC_COMMAND_CODE', canonical: TPM_RC.COMMAND_CODE, format: 'fmt0', text: 'TPM_RC_COMMAND_CODE' },
  { rc: 0x922, code: 'TPM_RC_RETRY', canonical: TPM_RC.RETRY, warning: true, format: 'warning', text: 'TPM_RC_RETRY (warning)' },
  { rc: 0x907, code: 'TPM_RC_LOCALITY', canonical: TPM_RC.LOCALITY, warning: true, format: 'warning', text: 'TPM_RC_LOCALITY (warning)' },
  { rc: 0x98e, code: 'TPM_RC_AUTH_FAIL', canonical: TPM_RC.AUTH_FAIL, subject: 'session', index: 1, format: 'fmt1', text: 'TPM_RC_AUTH_FAIL (session 1)' },
  { rc: 0x9a2, code: 'TPM_RC_BAD_AUTH', canonical: TPM_RC.BAD_AUTH, subject: 'session', index: 1, format: 'fmt1', text: 'TPM_RC_BAD_AUTH (session 1)' },
  { rc: 0x18b, code: 'TPM_RC_HANDLE', canonical: TPM_RC.HANDLE, subject: 'handle', index: 1, format: 'fmt1', text: 'TPM_RC_HANDLE (handle 1)' },
  { rc: 0x285, code: 'TPM_RC_HIERARCHY', canonical: TPM_RC.HIERARCHY, subject: 'handle', index: 2, format: 'fmt1', text: 'TPM_RC_HIERARCHY (handle 2)' },
  { rc: 0x084, code: 'TPM_RC_VALUE', canonical: TPM_RC.VALUE, format: 'fmt1', text: 'TPM_RC_VALUE' },
  { rc: 0x01e, code: 'TPM_RC_BAD_TAG', canonical: TPM_RC.BAD_TAG, format: 'tpm12', tag: TPM_ST.RSP_COMMAND, text: 'TPM_RC_BAD_TAG' },
  { rc: 0x00a, code: 'TPM_BAD_ORDINAL', canonical: 0x00a, format: 'tpm12', tag: TPM_ST.RSP_COMMAND, text: 'TPM_BAD_ORDINAL (TPM 1.2)' },
  { rc: 0x901, code: 'TPM_RC_CONTEXT_GAP', canonical: TPM_RC.CONTEXT_GAP, warning: true, format: 'warning', text: 'TPM_RC_CONTEXT_GAP (warning)' },
  { rc: 0x97f, code: 'TPM_RC_NOT_USED', canonical: TPM_RC.NOT_USED, warning: true, format: 'warning', text: 'TPM_RC_NOT_USED (warning)' },
  { rc: 0x501, code: 'TPM_RC_VENDOR(0x501)', canonical: 0x501, format: 'vendor', text: 'TPM_RC_VENDOR(0x501)' },
  { rc: 0x17e, code: 'TPM_RC(0x17e)', canonical: 0x17e, format: 'fmt0', text: 'TPM_RC(0x17e)' },
];

describe('TpmResponseError', () => {
  for (const c of CASES) {
    it(`decodes 0x${c.rc.toString(16)} as ${c.text}`, () => {
      const e = new TpmResponseError(c.rc, c.tag === undefined ? {} : { tag: c.tag });
      expect(e).to.be.instanceOf(Tcg2Error);
      expect(e.rc).to.equal(c.rc);
      expect(e.code).to.equal(c.code);
      expect(e.canonical).to.equal(c.canonical);
      expect(e.subject).to.equal(c.subject);
      expect(e.index).to.equal(c.index);
      expect(e.isWarning).to.equal(c.warning ?? false);
      expect(e.format).to.equal(c.format);
      expect(e.is(c.canonical)).to.equal(true);
      expect(e.is(c.rc)).to.equal(true);
      expect(formatRc(c.rc, c.tag)).to.equal(c.text);
    });
  }

  it('is() tells codes apart', () => {
    const e = new TpmResponseError(0x1c4);
    expect(e.is(TPM_RC.VALUE)).to.equal(true);
    expect(e.is(TPM_RC.SIZE)).to.equal(false);
    expect(e.is(TPM_RC.INITIALIZE)).to.equal(false);
  });

  it('keeps the command code and the response tag', () => {
    const e = new TpmResponseError(0x100, { commandCode: TPM_CC.PCR_Extend, tag: TPM_ST.NO_SESSIONS });
    expect(e.commandCode).to.equal(TPM_CC.PCR_Extend);
    expect(e.tag).to.equal(TPM_ST.NO_SESSIONS);
    expect(e.isTpm12).to.equal(false);
  });

  it('reads a TPM 1.2 tag as a TPM 1.2 response', () => {
    const e = new TpmResponseError(0x1e, { tag: TPM_ST.RSP_COMMAND });
    expect(e.isTpm12).to.equal(true);
    expect(e.is(TPM_RC.BAD_TAG)).to.equal(true);
  });
});

describe('TPM_RC', () => {
  it('has a distinct value for every name and a name for every value', () => {
    const seen = new Map<number, string>();
    for (const [k, v] of Object.entries(TPM_RC)) {
      expect(seen.has(v), `${k} duplicates ${seen.get(v) ?? ''}`).to.equal(false);
      seen.set(v, k);
      expect(rcName(v)).to.equal(`TPM_RC_${k}`);
    }
  });

  it('places format-one codes at RC_FMT1 + n and warnings at RC_WARN + n', () => {
    expect(TPM_RC.VALUE).to.equal(0x084);
    expect(TPM_RC.AUTH_FAIL).to.equal(0x08e);
    expect(TPM_RC.RETRY).to.equal(0x922);
    expect(TPM_RC.NV_UNAVAILABLE).to.equal(0x923);
    expect(TPM_RC.SENSITIVE).to.equal(0x155);
  });

  it('decodes every format-one code at every position back to its canonical code', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x3f }), fc.integer({ min: 0, max: 0xf }), fc.boolean(), (e, n, p) => {
        const rc = 0x80 | e | (p ? 0x40 : 0) | (n << 8);
        const d = decodeRc(rc);
        expect(d.canonical).to.equal(0x80 | e);
        expect(d.format).to.equal('fmt1');
        if (p && n !== 0) expect(d).to.include({ subject: 'parameter', index: n });
        if (!p && n >= 8 && n !== 8) expect(d).to.include({ subject: 'session', index: n & 7 });
        if (!p && n > 0 && n < 8) expect(d).to.include({ subject: 'handle', index: n });
      }),
      { numRuns: 300 }
    );
  });

  it('rejects a response code that is not a 32-bit unsigned integer', () => {
    expect(() => decodeRc(-1)).to.throw(RangeError);
    expect(() => decodeRc(2 ** 32)).to.throw(RangeError);
    expect(() => decodeRc(1.5)).to.throw(RangeError);
  });
});
