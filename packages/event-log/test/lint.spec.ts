import { expect } from 'chai';
import { encode } from '@tcg2sim/binary-codec';
import { TPM_ALG_HASH } from '@tcg2sim/hash-lib';
import type { TpmAlgHash } from '@tcg2sim/hash-lib';
import {
  EV, EventLogBuilder, LINT_RULES, TCGEfiStartupLocalityEvent, decodeEventLog, encodeEventLog, hasLintErrors, lintEventLog,
} from '@tcg2sim/event-log';
import type { EventLog, LintRuleId, LogEvent } from '@tcg2sim/event-log';
import { ovmfDiskBootTail, ovmfShellLog } from './fixtures/ovmf-like.ts';

const ascii = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));

function ovmf(algs: TpmAlgHash[] = [TPM_ALG_HASH.SHA256]): EventLog {
  return decodeEventLog(ovmfDiskBootTail(ovmfShellLog(algs)).encode());
}

/** A copy of `log` with event `i` changed (re-encoded and decoded, so offsets are real). */
function mutate(log: EventLog, i: number, change: (e: LogEvent) => Partial<LogEvent>): EventLog {
  const events = log.events.map((e) => (e.index === i ? { ...e, ...change(e) } : e));
  return decodeEventLog(encodeEventLog({ specId: log.specId, events }));
}

function rules(log: EventLog): string[] {
  return lintEventLog(log).map((f) => `${f.rule}@${f.eventIndex}`);
}

