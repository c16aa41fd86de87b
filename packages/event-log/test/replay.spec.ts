import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { concatBytes, encode, toHex } from '@tcg2sim/binary-codec';
import { TPM_ALG_HASH } from '@tcg2sim/hash-lib';
import { EV, EventLogBuilder, TCGEfiStartupLocalityEvent, decodeEventLog, replayEventLog } from '@tcg2sim/event-log';

const sha256 = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(createHash('sha256').update(concatBytes(...parts)).digest());
const ascii = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));
const pcrStart = (last: number): Uint8Array => {
  const v = new Uint8Array(32);
  v[31] = last;
  return v;
};

describe('replayEventLog', () => {
  it('extends each PCR from zero with H(old || digest) in log order', () => {
    const b = new EventLogBuilder({ algs: [TPM_ALG_HASH.SHA256] });
    b.add({ pcrIndex: 0, eventType: EV.S_CRTM_VERSION, eventData: new Uint8Array(2) });
    b.add({ pcrIndex: 0, eventType: EV.SEPARATOR, eventData: new Uint8Array(4) });
    b.add({ pcrIndex: 4, eventType: EV.EFI_ACTION, eventData: ascii('Calling EFI Application from Boot Option') });
    const r = replayEventLog(decodeEventLog(b.encode()));
    const p0 = sha256(sha256(pcrStart(0), sha256(new Uint8Array(2))), sha256(new Uint8Array(4)));
    const p4 = sha256(pcrStart(0), sha256(ascii('Calling EFI Application from Boot Option')));
    const bank = r.banks.get(TPM_ALG_HASH.SHA256);
    expect([...(bank?.keys() ?? [])]).to.deep.equal([0, 4]);
    expect(toHex(bank?.get(0) ?? new Uint8Array())).to.equal(toHex(p0));
    expect(toHex(bank?.get(4) ?? new Uint8Array())).to.equal(toHex(p4));
    expect(r.startupLocality).to.equal(0);
  });

  it('starts PCR0 at 00…03 after a StartupLocality event for locality 3, and does not extend the EV_NO_ACTION', () => {
    const b = new EventLogBuilder({ algs: [TPM_ALG_HASH.SHA256] });
    b.add({ pcrIndex: 0, eventType: EV.NO_ACTION, eventData: encode(TCGEfiStartupLocalityEvent, { signature: 'StartupLocality', startupLocality: 3 }) });
    b.add({ pcrIndex: 0, eventType: EV.S_CRTM_VERSION, eventData: new Uint8Array(2) });
    const r = replayEventLog(decodeEventLog(b.encode()));
    expect(r.startupLocality).to.equal(3);
    expect(toHex(r.banks.get(TPM_ALG_HASH.SHA256)?.get(0) ?? new Uint8Array())).to.equal(toHex(sha256(pcrStart(3), sha256(new Uint8Array(2)))));
  });

  it('starts PCR0 at 00…04 when the log has an H-CRTM event, and extends that event', () => {
    const b = new EventLogBuilder({ algs: [TPM_ALG_HASH.SHA256] });
    const hcrtmDigest = sha256(ascii('H-CRTM measured bytes'));
    b.add({ pcrIndex: 0, eventType: EV.EFI_HCRTM_EVENT, eventData: ascii('HCRTM'), digests: [{ hashAlg: TPM_ALG_HASH.SHA256, digest: hcrtmDigest }] });
    const r = replayEventLog(decodeEventLog(b.encode()));
    expect(r.hcrtm).to.equal(true);
    expect(r.startupLocality).to.equal(4);
    expect(toHex(r.banks.get(TPM_ALG_HASH.SHA256)?.get(0) ?? new Uint8Array())).to.equal(toHex(sha256(pcrStart(4), hcrtmDigest)));
  });

  it('extends EV_NO_ACTION only when asked to reproduce tpm2-tools 5.4', () => {
    const b = new EventLogBuilder({ algs: [TPM_ALG_HASH.SHA256] });
    b.add({ pcrIndex: 3, eventType: EV.NO_ACTION, eventData: ascii('vendor data') });
    const log = decodeEventLog(b.encode());
    expect(replayEventLog(log).banks.get(TPM_ALG_HASH.SHA256)?.size).to.equal(0);
    const r = replayEventLog(log, { extendNoAction: true });
    expect(toHex(r.banks.get(TPM_ALG_HASH.SHA256)?.get(3) ?? new Uint8Array())).to.equal(toHex(sha256(pcrStart(0), new Uint8Array(32))));
  });

  it('skips PCR indexes above 23 and reports them', () => {
    const b = new EventLogBuilder({ algs: [TPM_ALG_HASH.SHA256] });
    b.add({ pcrIndex: 24, eventType: EV.EFI_ACTION, eventData: ascii('x') });
    const r = replayEventLog(decodeEventLog(b.encode()));
    expect(r.skipped).to.deep.equal([{ eventIndex: 1, reason: 'pcr-out-of-range' }]);
    expect(r.banks.get(TPM_ALG_HASH.SHA256)?.size).to.equal(0);
  });

  it('reports an event that lacks a bank', () => {
    const b = new EventLogBuilder({ algs: [TPM_ALG_HASH.SHA1, TPM_ALG_HASH.SHA256] });
    b.add({ pcrIndex: 1, eventType: EV.EFI_ACTION, eventData: ascii('x'), digests: [{ hashAlg: TPM_ALG_HASH.SHA256, digest: sha256(ascii('x')) }] });
    const r = replayEventLog(decodeEventLog(b.encode()));
    expect(r.skipped).to.deep.equal([{ eventIndex: 1, reason: 'bank-missing', alg: TPM_ALG_HASH.SHA1 }]);
  });

  it('replays a SHA1 log into the SHA1 bank, header-less', () => {
    const b = new EventLogBuilder({ algs: [TPM_ALG_HASH.SHA1], format: 'sha1' });
    b.add({ pcrIndex: 0, eventType: EV.SEPARATOR, eventData: new Uint8Array(4) });
    const r = replayEventLog(decodeEventLog(b.encode()));
    const want = createHash('sha1').update(new Uint8Array(20)).update(createHash('sha1').update(new Uint8Array(4)).digest()).digest('hex');
    expect(toHex(r.banks.get(TPM_ALG_HASH.SHA1)?.get(0) ?? new Uint8Array())).to.equal(want);
  });
});
