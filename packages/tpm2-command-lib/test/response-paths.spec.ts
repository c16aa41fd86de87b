import { expect } from 'chai';
import { DecodeError, fromHex } from '@tcg2sim/binary-codec';
import { HashSequenceStart, PCRExtend, PCRRead, decodeResponse } from '@tcg2sim/tpm2-command-lib';

/** The code, offset and path of the DecodeError `fn` throws. */
function failure(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(DecodeError);
    if (e instanceof DecodeError) return { code: e.code, offset: e.offset, path: e.path };
  }
  return expect.fail('expected a DecodeError');
}

// Malformed responses and where the decoder says they went wrong. Offsets of the parameter area
// count from its first byte (it is decoded as its own buffer), the others from the response start.
describe('response decoding names where a malformed response breaks', () => {
  it('a PCR_Read response cut inside the second digest: parameters, TPML_DIGEST, digests, 1 (the byte after its size)', () => {
    // counter 1; one selection (sha256, PCR0+1); two digests, the second cut to 3 of 32 bytes.
    const params = '00000001' + '00000001' + '000b' + '03' + '030000' + '00000002' + '0020' + '11'.repeat(32) + '0020' + '222222';
    const rsp = fromHex('8001' + (10 + params.length / 2).toString(16).padStart(8, '0') + '00000000' + params);
    expect(failure(() => decodeResponse(PCRRead, rsp, 0))).to.deep.equal({
      code: 'SHORT_BUFFER', offset: 54,
      path: ['TPM2_PCR_Read', 'parameters', 'TPM2_PCR_Read_Response', 'pcrValues', 'TPML_DIGEST', 'digests', 'digests', 1, 'TPM2B_DIGEST'],
    });
  });
  it('a PCR_Extend response whose session hmac is cut: sessions, 0, TPMS_AUTH_RESPONSE, hmac', () => {
    const rsp = fromHex('8002' + '00000013' + '00000000' + '00000000' + '0000' + '01' + '0001');
    expect(failure(() => decodeResponse(PCRExtend, rsp, 1))).to.deep.equal({
      code: 'SHORT_BUFFER', offset: 19, path: ['TPM2_PCR_Extend', 'sessions', 0, 'TPMS_AUTH_RESPONSE', 'hmac', 'TPM2B_AUTH'],
    });
  });
  it('a HashSequenceStart response without its handle: the handle name', () => {
    const rsp = fromHex('8001' + '0000000c' + '00000000' + '8000');
    expect(failure(() => decodeResponse(HashSequenceStart, rsp, 0))).to.deep.equal({
      code: 'SHORT_BUFFER', offset: 10, path: ['TPM2_HashSequenceStart', 'sequenceHandle'],
    });
  });
  it('a parameterSize past the end: parameterSize at its own offset', () => {
    const rsp = fromHex('8002' + '0000000e' + '00000000' + '00000001');
    expect(failure(() => decodeResponse(PCRExtend, rsp, 1))).to.deep.equal({
      code: 'SHORT_BUFFER', offset: 10, path: ['TPM2_PCR_Extend', 'parameterSize'],
    });
  });
  it('a header shorter than 10 bytes: TPM_HEADER, code', () => {
    expect(failure(() => decodeResponse(PCRExtend, fromHex('8001000000080000'), 0))).to.deep.equal({
      code: 'SHORT_BUFFER', offset: 6, path: ['TPM2_PCR_Extend', 'TPM_HEADER', 'code'],
    });
  });
});