describe('lintEventLog', () => {
  it('finds nothing in OVMF-shaped logs (one, two and four banks)', () => {
    for (const algs of [[TPM_ALG_HASH.SHA256], [TPM_ALG_HASH.SHA1, TPM_ALG_HASH.SHA256], [TPM_ALG_HASH.SHA1, TPM_ALG_HASH.SHA256, TPM_ALG_HASH.SHA384, TPM_ALG_HASH.SHA512]]) {
      expect(lintEventLog(ovmf(algs))).to.deep.equal([]);
    }
  });

  it('has stable ids, each with a name, severity and summary', () => {
    for (const [id, r] of Object.entries(LINT_RULES)) {
      expect(id).to.match(/^EL\d{3}$/);
      expect(r.name).to.match(/^[a-z0-9-]+$/);
    }
  });

  const CASES: { name: string; rule: LintRuleId; at: number; log: () => EventLog }[] = [
    { name: 'a SHA1 log where a crypto-agile one is expected', rule: 'EL001', at: 0, log: () => {
      const b = new EventLogBuilder({ algs: [TPM_ALG_HASH.SHA1], format: 'sha1' });
      b.add({ pcrIndex: 0, eventType: EV.S_CRTM_VERSION, eventData: new Uint8Array(2) });
      b.add({ pcrIndex: 0, eventType: EV.NO_ACTION, eventData: encode(TCGEfiStartupLocalityEvent, { signature: 'StartupLocality', startupLocality: 0 }) });
      const log = decodeEventLog(b.encode());
      const spec = new EventLogBuilder({ algs: [TPM_ALG_HASH.SHA256] }).build().events[0];
      return spec ? { ...log, events: [...log.events, { ...spec, index: 2 }] } : log;
    } },
    { name: 'a Spec ID with a wrong digest size', rule: 'EL002', at: 0, log: () => {
      const b = new EventLogBuilder({ algs: [TPM_ALG_HASH.SHA256] });
      const l = b.build();
      const specId = l.specId ? { ...l.specId, digestSizes: [{ algorithmId: TPM_ALG_HASH.SHA256, digestSize: 32 }, { algorithmId: TPM_ALG_HASH.SHA1, digestSize: 21 }] } : undefined;
      return { ...l, specId };
    } },
    { name: 'an event missing a Spec ID bank', rule: 'EL003', at: 3, log: () => mutate(ovmf([TPM_ALG_HASH.SHA1, TPM_ALG_HASH.SHA256]), 3, (e) => ({ digests: e.digests.slice(1) })) },
    { name: 'an EV_NO_ACTION with a non-zero digest', rule: 'EL004', at: 1, log: () => {
      const b = new EventLogBuilder({ algs: [TPM_ALG_HASH.SHA256] });
      b.add({ pcrIndex: 0, eventType: EV.NO_ACTION, eventData: ascii('x'), digestOf: ascii('x') });
      return decodeEventLog(b.encode());
    } },
    { name: 'StartupLocality after a PCR0 measurement', rule: 'EL005', at: 2, log: () => {
      const b = new EventLogBuilder({ algs: [TPM_ALG_HASH.SHA256] });
      b.add({ pcrIndex: 0, eventType: EV.S_CRTM_VERSION, eventData: new Uint8Array(2) });
      b.add({ pcrIndex: 0, eventType: EV.NO_ACTION, eventData: encode(TCGEfiStartupLocalityEvent, { signature: 'StartupLocality', startupLocality: 3 }) });
      return decodeEventLog(b.encode());
    } },
    { name: 'StartupLocality 2', rule: 'EL006', at: 1, log: () => {
      const b = new EventLogBuilder({ algs: [TPM_ALG_HASH.SHA256] });
      b.add({ pcrIndex: 0, eventType: EV.NO_ACTION, eventData: encode(TCGEfiStartupLocalityEvent, { signature: 'StartupLocality', startupLocality: 2 }) });
      return decodeEventLog(b.encode());
    } },
    { name: 'a separator whose digest is not H(data)', rule: 'EL010', at: 9, log: () => mutate(ovmf(), 9, (e) => ({ digests: e.digests.map((d) => ({ ...d, digest: new Uint8Array(d.digest.length) })) })) },
    { name: 'an EFI action whose digest is not H(string)', rule: 'EL011', at: 14, log: () => mutate(ovmf(), 14, () => ({ eventData: ascii('Calling EFI Application from Boot Option!') })) },
    { name: 'a PCR7 variable whose digest covers only the data', rule: 'EL012', at: 4, log: () => mutate(ovmf(), 4, (e) => ({ eventData: e.eventData.slice(0, e.eventData.length - 1) })) },
    { name: 'an S-CRTM version whose digest is not H(data)', rule: 'EL013', at: 1, log: () => mutate(ovmf(), 1, () => ({ eventData: new Uint8Array([1, 0]) })) },
    { name: 'a PCR7 variable too short for its lengths', rule: 'EL014', at: 4, log: () => mutate(ovmf(), 4, () => ({ eventData: new Uint8Array(20) })) },
    { name: 'an error separator', rule: 'EL015', at: 9, log: () => mutate(ovmf(), 9, () => ({ eventData: new Uint8Array([1, 0, 0, 0]) })) },
    { name: 'a second PCR3 separator', rule: 'EL020', at: 20, log: () => mutate(ovmf(), 20, () => ({ pcrIndex: 3 })) },
    { name: 'a separator after ExitBootServices', rule: 'EL021', at: 28, log: () => {
      const l = ovmf();
      const sep = l.events[9];
      return sep ? decodeEventLog(encodeEventLog({ specId: l.specId, events: [...l.events.filter((e) => e.index !== 9), sep] })) : l;
    } },
    { name: 'a PCR1 boot variable after the separators', rule: 'EL022', at: 23, log: () => mutate(ovmf(), 23, () => ({ pcrIndex: 1, eventType: EV.EFI_VARIABLE_BOOT })) },
    { name: 'PCR 24', rule: 'EL030', at: 14, log: () => mutate(ovmf(), 14, () => ({ pcrIndex: 24 })) },
    { name: 'an S-CRTM version on PCR1', rule: 'EL031', at: 1, log: () => mutate(ovmf(), 1, () => ({ pcrIndex: 1 })) },
    { name: 'an unknown event type', rule: 'EL032', at: 2, log: () => mutate(ovmf(), 2, () => ({ eventType: 0x7777 })) },
  ];
  for (const c of CASES) {
    it(`reports ${c.rule} (${LINT_RULES[c.rule].name}) for ${c.name}, naming event ${c.at}`, () => {
      expect(rules(c.log())).to.include(`${c.rule}@${c.at}`);
    });
  }

  it('reports a missing PCR0-7 separator against the whole log', () => {
    const l = ovmf();
    const log = decodeEventLog(encodeEventLog({ specId: l.specId, events: l.events.filter((e) => e.index !== 9) }));
    expect(rules(log)).to.include('EL020@-1');
    expect(hasLintErrors(lintEventLog(log))).to.equal(true);
  });

  it('counts warnings apart from errors', () => {
    const log = mutate(ovmf(), 9, () => ({ eventData: new Uint8Array([1, 0, 0, 0]) }));
    const f = lintEventLog(log).filter((x) => x.rule === 'EL015');
    expect(f[0]?.severity).to.equal('warning');
  });
});
