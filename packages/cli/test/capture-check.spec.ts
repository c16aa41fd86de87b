import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { decodeEventLog } from '@tcg2sim/event-log';
import type { EventLog, LogEvent } from '@tcg2sim/event-log';
import { dataDifference } from '@tcg2sim/verify';
import { allocatorAddressesOnly, checkLines } from '../src/commands/capture.ts';

// capture's own prediction check: a prediction that differs from the real boot only in an
// allocator address in event data (in no PCR) that its notes call not calibrated is accepted, with
// the address named; every other difference stays a failure. The real boot: Debian 13's OVMF
// 2025.02, q35 TIS 512 MiB (platform-ovmf's vector); "predictions" are edited copies of it.

const REAL = decodeEventLog(new Uint8Array(readFileSync(new URL('../../../platform-ovmf/test/vectors/debian-trixie-2025.02/q35-tis-512-eventlog.bin', import.meta.url))));
const EV_EFI_BOOT_SERVICES_APPLICATION = 0x80000003;
const EV_EFI_VARIABLE_BOOT = 0x80000002;
const UNCALIBRATED = ['image buffer address: not calibrated for this build and machine (ImageLocationInMemory is an estimate; use --image-buffer-address)'];

function edited(log: EventLog, pick: (e: LogEvent) => boolean, edit: (e: LogEvent) => LogEvent): EventLog {
  let done = false;
  const events = log.events.map((e) => {
    if (done || !pick(e)) return e;
    done = true;
    return edit(e);
  });
  expect(done, 'the vector has the event to edit').to.equal(true);
  return { ...log, events };
}

function withData(e: LogEvent, change: (d: Uint8Array) => void): LogEvent {
  const d = new Uint8Array(e.eventData);
  change(d);
  return { ...e, eventData: d };
}

const shellMoved = edited(REAL, (e) => e.eventType === EV_EFI_BOOT_SERVICES_APPLICATION, (e) => withData(e, (d) => { d[2] = (d[2] ?? 0) ^ 0x20; }));

describe('capture: the prediction check tolerates only noted allocator addresses', () => {
  it('the Shell loaded elsewhere, the notes say the address is an estimate: accepted, the address named', () => {
    const r = allocatorAddressesOnly(shellMoved, REAL, UNCALIBRATED, dataDifference);
    expect(r).to.have.length(1);
    expect(r?.[0]).to.match(/^event 25 .*ImageLocationInMemory 0x1e3a4018, predicted 0x1e1a4018$/);
  });

  it('the same difference while the prediction claimed a calibrated address: a failure', () => {
    expect(allocatorAddressesOnly(shellMoved, REAL, [], dataDifference)).to.equal(undefined);
  });

  it('any measured difference beside it (a boot variable\'s data, a digest, an event count): a failure', () => {
    const variable = edited(shellMoved, (e) => e.eventType === EV_EFI_VARIABLE_BOOT, (e) => withData(e, (d) => { d[d.length - 1] = (d[d.length - 1] ?? 0) ^ 1; }));
    expect(allocatorAddressesOnly(variable, REAL, UNCALIBRATED, dataDifference)).to.equal(undefined);
    const digest = edited(shellMoved, (e) => e.pcrIndex === 0 && e.eventType !== 3, (e) => ({ ...e, digests: e.digests.map((t, k) => (k === 0 ? { ...t, digest: t.digest.map((b) => b ^ 0xff) } : t)) }));
    expect(allocatorAddressesOnly(digest, REAL, UNCALIBRATED, dataDifference)).to.equal(undefined);
    expect(allocatorAddressesOnly({ ...shellMoved, events: shellMoved.events.slice(0, -1) }, REAL, UNCALIBRATED, dataDifference)).to.equal(undefined);
  });

  it('equal logs: nothing to tolerate', () => {
    expect(allocatorAddressesOnly(REAL, REAL, UNCALIBRATED, dataDifference)).to.equal(undefined);
  });
});

// capture's result lines go to stdout, which scripts and tests read through a pipe: colour codes
// there break every match on "FAILED  …". picocolors' default turns colour on whenever CI is set,
// pipes included (a CI run failed on exactly that), so the caller decides from the stream.
describe('capture: check lines are plain unless stdout is a terminal', () => {
  const checks = [{ name: 'event-log replay = TPM PCRs 0-7', ok: false, detail: '4 PCR mismatches' }, { name: 'prediction', ok: true, detail: 'exact' }];
  it('not a terminal: no escape sequence (picocolors reads CI at import, so only the flag can turn colour off)', () => {
    expect(checkLines(checks, false)).to.equal('FAILED  event-log replay = TPM PCRs 0-7: 4 PCR mismatches\nok  prediction: exact\n');
  });
  it('a terminal: FAILED in red, ok in green', () => {
    const text = checkLines(checks, true);
    expect(text).to.include('\x1b[31mFAILED\x1b[39m').and.to.include('\x1b[32mok\x1b[39m');
  });
});
