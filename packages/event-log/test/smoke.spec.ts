import { expect } from 'chai';
import { TPM_ALG_HASH } from '@tcg2sim/hash-lib';
import { decodeEventLog, encodeEventLog } from '@tcg2sim/event-log';
import { ovmfShellLog } from './fixtures/ovmf-like.ts';

describe('smoke', () => {
  it('round trips', () => {
    const bytes = ovmfShellLog([TPM_ALG_HASH.SHA1, TPM_ALG_HASH.SHA256]).encode();
    const log = decodeEventLog(bytes);
    expect(log.events.length).to.equal(25);
    expect(encodeEventLog(log)).to.deep.equal(bytes);
  });
});
