import { expect } from 'chai';
import fc from 'fast-check';
import { encode } from '@tcg2sim/binary-codec';
import { TPM_ALG_HASH } from '@tcg2sim/hash-lib';
import {
  EV, EventLogBuilder, EventLogError, TCGEfiStartupLocalityEvent, decodeEventLog, replayEventLog, replayEventLogBytes,
} from '@tcg2sim/event-log';
import type { PcrReplay } from '@tcg2sim/event-log';
import { ovmfDiskBootTail, ovmfShellLog } from './fixtures/ovmf-like.ts';
import { banksArb, buildLog, buildSha1Log, eventsArb } from './fixtures/arbitrary.ts';

const plain = (r: PcrReplay): unknown => ({
  banks: [...r.banks].map(([a, m]) => [a, [...m].map(([i, v]) => [i, Buffer.from(v).toString('hex')])]),
  startupLocality: r.startupLocality, hcrtm: r.hcrtm, skipped: r.skipped,
});

describe('replayEventLogBytes (one-pass decode + replay)', () => {
  it('agrees with decodeEventLog + replayEventLog on random crypto-agile logs', () => {
    fc.assert(
      fc.property(banksArb, eventsArb({ noAction: true }), fc.boolean(), (algs, events, extendNoAction) => {
        const bytes = buildLog(algs, events).encode();
        const slow = replayEventLog(decodeEventLog(bytes), { extendNoAction });
        const fast = replayEventLogBytes(bytes, { extendNoAction });
        expect(plain(fast)).to.deep.equal(plain(slow));
        expect(fast.eventCount).to.equal(events.length + 1);
        expect(fast.usedLength).to.equal(bytes.length);
      }),
      { numRuns: 100 }
    );
  });

  it('agrees on SHA1 logs (through the object path)', () => {
    fc.assert(
      fc.property(eventsArb({ maxLength: 10 }).filter((e) => e.length > 0), (events) => {
        const bytes = buildSha1Log(events).encode();
        expect(plain(replayEventLogBytes(bytes))).to.deep.equal(plain(replayEventLog(decodeEventLog(bytes))));
      }),
      { numRuns: 30 }
    );
  });

  it('applies StartupLocality and H-CRTM to PCR0 as replayEventLog does', () => {
    const b = new EventLogBuilder({ algs: [TPM_ALG_HASH.SHA256] });
    b.add({ pcrIndex: 0, eventType: EV.NO_ACTION, eventData: encode(TCGEfiStartupLocalityEvent, { signature: 'StartupLocality', startupLocality: 3 }) });
    b.add({ pcrIndex: 0, eventType: EV.S_CRTM_VERSION, eventData: new Uint8Array(2) });
    const bytes = b.encode();
    const fast = replayEventLogBytes(bytes);
    expect(fast.startupLocality).to.equal(3);
    expect(plain(fast)).to.deep.equal(plain(replayEventLog(decodeEventLog(bytes))));
    b.add({ pcrIndex: 0, eventType: EV.EFI_HCRTM_EVENT, eventData: new Uint8Array(Buffer.from('HCRTM')) });
    expect(replayEventLogBytes(b.encode()).startupLocality).to.equal(4);
  });

  it('stops at free space when asked', () => {
    const bytes = ovmfDiskBootTail(ovmfShellLog([TPM_ALG_HASH.SHA1, TPM_ALG_HASH.SHA256])).encode();
    const area = new Uint8Array(0x10000).fill(0xff);
    area.set(bytes);
    const r = replayEventLogBytes(area, { stopAtFreeSpace: true });
    expect(r.usedLength).to.equal(bytes.length);
    expect(plain(r)).to.deep.equal(plain(replayEventLog(decodeEventLog(bytes))));
  });

  it('raises the same EventLogError as decodeEventLog for a bad record', () => {
    const bytes = ovmfShellLog([TPM_ALG_HASH.SHA256]).encode();
    const cut = bytes.subarray(0, bytes.length - 3);
    let slow: unknown;
    try {
      decodeEventLog(cut);
    } catch (e) {
      slow = e;
    }
    expect(() => replayEventLogBytes(cut)).to.throw(EventLogError).that.deep.includes({
      code: (slow as EventLogError).code, eventIndex: 24, offset: (slow as EventLogError).offset,
    });
  });
});
