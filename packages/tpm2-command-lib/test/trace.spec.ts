import { expect } from 'chai';
import fc from 'fast-check';
import { DecodeError, fromHex } from '@tcg2sim/binary-codec';
import { parseCommand, parseResponse, TPM_CC, COMMAND_HANDLE_COUNT, COMMANDS, handleCount } from '@tcg2sim/tpm2-command-lib';
import { EDK2_VECTORS, EXTEND_RESPONSE } from './vectors/edk2-commands.ts';

const h = (s: string): Uint8Array => fromHex(s);

describe('parseCommand / parseResponse', () => {
  it('splits PCR_Extend into handle, password session and digest list', () => {
    const p = parseCommand(h(EDK2_VECTORS.extendSha256.hex));
    expect(p.name).to.equal('TPM_CC_PCR_Extend');
    expect(p.handles).to.deep.equal([0]);
    expect(p.sessions).to.have.length(1);
    expect(p.parameters.length).to.equal(4 + 2 + 32);
  });

  it('keeps the TPM 1.2 probe (TPM_ORD_GetTicks) as an unknown command', () => {
    const p = parseCommand(h('00c10000000a000000f1'));
    expect(p.known).to.equal(false);
    expect(p.tag).to.equal(0xc1);
    expect(p.parameters).to.have.length(0);
  });

  it('splits a session response into parameterSize, parameters and the session', () => {
    const r = parseResponse(h(EXTEND_RESPONSE), TPM_CC.PCR_Extend);
    expect(r.rc).to.equal('TPM_RC_SUCCESS');
    expect(r.parameterSize).to.equal(0);
    expect(r.sessions).to.have.length(1);
  });

  it('names the response code of an error response', () => {
    expect(parseResponse(h('80010000000a000001c4')).rc).to.equal('TPM_RC_VALUE (parameter 1)');
  });

  it('rejects an authorizationSize that overruns the command', () => {
    expect(() => parseCommand(h('80020000001200000182000000000000ffff'))).to.throw(DecodeError).with.property('code', 'SHORT_BUFFER');
  });

  it('never fails on random bytes with anything but DecodeError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), fc.boolean(), (b, fixSize) => {
      const buf = Uint8Array.from(b);
      if (fixSize && buf.length >= 6) new DataView(buf.buffer).setUint32(2, buf.length);
      for (const f of [() => parseCommand(buf), () => parseResponse(buf, TPM_CC.PCR_Extend)]) {
        try {
          f();
        } catch (e) {
          expect(e).to.be.instanceOf(DecodeError);
        }
      }
    }), { numRuns: 500 });
  });

  it('survives every single-byte mutation of the EDK II vectors', () => {
    for (const v of Object.values(EDK2_VECTORS)) {
      const base = h(v.hex);
      fc.assert(fc.property(fc.nat(base.length - 1), fc.nat(255), (i, x) => {
        const m = Uint8Array.from(base);
        m[i] = x;
        try {
          parseCommand(m);
        } catch (e) {
          expect(e).to.be.instanceOf(DecodeError);
        }
      }), { numRuns: 50 });
    }
  });

  it('agrees with every declaration about the size of its handle area', () => {
    for (const c of COMMANDS) expect(handleCount(c.cc), c.name).to.equal(c.handles.length);
    expect(Object.keys(COMMAND_HANDLE_COUNT)).to.have.length(Object.keys(TPM_CC).length);
  });
});
