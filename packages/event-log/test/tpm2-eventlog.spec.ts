import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { parse } from 'yaml';
import { toHex } from '@tcg2sim/binary-codec';
import { TPM_ALG_HASH, hashAlgInfo } from '@tcg2sim/hash-lib';
import type { TpmAlgHash } from '@tcg2sim/hash-lib';
import { encode } from '@tcg2sim/binary-codec';
import { EV, EventLogBuilder, TCGEfiStartupLocalityEvent, TCGSp800155PlatformIdEvent2, decodeEventLog, replayEventLog, toTpm2ToolsYaml } from '@tcg2sim/event-log';
import type { PcrReplay } from '@tcg2sim/event-log';
import { lazyTempDir, requirePrerequisites } from '@tcg2sim/test-support';
import { ovmfDiskBootTail, ovmfShellLog } from './fixtures/ovmf-like.ts';
import { banksArb, buildLog, buildSha1Log, eventsArb } from './fixtures/arbitrary.ts';

/** tpm2_eventlog's `pcrs:` section as bank → PCR → hex. */
function toolPcrs(yaml: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  const at = yaml.lastIndexOf('\npcrs:\n');
  let bank = '';
  for (const line of yaml.slice(at + 7).split('\n')) {
    const b = /^ {2}(\w+):$/.exec(line);
    if (b?.[1] !== undefined) {
      bank = b[1];
      out[bank] = {};
      continue;
    }
    const p = /^ {4}(\d+)\s*: 0x([0-9a-f]+)$/.exec(line);
    if (p?.[1] !== undefined && p[2] !== undefined) (out[bank] ??= {})[p[1]] = p[2];
  }
  return out;
}

function ourPcrs(r: PcrReplay): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const [alg, m] of r.banks) if (m.size > 0) out[hashAlgInfo(alg).name] = Object.fromEntries([...m].map(([i, v]) => [String(i), toHex(v)]));
  return out;
}

