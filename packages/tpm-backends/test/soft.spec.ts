/**
 * SoftTpmBackend against the TpmBackend contract: power (TPM_Init), localities, hcrtm, close,
 * and the errors a caller gets for misuse. PCR values are computed independently with hash-lib.
 */
import { expect } from 'chai';
import { fromHex, toHex } from '@tcg2sim/binary-codec';
import { TPM_ALG_HASH, extendPcrValue, hash, pcrInitValue } from '@tcg2sim/hash-lib';
import { SoftTpmBackend, TpmBackendError } from '@tcg2sim/tpm-backends';
import { SoftTpm } from '@tcg2sim/soft-tpm';

const STARTUP = fromHex('80010000000c000001440000');
const READ_PCR0_SHA256 = fromHex('8001000000140000017e00000001000b03010000');

async function rejectsCode(p: Promise<unknown>, code: string): Promise<void> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(TpmBackendError);
    if (e instanceof TpmBackendError) expect(e.code).to.equal(code);
    return;
  }
  expect.fail(`expected TpmBackendError ${code}`);
}

describe('SoftTpmBackend', () => {
  it('refuses commands before powerOn and after close', async () => {
    const b = new SoftTpmBackend();
    expect(b.kind).to.equal('soft');
    await rejectsCode(b.transmit(STARTUP, 0), 'NOT_POWERED');
    await rejectsCode(b.hcrtm(new Uint8Array(1)), 'NOT_POWERED');
    await b.powerOn();
    await b.close();
    await rejectsCode(b.transmit(STARTUP, 0), 'CLOSED');
    await rejectsCode(b.powerOn(), 'CLOSED');
    await rejectsCode(b.cancel(), 'CLOSED');
    await b.close();
  });

  it('refuses a locality outside 0-4 with BAD_LOCALITY', async () => {
    const b = new SoftTpmBackend();
    await b.powerOn();
    await rejectsCode(b.transmit(STARTUP, 5), 'BAD_LOCALITY');
    await rejectsCode(b.transmit(STARTUP, -1), 'BAD_LOCALITY');
  });

  it('treats powerOn of a running TPM as TPM_Init (Startup needed again)', async () => {
    const b = new SoftTpmBackend();
    await b.powerOn();
    expect(toHex(await b.transmit(STARTUP, 0))).to.equal('80010000000a00000000');
    await b.powerOn();
    expect(toHex(await b.transmit(READ_PCR0_SHA256, 0))).to.equal('80010000000a00000100');
    expect(toHex(await b.transmit(STARTUP, 0))).to.equal('80010000000a00000000');
    await b.powerOff();
    await rejectsCode(b.transmit(STARTUP, 0), 'NOT_POWERED');
    await b.cancel();
  });

  it('runs the H-CRTM sequence into PCR0 before Startup', async () => {
    const b = new SoftTpmBackend({ banks: ['sha256'] });
    await b.powerOn();
    const data = new TextEncoder().encode('S-CRTM');
    await b.hcrtm(data);
    await b.transmit(STARTUP, 0);
    const a = TPM_ALG_HASH.SHA256;
    const rsp = await b.transmit(READ_PCR0_SHA256, 0);
    expect(toHex(rsp.subarray(rsp.length - 32))).to.equal(toHex(extendPcrValue(a, pcrInitValue(a).fill(4, -1), hash(a, data))));
  });

  it('continues from a saved soft TPM state', async () => {
    const b = new SoftTpmBackend();
    await b.powerOn();
    await b.transmit(STARTUP, 0);
    const saved = b.tpm.save();
    const c = new SoftTpmBackend({ state: saved });
    expect(toHex(await c.transmit(READ_PCR0_SHA256, 0))).to.equal(toHex(await b.transmit(READ_PCR0_SHA256, 0)));
    expect(c.tpm).to.be.instanceOf(SoftTpm);
  });
});
