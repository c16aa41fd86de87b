import { expect } from 'chai';
import { TPM_ALG_HASH } from '@tcg2sim/hash-lib';
import { EV, decodeEventLog, diffEventLogs, encodeEventLog, encodeVariableData } from '@tcg2sim/event-log';
import type { EventLog, LogEvent } from '@tcg2sim/event-log';
import { GLOBAL_VARIABLE, ovmfShellLog } from './fixtures/ovmf-like.ts';

const base = (): EventLog => decodeEventLog(ovmfShellLog([TPM_ALG_HASH.SHA1, TPM_ALG_HASH.SHA256]).encode());
function mutate(log: EventLog, i: number, change: (e: LogEvent) => Partial<LogEvent>): EventLog {
  return decodeEventLog(encodeEventLog({ specId: log.specId, events: log.events.map((e) => (e.index === i ? { ...e, ...change(e) } : e)) }));
}

describe('diffEventLogs', () => {
  it('finds two identical logs equal with no PCR changes', () => {
    const d = diffEventLogs(base(), base());
    expect(d.equal).to.equal(true);
    expect(d.divergence).to.equal(undefined);
    expect(d.pcrChanges).to.deep.equal([]);
  });

  it('explains a different image digest: same data, digests differ in sha1 first, PCR4 changes in both banks', () => {
    const b = mutate(base(), 24, (e) => ({ digests: e.digests.map((x) => ({ ...x, digest: x.digest.map((v) => v ^ 1) })) }));
    const d = diffEventLogs(base(), b);
    expect(d.divergence).to.deep.include({ eventIndex: 24, field: 'digests', bank: 'sha1', dataOffset: 0, pcrs: [4] });
    expect(d.pcrChanges.map((c) => `${c.bank}:${c.pcr}`)).to.deep.equal(['sha1:4', 'sha256:4']);
  });

  it('names the decoded field and byte offset of a data difference (BootOrder contents)', () => {
    const order = new Uint8Array([2, 0, 1, 0, 0, 0]);
    const b = mutate(base(), 10, () => ({ eventData: encodeVariableData({ variableName: GLOBAL_VARIABLE, unicodeName: 'BootOrder', variableData: order }) }));
    const d = diffEventLogs(base(), b);
    expect(d.divergence).to.deep.include({ eventIndex: 10, field: 'eventData', dataField: 'variableData', dataOffset: 32 + 18 });
    expect(d.divergence?.bytesA?.startsWith('00000100')).to.equal(true);
    expect(d.divergence?.bytesB?.startsWith('02000100')).to.equal(true);
    // the digest was not recomputed, so no PCR changes: the data alone differs
    expect(d.pcrChanges).to.deep.equal([]);
  });

  it('with measuredOnly, turns a data-only difference (image address) into a note', () => {
    const b = mutate(base(), 24, (e) => {
      const d = new Uint8Array(e.eventData);
      d[0] = (d[0] ?? 0) ^ 0xff; // ImageLocationInMemory: not measured
      return { eventData: d };
    });
    expect(diffEventLogs(base(), b).divergence).to.deep.include({ eventIndex: 24, field: 'eventData', dataField: 'imageLocationInMemory', dataOffset: 0 });
    const d = diffEventLogs(base(), b, { measuredOnly: true });
    expect(d.equal).to.equal(true);
    expect(d.dataNotes.map((n) => [n.eventIndex, n.dataField])).to.deep.equal([[24, 'imageLocationInMemory']]);
  });

  it('reports a PCR index change first, before data', () => {
    const d = diffEventLogs(base(), mutate(base(), 14, () => ({ pcrIndex: 5 })));
    expect(d.divergence).to.deep.include({ eventIndex: 14, field: 'pcrIndex', pcrs: [4, 5] });
  });

  it('reports an event type change', () => {
    const d = diffEventLogs(base(), mutate(base(), 14, () => ({ eventType: EV.ACTION })));
    expect(d.divergence?.field).to.equal('eventType');
  });

  it('reports events missing from the second log and extra in it', () => {
    const a = base();
    const short = decodeEventLog(encodeEventLog({ specId: a.specId, events: a.events.slice(0, 20) }));
    expect(diffEventLogs(a, short).divergence).to.deep.include({ eventIndex: 20, field: 'missing' });
    expect(diffEventLogs(short, a).divergence).to.deep.include({ eventIndex: 20, field: 'extra' });
  });

  it('lists every divergence, in log order, not only the first', () => {
    const flip = (e: LogEvent): Partial<LogEvent> => ({ digests: e.digests.map((x) => ({ ...x, digest: x.digest.map((v) => v ^ 1) })) });
    const d = diffEventLogs(base(), mutate(mutate(base(), 24, flip), 3, flip));
    expect(d.divergences.map((v) => [v.eventIndex, v.field])).to.deep.equal([[3, 'digests'], [24, 'digests']]);
    expect(d.divergence).to.deep.equal(d.divergences[0]);
    expect(diffEventLogs(base(), base()).divergences).to.deep.equal([]);
  });

  it('an event only one log has is one divergence: the events after it pair up again (eventIndexB shifted)', () => {
    const a = base();
    const extra = { ...a.events[14], index: 0 } as LogEvent; // a second copy of event 14 (PCR4 EV_EFI_ACTION)
    const b = decodeEventLog(encodeEventLog({ specId: a.specId, events: [...a.events.slice(0, 12), { ...extra, pcrIndex: 2, eventType: EV.EFI_BOOT_SERVICES_DRIVER }, ...a.events.slice(12)] }));
    const d = diffEventLogs(a, b);
    expect(d.divergences.map((v) => [v.eventIndex, v.eventIndexB, v.field])).to.deep.equal([[12, 12, 'extra']]);
    const back = diffEventLogs(b, a);
    expect(back.divergences.map((v) => [v.eventIndex, v.eventIndexB, v.field])).to.deep.equal([[12, undefined, 'missing']]);
    // a change after the inserted event names both indices
    const changed = decodeEventLog(encodeEventLog({ specId: b.specId, events: b.events.map((e) => (e.index === 21 ? { ...e, eventData: new Uint8Array([1, 0, 0, 0]) } : e)) }));
    expect(diffEventLogs(a, changed).divergences.map((v) => [v.eventIndex, v.eventIndexB, v.field])).to.deep.equal([[12, 12, 'extra'], [20, 21, 'eventData']]);
  });
});