describe('agreement with tpm2_eventlog (tpm2-tools) @integration', function () {
  const dir = lazyTempDir('tcg2sim-eventlog-');
  before(function () {
    requirePrerequisites(this, { tools: ['tpm2_eventlog'] });
  });
  after(() => dir.remove());

  function run(bytes: Uint8Array, version: 1 | 2): string {
    const file = join(dir.path, 'log.bin');
    writeFileSync(file, bytes);
    return execFileSync('tpm2_eventlog', ['--eventlog-version', String(version), file], { encoding: 'latin1', stdio: ['ignore', 'pipe', 'ignore'] });
  }

  const CONFIGS: { name: string; algs: TpmAlgHash[]; disk: boolean }[] = [
    { name: 'SHA256, Shell boot', algs: [TPM_ALG_HASH.SHA256], disk: false },
    { name: 'SHA1+SHA256, Shell boot', algs: [TPM_ALG_HASH.SHA1, TPM_ALG_HASH.SHA256], disk: false },
    { name: 'SHA1+SHA256, disk boot with GPT and ExitBootServices', algs: [TPM_ALG_HASH.SHA1, TPM_ALG_HASH.SHA256], disk: true },
    { name: 'four SHA banks, disk boot', algs: [TPM_ALG_HASH.SHA1, TPM_ALG_HASH.SHA256, TPM_ALG_HASH.SHA384, TPM_ALG_HASH.SHA512], disk: true },
  ];
  for (const c of CONFIGS) {
    for (const version of [1, 2] as const) {
      it(`prints the same YAML, text for text, for an OVMF-shaped log (${c.name}, --eventlog-version ${version})`, () => {
        const b = ovmfShellLog(c.algs);
        const bytes = (c.disk ? ovmfDiskBootTail(b) : b).encode();
        const theirs = run(bytes, version);
        const log = decodeEventLog(bytes);
        const ours = toTpm2ToolsYaml(log, replayEventLog(log), { version });
        expect(ours).to.equal(theirs);
        const opts = { intAsBigInt: true, uniqueKeys: false } as const;
        expect(parse(ours, opts)).to.deep.equal(parse(theirs, opts));
        expect(ourPcrs(replayEventLog(log))).to.deep.equal(toolPcrs(theirs));
      });
    }
  }

  it('prints StartupLocality and SP800-155 EV_NO_ACTION events as tpm2_eventlog does (v1 and v2)', () => {
    const b = new EventLogBuilder({ algs: [TPM_ALG_HASH.SHA256] });
    const ascii = (t: string): Uint8Array => new Uint8Array(Buffer.from(t, 'latin1'));
    b.add({
      pcrIndex: 0, eventType: EV.NO_ACTION,
      eventData: encode(TCGSp800155PlatformIdEvent2, {
        signature: 'SP800-155 Event2', platformManufacturerId: 1, referenceManifestGuid: '11111111-2222-3333-4444-555555555555',
        platformManufacturerStr: ascii('QEMU\0'), platformModel: ascii('q35\0'), platformVersion: ascii('1\0'),
        firmwareManufacturerStr: ascii('EDK II\0'), firmwareManufacturerId: 0, firmwareVersion: ascii('2022.11\0'),
      }),
    });
    b.add({ pcrIndex: 0, eventType: EV.NO_ACTION, eventData: encode(TCGEfiStartupLocalityEvent, { signature: 'StartupLocality', startupLocality: 3 }) });
    b.add({ pcrIndex: 0, eventType: EV.S_CRTM_VERSION, eventData: new Uint8Array(2) });
    const bytes = b.encode();
    const log = decodeEventLog(bytes);
    for (const version of [1, 2] as const) {
      const theirs = run(bytes, version);
      // tpm2-tools 5.4 extends EV_NO_ACTION and ignores StartupLocality (both fixed after 5.4):
      // everything but the pcrs: section is compared, and the PCRs with its rules.
      const body = (y: string): string => y.slice(0, y.lastIndexOf('\npcrs:\n'));
      expect(body(toTpm2ToolsYaml(log, replayEventLog(log), { version }))).to.equal(body(theirs));
    }
    expect(replayEventLog(log).startupLocality).to.equal(3);
  });

  it('gets the PCRs and YAML of tpm2_eventlog for random crypto-agile logs', () => {
    const types = eventsArb({ noAction: true, maxLength: 25 }).map((es) => es.filter((e) => e.eventType !== EV.EFI_VARIABLE_BOOT));
    fc.assert(
      fc.property(banksArb, types, (algs, events) => {
        const bytes = buildLog(algs, events).encode();
        const theirs = run(bytes, 1);
        const log = decodeEventLog(bytes);
        // tpm2-tools 5.4 also extends EV_NO_ACTION digests; ask replay for its behaviour.
        const asTools = replayEventLog(log, { extendNoAction: true });
        expect(ourPcrs(asTools)).to.deep.equal(toolPcrs(theirs));
        expect(toTpm2ToolsYaml(log, asTools)).to.equal(theirs);
        if (!events.some((e) => e.eventType === EV.NO_ACTION)) expect(ourPcrs(replayEventLog(log))).to.deep.equal(toolPcrs(theirs));
      }),
      { numRuns: 25 }
    );
  });

  it('gets the PCRs and YAML of tpm2_eventlog for random SHA1 logs', () => {
    const events = eventsArb({ maxLength: 20 }).map((es) => es.filter((e) => e.eventType !== EV.EFI_VARIABLE_BOOT)).filter((es) => es.length > 0);
    fc.assert(
      fc.property(events, (es) => {
        const bytes = buildSha1Log(es).encode();
        const theirs = run(bytes, 1);
        const log = decodeEventLog(bytes);
        const r = replayEventLog(log, { extendNoAction: true });
        expect(ourPcrs(r)).to.deep.equal(toolPcrs(theirs));
        expect(toTpm2ToolsYaml(log, r)).to.equal(theirs);
      }),
      { numRuns: 15 }
    );
  });
});
