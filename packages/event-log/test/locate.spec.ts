import { expect } from 'chai';
import { ByteWriter } from '@tcg2sim/binary-codec';
import { TPM_ALG_HASH } from '@tcg2sim/hash-lib';
import {
  EV, EventLogError, decodeEventLog, decodeEventLogFromMemory, decodeFinalEventsTable, encodeLogEvent, locateEventLogs,
} from '@tcg2sim/event-log';
import { ovmfShellLog } from './fixtures/ovmf-like.ts';

describe('locating a log in guest memory', () => {
  it('finds the Spec ID header in a RAM dump and decodes the log up to the 0xFF free space', () => {
    const log = ovmfShellLog([TPM_ALG_HASH.SHA1, TPM_ALG_HASH.SHA256]).encode();
    const ram = new Uint8Array(1 << 20);
    for (let i = 0; i < ram.length; i++) ram[i] = (i * 13) & 0xff;
    ram.fill(0xff, 0x40000, 0x50000); // Tcg2Dxe's 16-page area, filled with 0xFF
    ram.set(log, 0x40000);
    // a stray signature without the header in front must not count
    ram.set(new Uint8Array(Buffer.from('Spec ID Event03\0', 'latin1')), 0x9000);
    expect(locateEventLogs(ram)).to.deep.equal([0x40000]);
    const found = decodeEventLogFromMemory(ram);
    expect(found?.events.length).to.equal(25);
    expect(found?.usedLength).to.equal(log.length);
    expect(found?.stop?.reason).to.equal('free-space');
  });

  it('returns undefined when memory holds no log', () => {
    expect(decodeEventLogFromMemory(new Uint8Array(4096))).to.equal(undefined);
  });
});

describe('EFI_TCG2_FINAL_EVENTS_TABLE', () => {
  const specId = decodeEventLog(ovmfShellLog([TPM_ALG_HASH.SHA256]).encode()).specId;
  const record = encodeLogEvent({
    format: 'TCG_PCR_EVENT2', pcrIndex: 5, eventType: EV.EFI_ACTION,
    digests: [{ hashAlg: TPM_ALG_HASH.SHA256, digest: new Uint8Array(32).fill(1) }], eventData: new Uint8Array(Buffer.from('Exit Boot Services Invocation')),
  }, specId);
  function table(n: bigint, ...records: Uint8Array[]): Uint8Array {
    const w = new ByteWriter();
    w.u64le(1n);
    w.u64le(n);
    for (const r of records) w.bytes(r);
    return w.finish();
  }

  it('decodes {Version 1, NumberOfEvents} and the records after it', () => {
    if (!specId) throw new Error('no spec id');
    const t = decodeFinalEventsTable(table(2n, record, record), specId);
    expect(t.version).to.equal(1n);
    expect(t.events.map((e) => [e.pcrIndex, e.offset])).to.deep.equal([[5, 16], [5, 16 + record.length]]);
  });

  it('refuses a NumberOfEvents the bytes cannot hold, and names a truncated record', () => {
    if (!specId) throw new Error('no spec id');
    expect(() => decodeFinalEventsTable(table(1n << 40n, record), specId)).to.throw(EventLogError).with.property('code', 'LIMIT_EXCEEDED');
    expect(() => decodeFinalEventsTable(table(2n, record, record.subarray(0, 20)), specId)).to.throw(EventLogError).with.property('eventIndex', 1);
  });
});
