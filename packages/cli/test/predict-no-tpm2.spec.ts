/**
 * `predict`, `profile` and `capture`'s checks for a build without TPM2_ENABLE. The image is the
 * embedded default firmware without the stand-in for the TPM2_ENABLE modules (platform-ovmf's
 * no-tpm2-builds.spec.ts compares it with three real builds' boots); the capture results are the
 * shape those real boots gave (platform-ovmf/test/vectors/no-tpm2/).
 */
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NO_TPM2_BUILD, buildDefaultFirmware } from '@tcg2sim/platform-ovmf';
import type { CaptureResult, TpmCommandRecord } from '@tcg2sim/platform-ovmf';
import { tempDir } from '@tcg2sim/test-support';
import { checkCapture } from '../src/commands/capture.ts';
import { runCli } from './harness.ts';

const ZERO = (n: number): string => '00'.repeat(n);
const zeroPcrs = Object.fromEntries(([['sha1', 20], ['sha256', 32], ['sha384', 48], ['sha512', 64]] as const).map(([bank, n]) => [bank, Object.fromEntries(Array.from({ length: 24 }, (_, i) => [String(i), ZERO(n)]))]));

/** The fields checkCapture reads of a capture that found no log (the rest is irrelevant to it). */
function noLogCapture(pcrs: Record<string, Record<string, string>>, stream: readonly TpmCommandRecord[]): CaptureResult {
  const r: Partial<CaptureResult> = {
    eventLog: new Uint8Array(), eventLogAddress: 0, eventCount: 0, logBanks: [],
    noLog: 'no TCG_2 event log in 536870912 bytes of guest RAM (0 Spec ID signatures, none a whole log)',
    tpmStartedByCapture: true, pcrs, tpmCommandStream: stream,
  };
  return r as CaptureResult;
}

const readClock = (origin: TpmCommandRecord['origin']): TpmCommandRecord => ({
  index: 0, locality: 0, commandCode: 0x181, name: 'TPM2_ReadClock', origin, command: '80010000000a00000181', response: '80010000000a00000101', responseCode: 0x101, ctrlBefore: [],
});

describe('a build without TPM2_ENABLE: predict, profile, capture', function () {
  this.timeout(60_000);
  let dir: ReturnType<typeof tempDir> | undefined;
  let code = '';
  before(() => {
    dir = tempDir('tcg2sim-no-tpm2-');
    const fw = buildDefaultFirmware({ omitPeims: [1] });
    code = join(dir.path, 'OVMF_CODE.fd');
    writeFileSync(code, fw.code);
    writeFileSync(join(dir.path, 'OVMF_VARS.fd'), fw.vars);
  });
  after(() => dir?.remove());

  it('predict --json: exit 0, complete, no events, the end state says why, PCRs 0-7 zero in the four banks', async () => {
    const r = await runCli('predict', '--code', code, '--vars', join(dir!.path, 'OVMF_VARS.fd'), '--json');
    expect(r.status, r.err).to.equal(0);
    expect(r.err).to.equal('');
    const j = JSON.parse(r.out) as { complete: boolean; endState: string; events: unknown[]; pcrs: object; tpmPcrs: Record<string, Record<string, string>>; mismatches: unknown[]; notes: string[] };
    expect(j.complete).to.equal(true);
    expect(j.endState).to.equal(NO_TPM2_BUILD);
    expect(j.events).to.deep.equal([]);
    expect(j.pcrs).to.deep.equal({});
    expect(j.mismatches).to.deep.equal([]);
    expect(Object.keys(j.tpmPcrs)).to.deep.equal(['sha1', 'sha256', 'sha384', 'sha512']);
    for (const bank of Object.values(j.tpmPcrs)) expect(Object.values(bank).every((v) => /^0+$/.test(v))).to.equal(true);
    expect(j.notes.some((n) => n.startsWith('INCOMPLETE'))).to.equal(false);
    expect(j.notes.some((n) => n.startsWith('the firmware never sent TPM2_Startup'))).to.equal(true);
  });

  it('predict (text): "no TCG2 event log" and the reason; exit 0', async () => {
    const r = await runCli('predict', '--code', code, '--vars', join(dir!.path, 'OVMF_VARS.fd'));
    expect(r.status, r.err).to.equal(0);
    expect(r.out.split('\n')[1]).to.equal(`no TCG2 event log; ${NO_TPM2_BUILD}`);
  });

  it('profile: MEASURES NOTHING first among what is modelled, no PCR0 caveat', async () => {
    const r = await runCli('profile', code, '--json');
    expect(r.status).to.equal(0);
    const j = JSON.parse(r.out) as { modelled: string[]; features: Record<string, { present: boolean }> };
    expect(j.modelled[0]).to.match(/^MEASURES NOTHING: this firmware build has no Tcg2Pei\/Tcg2Dxe/);
    expect(j.modelled.some((m) => m.startsWith('NOT MODELLED'))).to.equal(false);
    expect(j.features['tpm2']?.present).to.equal(false);
  });

  it('capture check: no log, no firmware command (QEMU\'s probe aside), PCRs 0-7 zero: ok; a firmware command or a PCR not zero: failed', async () => {
    const out = tempDir('tcg2sim-no-tpm2-capture-');
    try {
      const [ok] = await checkCapture(out.path, noLogCapture(zeroPcrs, [readClock('qemu-probe')]));
      expect(ok?.ok, ok?.detail).to.equal(true);
      expect(ok?.detail).to.match(/the firmware sent the TPM 0 commands and never started it/);
      const [cmd] = await checkCapture(out.path, noLogCapture(zeroPcrs, [readClock('firmware')]));
      expect(cmd?.ok).to.equal(false);
      const extended = { ...zeroPcrs, sha256: { ...zeroPcrs['sha256'], 0: 'ab'.repeat(32) } };
      const [pcr] = await checkCapture(out.path, noLogCapture(extended, []));
      expect(pcr?.ok).to.equal(false);
      expect(pcr?.detail).to.match(/PCRs 0-7 not zero: sha256:0$/);
    } finally {
      out.remove();
    }
  });
});
