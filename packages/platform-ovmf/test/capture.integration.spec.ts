import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeEventLog } from '@tcg2sim/event-log';
import { captureBoot, comparePcrs, replayWithTpm2Eventlog, SPEC_ID_SIGNATURE } from '@tcg2sim/platform-ovmf';
import type { CaptureResult, Tpm2EventlogReplay } from '@tcg2sim/platform-ovmf';
import { OVMF_DIR, requirePrerequisites, tempDir } from '@tcg2sim/test-support';

const CODE = join(OVMF_DIR, 'OVMF_CODE_4M.fd');
const VARS = join(OVMF_DIR, 'OVMF_VARS_4M.fd');
const TPM_CC_PCR_EXTEND = 0x182;

// One real boot (Debian OVMF, QEMU q35 + tpm-tis, fresh swtpm with all four banks) shared by every
// test below; about 5-15 s on an idle machine.
describe('captureBoot: real OVMF in QEMU with swtpm @integration', function () {
  this.timeout(300_000);
  let capture: CaptureResult;
  let replay: Tpm2EventlogReplay;
  let tmp: ReturnType<typeof tempDir> | undefined;

  before(async function () {
    requirePrerequisites(this, { tools: ['qemu-system-x86_64', 'swtpm', 'swtpm_setup', 'tpm2_eventlog'], files: [CODE, VARS] });
    tmp = tempDir('tcg2sim-capture-test-');
    capture = await captureBoot({ code: CODE, vars: VARS, machine: 'q35', memoryMiB: 512, tpmInterface: 'tis', timeoutSeconds: 240 });
    const file = join(tmp.path, 'eventlog.bin');
    writeFileSync(file, capture.eventLog);
    replay = await replayWithTpm2Eventlog(file);
  });

  after(() => {
    tmp?.remove();
  });

  it('takes a log that starts with the Spec ID Event03 event', () => {
    expect([...capture.eventLog.subarray(32, 48)]).to.deep.equal([...SPEC_ID_SIGNATURE]);
    const banks = decodeEventLog(capture.eventLog).specId?.digestSizes.map((a) => a.algorithmId);
    expect(banks).to.deep.equal([0x0004, 0x000b, 0x000c, 0x000d]);
  });

  it('takes a log tpm2_eventlog parses completely, event for event', () => {
    expect(replay.eventCount).to.equal(capture.eventCount);
    expect(Object.keys(replay.pcrs)).to.deep.equal(capture.logBanks);
  });

  it('reads PCRs 0-7 from swtpm equal to the ones tpm2_eventlog replays, in every active bank', () => {
    expect(Object.keys(capture.pcrs)).to.deep.equal(['sha1', 'sha256', 'sha384', 'sha512']);
    expect(comparePcrs(capture.pcrs, replay.pcrs, [0, 1, 2, 3, 4, 5, 6, 7])).to.deep.equal([]);
  });

  it('records one TPM2_PCR_Extend in the command stream for every measured event of the log', () => {
    const extends_ = (capture.tpmCommandStream ?? []).filter((c) => c.commandCode === TPM_CC_PCR_EXTEND);
    const measured = (replay.yaml.match(/^ {2}EventType: (?!EV_NO_ACTION)/gm) ?? []).length;
    expect(measured).to.be.greaterThan(0);
    expect(extends_.length).to.equal(measured);
    expect(extends_.every((c) => c.responseCode === 0)).to.equal(true);
  });

  it('returns the variable store as the firmware left it: same size as the template, with BDS writes in it', () => {
    const template = new Uint8Array(readFileSync(VARS));
    expect(capture.varsAfter?.length).to.equal(template.length);
    expect(Buffer.from(capture.varsAfter ?? []).equals(template)).to.equal(false);
  });

  it('finds the final events table, empty because nothing called GetEventLog', () => {
    expect(capture.finalEvents && [...capture.finalEvents]).to.deep.equal([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });
});
