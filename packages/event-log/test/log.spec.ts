import { expect } from 'chai';
import fc from 'fast-check';
import { concatBytes } from '@tcg2sim/binary-codec';
import { TPM_ALG_HASH } from '@tcg2sim/hash-lib';
import { EV, EventLogBuilder, EventLogError, decodeEventLog, encodeEventLog, encodeSpecIdEvent, lintEventLog, replayEventLog } from '@tcg2sim/event-log';
import { ovmfShellLog } from './fixtures/ovmf-like.ts';
import { banksArb, buildLog, buildSha1Log, eventsArb } from './fixtures/arbitrary.ts';

function expectLogError(fn: () => unknown, code: string, eventIndex: number): EventLogError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(EventLogError);
    const e = err as EventLogError;
    expect(e.code).to.equal(code);
    expect(e.eventIndex).to.equal(eventIndex);
    return e;
  }
  return expect.fail('decoded without error');
}

describe('decodeEventLog / encodeEventLog', () => {
  it('decodes the 25 events of an OVMF Shell boot with record sizes of docs/edk2-dxe.md §15 (SHA256 only)', () => {
    const bytes = ovmfShellLog([TPM_ALG_HASH.SHA256]).encode();
    const log = decodeEventLog(bytes);
    expect(log.format).to.equal('crypto-agile');
    expect(log.events.length).to.equal(25);
    const sizes = log.events.map((e, i) => (log.events[i + 1]?.offset ?? bytes.length) - e.offset);
    // SpecID 65, S-CRTM 52, blob 66 ×2, SecureBoot 103, PK 86, KEK 88, db 86, dbx 88, separator 54 …
    expect(sizes.slice(0, 10)).to.deep.equal([65, 52, 66, 66, 103, 86, 88, 86, 88, 54]);
    expect(sizes[14]).to.equal(90); // "Calling …"
    expect(sizes[22]).to.equal(97); // "Returning …"
    expect(sizes[24]).to.equal(126); // Shell image load
  });

  it('uses SHA1+SHA256 record sizes of §15 (separator 76, Shell 148)', () => {
    const bytes = ovmfShellLog([TPM_ALG_HASH.SHA1, TPM_ALG_HASH.SHA256]).encode();
    const log = decodeEventLog(bytes);
    expect((log.events[10]?.offset ?? 0) - (log.events[9]?.offset ?? 0)).to.equal(76);
    expect(bytes.length - (log.events[24]?.offset ?? 0)).to.equal(148);
  });

  it('gives back the exact bytes of random crypto-agile logs', () => {
    fc.assert(
      fc.property(banksArb, eventsArb({ noAction: true }), (algs, events) => {
        const bytes = buildLog(algs, events).encode();
        const log = decodeEventLog(bytes);
        expect(log.events.length).to.equal(events.length + 1);
        expect(log.usedLength).to.equal(bytes.length);
        expect(encodeEventLog(log)).to.deep.equal(bytes);
      }),
      { numRuns: 150 }
    );
  });

  it('gives back the exact bytes of random SHA1 logs', () => {
    fc.assert(
      fc.property(eventsArb({ maxLength: 20 }).filter((e) => e.length > 0), (events) => {
        const bytes = buildSha1Log(events).encode();
        const log = decodeEventLog(bytes);
        expect(log.format).to.equal('sha1');
        expect(encodeEventLog(log)).to.deep.equal(bytes);
      }),
      { numRuns: 100 }
    );
  });

  it('reads a TPM 1.2 log headed by Spec ID Event00 as a SHA1 log', () => {
    const sig = new Uint8Array(Buffer.from('Spec ID Event00\0', 'latin1'));
    const data = concatBytes(sig, new Uint8Array([0, 0, 0, 0, 2, 1, 2, 2, 0]));
    const b = new EventLogBuilder({ algs: [TPM_ALG_HASH.SHA1], format: 'sha1' });
    b.add({ pcrIndex: 0, eventType: EV.NO_ACTION, eventData: data, digests: [{ hashAlg: TPM_ALG_HASH.SHA1, digest: new Uint8Array(20) }] });
    b.add({ pcrIndex: 0, eventType: EV.S_CRTM_VERSION, eventData: new Uint8Array(2) });
    const log = decodeEventLog(b.encode());
    expect(log.format).to.equal('sha1');
    expect(log.legacySpecId?.signature).to.equal('Spec ID Event00');
    expect(log.legacySpecId?.specVersionMajor).to.equal(1);
  });

  it('names the event index, its record offset and the failing byte wherever the log is cut', () => {
    const bytes = ovmfShellLog([TPM_ALG_HASH.SHA1, TPM_ALG_HASH.SHA256]).encode();
    const log = decodeEventLog(bytes);
    const starts = log.events.map((e) => e.offset);
    // every byte of the first records and around every record boundary, every 5th byte elsewhere
    const cuts = new Set<number>();
    for (let c = 1; c < bytes.length; c++) if (c < 400 || c % 5 === 0) cuts.add(c);
    for (const s0 of starts) for (const d of [-2, -1, 0, 1, 2, 12, 13, 16]) if (s0 + d > 0 && s0 + d < bytes.length) cuts.add(s0 + d);
    for (const cut of [...cuts].sort((a, b) => a - b)) {
      const cutIndex = starts.findIndex((s, i) => cut > s && cut < (starts[i + 1] ?? bytes.length + 1));
      if (cutIndex < 0) {
        // cut on a record boundary: a shorter but valid log
        expect(decodeEventLog(bytes.subarray(0, cut)).events.length).to.equal(starts.indexOf(cut));
        continue;
      }
      const e = expectLogError(() => decodeEventLog(bytes.subarray(0, cut)), 'SHORT_BUFFER', cutIndex);
      expect(e.eventOffset).to.equal(starts[cutIndex]);
      expect(e.offset).to.be.within(starts[cutIndex] ?? 0, cut);
    }
  });

  it('in lenient mode returns the events before a bad one and where it stopped', () => {
    const bytes = ovmfShellLog([TPM_ALG_HASH.SHA256]).encode();
    const full = decodeEventLog(bytes);
    const at = full.events[12]?.offset ?? 0;
    const broken = new Uint8Array(bytes);
    new DataView(broken.buffer).setUint32(at + 8, 1000, true); // digest count of event 12
    expectLogError(() => decodeEventLog(broken), 'LIMIT_EXCEEDED', 12);
    const log = decodeEventLog(broken, { lenient: true });
    expect(log.events.length).to.equal(12);
    expect(log.usedLength).to.equal(at);
    expect(log.stop?.reason).to.equal('error');
    expect(log.stop?.eventIndex).to.equal(12);
    expect(log.stop?.offset).to.equal(at);
    expect(log.stop?.error?.code).to.equal('LIMIT_EXCEEDED');
    expect(encodeEventLog(log)).to.deep.equal(bytes.subarray(0, at));
  });

  it('reads an algorithm the registry lacks (SHA3-256) with the size its Spec ID gives, and replays the others', () => {
    const sha3 = 0x0027;
    const b = new EventLogBuilder({ algs: [TPM_ALG_HASH.SHA256] });
    const base = b.build();
    const specId = base.specId ? { ...base.specId, digestSizes: [...base.specId.digestSizes, { algorithmId: sha3, digestSize: 32 }] } : undefined;
    const header = base.events[0];
    if (!specId || !header) throw new Error('no header');
    const data = encodeSpecIdEvent(specId);
    const event = { format: 'TCG_PCR_EVENT2' as const, index: 1, offset: 0, pcrIndex: 4, eventType: EV.EFI_ACTION, eventData: new Uint8Array(1),
      digests: [{ hashAlg: TPM_ALG_HASH.SHA256, digest: new Uint8Array(32).fill(1) }, { hashAlg: sha3, digest: new Uint8Array(32).fill(2) }] };
    const bytes = encodeEventLog({ specId, events: [{ ...header, eventData: data }, event] });
    const log = decodeEventLog(bytes);
    expect(log.events[1]?.digests.map((d) => d.hashAlg)).to.deep.equal([TPM_ALG_HASH.SHA256, sha3]);
    expect(encodeEventLog(log)).to.deep.equal(bytes);
    expect([...replayEventLog(log).banks.keys()]).to.deep.equal([TPM_ALG_HASH.SHA256]);
    expect(lintEventLog(log).filter((f) => f.rule === 'EL007').map((f) => f.severity)).to.deep.equal(['warning']);
  });

  it('rejects an algorithm neither the Spec ID nor the registry knows with UNKNOWN_SELECTOR', () => {
    const bytes = ovmfShellLog([TPM_ALG_HASH.SHA256]).encode();
    const at = decodeEventLog(bytes).events[3]?.offset ?? 0;
    const broken = new Uint8Array(bytes);
    new DataView(broken.buffer).setUint16(at + 12, 0x0099, true);
    const e = expectLogError(() => decodeEventLog(broken), 'UNKNOWN_SELECTOR', 3);
    expect(e.offset).to.equal(at + 12);
  });

  it('rejects a huge EventSize with LIMIT_EXCEEDED before reading', () => {
    const bytes = ovmfShellLog([TPM_ALG_HASH.SHA256]).encode();
    const ev = decodeEventLog(bytes).events[1];
    const broken = new Uint8Array(bytes);
    new DataView(broken.buffer).setUint32((ev?.offset ?? 0) + 12 + 34, 0xfffffff0, true);
    expectLogError(() => decodeEventLog(broken), 'LIMIT_EXCEEDED', 1);
  });

  it('stops at 0xFF free space after the last event (a log area taken from guest memory)', () => {
    const bytes = ovmfShellLog([TPM_ALG_HASH.SHA256]).encode();
    for (const fill of [0xff, 0x00]) {
      const area = new Uint8Array(0x10000).fill(fill);
      area.set(bytes);
      const log = decodeEventLog(area, { stopAtFreeSpace: true });
      expect(log.events.length).to.equal(25);
      expect(log.usedLength).to.equal(bytes.length);
      expect(log.stop).to.deep.equal({ reason: 'free-space', eventIndex: 25, offset: bytes.length });
      expect(encodeEventLog(log)).to.deep.equal(bytes);
    }
  });

  it('without stopAtFreeSpace treats the 0xFF fill as a bad record', () => {
    const bytes = ovmfShellLog([TPM_ALG_HASH.SHA256]).encode();
    const area = new Uint8Array(4096).fill(0xff);
    area.set(bytes);
    expect(() => decodeEventLog(area)).to.throw(EventLogError).with.property('eventIndex', 25);
  });

  it('reports an empty input as SHORT_BUFFER at event 0', () => {
    expectLogError(() => decodeEventLog(new Uint8Array(0)), 'SHORT_BUFFER', 0);
  });

  it('bounds the number of events (maxEvents)', () => {
    const bytes = ovmfShellLog([TPM_ALG_HASH.SHA256]).encode();
    expectLogError(() => decodeEventLog(bytes, { maxEvents: 10 }), 'LIMIT_EXCEEDED', 10);
  });

  it('throws only EventLogError on garbage and mutated logs (bounded fuzz)', () => {
    const base = ovmfShellLog([TPM_ALG_HASH.SHA1, TPM_ALG_HASH.SHA256]).encode();
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 600 }),
          fc.array(fc.tuple(fc.nat({ max: base.length - 1 }), fc.nat({ max: 255 })), { minLength: 1, maxLength: 6 }).map((muts) => {
            const b = new Uint8Array(base);
            for (const [i, v] of muts) b[i] = v;
            return b;
          })
        ),
        fc.boolean(),
        (bytes, lenient) => {
          try {
            const log = decodeEventLog(bytes, { lenient });
            expect(log.usedLength).to.be.at.most(bytes.length);
          } catch (err) {
            expect(err).to.be.instanceOf(EventLogError);
          }
        }
      ),
      { numRuns: 1500 }
    );
  });

  it('rejects non-bytes input with TypeError', () => {
    expect(() => decodeEventLog('log' as unknown as Uint8Array)).to.throw(TypeError);
  });
});
