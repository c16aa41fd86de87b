import { expect } from 'chai';
import fc from 'fast-check';
import { DecodeError, concatBytes, fromHex } from '@tcg2sim/binary-codec';
import { decodeEventLog } from '@tcg2sim/event-log';
import {
  SPEC_ID_SIGNATURE, decodeLogArea, findFinalEventsPointers, findSpecIdCandidates, measureFinalEventsTable,
} from '@tcg2sim/platform-ovmf';
import { EVENT_1, EVENT_2, LOG, SPEC_ID_EVENT, area } from './vectors/synthetic-log.ts';
import { expectErrorCode } from '@tcg2sim/test-support';

const expectDecodeError = (fn: () => unknown, code: string): DecodeError => expectErrorCode(fn, DecodeError, code);

describe('decodeLogArea', () => {
  it('decodes a log in a 0xFF-filled area up to the start of the free space', () => {
    const d = decodeLogArea(area(LOG));
    expect(d?.extent).to.deep.equal({ length: LOG.length, eventCount: 3, endReason: 'free-space' });
    expect(d?.specId.digestSizes).to.deep.equal([
      { algorithmId: 0x0004, digestSize: 20 },
      { algorithmId: 0x000b, digestSize: 32 },
    ]);
  });

  it('reports end-of-area when the records fill the area exactly', () => {
    expect(decodeLogArea(LOG)?.extent).to.deep.equal({ length: LOG.length, eventCount: 3, endReason: 'end-of-area' });
  });

  it('marks a copy whose next record names an algorithm the Spec ID event did not announce as invalid', () => {
    const bad = fromHex(EVENT_2.replace('0b00', '0c00'));
    const d = decodeLogArea(area(concatBytes(fromHex(SPEC_ID_EVENT + EVENT_1), bad)));
    expect(d?.extent).to.deep.include({ eventCount: 2, endReason: 'invalid-record' });
  });

  it('marks a torn copy (last record runs past the area) as invalid', () => {
    const torn = fromHex(SPEC_ID_EVENT + EVENT_1 + EVENT_2.slice(0, -8));
    expect(decodeLogArea(torn)?.extent).to.deep.include({ eventCount: 2, endReason: 'invalid-record' });
  });

  it('returns undefined for bytes that do not start with a Spec ID event', () => {
    expect(decodeLogArea(area(fromHex(EVENT_1)))).to.equal(undefined);
  });

  it('never throws on mutated areas and never claims more bytes than it was given', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(LOG.length + 64), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), (muts) => {
        const a = area(LOG, LOG.length + 64);
        for (const [i, v] of muts) a[i % a.length] = v;
        const d = decodeLogArea(a);
        if (d) expect(d.extent.length).to.be.at.most(a.length);
      }),
      { numRuns: 300 }
    );
  });
});

describe('findSpecIdCandidates', () => {
  it('finds the header of a page-aligned log and a stray unaligned copy, by guest-physical address', () => {
    const ram = new Uint8Array(0x3000);
    ram.set(LOG, 0x1000);
    ram.set(LOG, 0x2100);
    const found = findSpecIdCandidates(ram, 0x7000_0000);
    expect(found).to.deep.equal([
      { address: 0x7000_1000, pageAligned: true },
      { address: 0x7000_2100, pageAligned: false },
    ]);
  });

  it('ignores the bare signature string without a TCG_PCR_EVENT header in front', () => {
    const ram = new Uint8Array(0x1000);
    ram.set(SPEC_ID_SIGNATURE, 0x10); // too close to the start for a header
    ram.set(SPEC_ID_SIGNATURE, 0x200);
    ram[0x200 - 32 + 4] = 0x08; // eventType is not EV_NO_ACTION
    expect(findSpecIdCandidates(ram, 0)).to.deep.equal([]);
  });
});

describe('EFI_TCG2_FINAL_EVENTS_TABLE', () => {
  const specId = decodeEventLog(LOG).specId!;
  // gEfiTcg2FinalEventsTableGuid {0x1e2ed096, 0x30e2, 0x4254, {0xbd, 0x89, 0x86, 0x3b, 0xbe, 0xf8, 0x23, 0x25}}
  const GUID = '96d02e1e' + 'e230' + '5442' + 'bd89863bbef82325';

  it('finds a configuration-table entry pointing at a page-aligned table', () => {
    const ram = new Uint8Array(0x100);
    ram.set(fromHex(GUID + '00f07f1f00000000'), 0x40);
    ram.set(fromHex(GUID + '1234567800000000'), 0x80); // the GUID constant in an image, not a table entry
    expect(findFinalEventsPointers(ram, 0x1000)).to.deep.equal([{ entryAddress: 0x1040, tableAddress: 0x1f7ff000 }]);
  });

  it('measures an empty table as its 16-byte header', () => {
    const t = area(fromHex('0100000000000000' + '0000000000000000'), 0x8000);
    expect(measureFinalEventsTable(t, specId)).to.deep.equal({ version: 1n, numberOfEvents: 0n, length: 16 });
  });

  it('measures the records NumberOfEvents counts', () => {
    const t = area(fromHex('0100000000000000' + '0200000000000000' + EVENT_1 + EVENT_2), 0x8000);
    expect(measureFinalEventsTable(t, specId).length).to.equal(16 + (EVENT_1.length + EVENT_2.length) / 2);
  });

  it('rejects a table whose counted records are free space, or another version', () => {
    // A digest count of 0xFFFFFFFF is over TPML_DIGEST_VALUES' limit.
    expectDecodeError(() => measureFinalEventsTable(area(fromHex('0100000000000000' + '0100000000000000'), 0x100), specId), 'LIMIT_EXCEEDED');
    expectDecodeError(() => measureFinalEventsTable(area(fromHex('0200000000000000' + '0000000000000000'), 0x100), specId), 'BAD_VALUE');
  });
});
