/**
 * Builds without TPM2_ENABLE (no Tcg2ConfigPei, Tcg2Pei, Tcg2Dxe) send the TPM nothing and
 * publish no TCG2 log. Truth: real boots of three such builds (QEMU 7.2 + swtpm, `tcg2sim
 * capture`): no TCG_2 log in guest RAM, no TPM command from the firmware in swtpm's log, the TPM
 * never started (the capture's own TPM2_Startup(CLEAR) succeeded) and PCRs 0-7 zero in every
 * bank. Vectors in test/vectors/no-tpm2/: <build>-q35-tis-512-capture.json (what swtpm held and
 * received) and <build>-profile.json (`tcg2sim profile --json` of the image). The synthetic
 * build is the embedded default firmware without the stand-in for the TPM2_ENABLE modules.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toHex } from '@tcg2sim/binary-codec';
import { EV, decodeEventLog } from '@tcg2sim/event-log';
import { hashAlgInfo } from '@tcg2sim/hash-lib';
import { SoftTpmBackend } from '@tcg2sim/tpm-backends';
import { VirtualClock } from '@tcg2sim/ptp';
import { MachineDescription, NO_TPM2_BUILD, buildDefaultFirmware, predict, profileImage, simulateBoot } from '@tcg2sim/platform-ovmf';
import type { BootResult, DefaultFirmwareOptions, Prediction } from '@tcg2sim/platform-ovmf';
import { skipOptional, FIRMWARE_CACHE } from '@tcg2sim/test-support';

const VECTORS = fileURLToPath(new URL('../../test/vectors/no-tpm2/', import.meta.url));
const TCG2_DXE = { name: 'Tcg2Dxe', guid: 'FDFF263D-5F68-4591-87BA-B768F445A9AF', text: 'Tcg2Dxe' };

/** A soft TPM that counts the commands it receives. */
class CountingBackend extends SoftTpmBackend {
  commands = 0;
  override transmit(command: Uint8Array, locality: number): Promise<Uint8Array> {
    this.commands++;
    return super.transmit(command, locality);
  }
}

async function bootDefault(o: DefaultFirmwareOptions): Promise<{ boot: BootResult; commands: number }> {
  const fw = buildDefaultFirmware(o);
  const backend = new CountingBackend({});
  try {
    const boot = await simulateBoot({ code: fw.code, vars: fw.vars, machine: MachineDescription.parse({}), tpmInterface: 'tis', backend, clock: new VirtualClock() });
    return { boot, commands: backend.commands };
  } finally {
    await backend.close();
  }
}

/** PCRs 0-7 of every bank, hex. */
function pcrs0to7(p: Prediction): Record<string, Record<string, string>> {
  return Object.fromEntries([...p.tpmPcrs].map(([alg, m]) => [hashAlgInfo(alg).name, Object.fromEntries([...m].map(([i, v]) => [String(i), toHex(v)]))]));
}

interface CaptureVector {
  readonly firmware: string;
  readonly codeSha256: string;
  readonly varsSha256: string;
  readonly noLog: string;
  readonly firmwareTpmCommands: number;
  readonly tpmStartedByCapture: boolean;
  readonly pcrs: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

const CAPTURES = readdirSync(VECTORS).filter((f) => f.endsWith('-q35-tis-512-capture.json')).map((f) => ({
  build: f.replace(/-q35-tis-512-capture\.json$/, ''),
  vector: JSON.parse(readFileSync(join(VECTORS, f), 'utf8')) as CaptureVector,
}));
const only0to7 = (v: CaptureVector['pcrs']): Record<string, Record<string, string>> =>
  Object.fromEntries(Object.entries(v).map(([bank, m]) => [bank, Object.fromEntries([0, 1, 2, 3, 4, 5, 6, 7].map((i) => [String(i), m[String(i)] ?? '']))]));

describe('builds without TPM2_ENABLE: no measurement, no TCG2 log, the TPM untouched', function () {
  this.timeout(120_000);

  it('the default firmware without its TPM stand-in sends the TPM no command and publishes no log', async () => {
    const { boot, commands } = await bootDefault({ omitPeims: [1] });
    expect(commands).to.equal(0);
    expect(boot.exchanges).to.deep.equal([]);
    expect(boot.eventLog.length).to.equal(0);
    expect(boot.finalEvents.length).to.equal(0);
    expect(boot.pei).to.equal(undefined);
    expect(boot.measuresNothing).to.equal(true);
    expect(boot.unmodelled).to.equal(undefined);
    expect(boot.endState).to.equal(NO_TPM2_BUILD);
    const entry = (m: string): { dispatched: boolean; evidence: string } | undefined => boot.dispatched?.find((d) => d.module === m);
    for (const m of ['Tcg2ConfigPei', 'Tcg2Pei', 'Tcg2Dxe']) expect(entry(m)?.dispatched, m).to.equal(false);
    expect(entry('BdsDxe')?.evidence).to.match(/stand-in for BdsDxe .*, but DXEFV has no Tcg2Dxe: nothing it does is measured/);
  });

  it('the default firmware keeps its stand-ins: Tcg2Pei found as Tcg2SimPeim1, the boot measured', async () => {
    const { boot } = await bootDefault({});
    expect(boot.dispatched?.find((d) => d.module === 'Tcg2Pei')).to.deep.include({ dispatched: true });
    expect(boot.dispatched?.find((d) => d.module === 'Tcg2Pei')?.evidence).to.match(/^PEIFV has Tcg2SimPeim1 \(.*\), the embedded default firmware's stand-in for Tcg2Pei/);
    expect(boot.measuresNothing).to.equal(undefined);
    expect(decodeEventLog(boot.eventLog).events.length).to.be.above(10);
  });

  it('predict: PCRs 0-7 of all four banks read after TPM2_Startup(CLEAR) are what the real boots left in swtpm (vectors, no firmware needed)', async () => {
    const fw = buildDefaultFirmware({ omitPeims: [1] });
    const p = await predict({ code: fw.code, vars: fw.vars });
    expect(p.tpmStartedAfterBoot).to.equal(true);
    expect(p.log.events).to.deep.equal([]);
    expect(p.mismatches).to.deep.equal([]);
    expect(CAPTURES.length).to.be.at.least(2);
    for (const { build, vector } of CAPTURES) {
      expect(vector.firmwareTpmCommands, build).to.equal(0);
      expect(vector.tpmStartedByCapture, build).to.equal(true);
      expect(vector.noLog, build).to.match(/^no TCG_2 event log in \d+ bytes of guest RAM \(0 Spec ID signatures/);
      expect(pcrs0to7(p), build).to.deep.equal(only0to7(vector.pcrs));
    }
  });

  it('Tcg2Dxe without Tcg2ConfigPei: PcdTpmInstanceGuid keeps its default (no TPM), Tcg2Dxe measures nothing', async () => {
    const { boot, commands } = await bootDefault({ omitPeims: [1], extraDxeModules: [TCG2_DXE] });
    expect(commands).to.equal(0);
    expect(boot.eventLog.length).to.equal(0);
    expect(boot.measuresNothing).to.equal(true);
    expect(boot.endState).to.match(/^PEIFV has no Tcg2ConfigPei: PcdTpmInstanceGuid keeps its build default/);
  });

  it('without BdsDxe (no OvmfPkg build): said to be unmodelled; nothing is booted, no ReadyToBoot separators', async () => {
    const { boot } = await bootDefault({ omitPeims: [3] });
    expect(boot.unmodelled).to.match(/^DXEFV has no BdsDxe \(every OvmfPkg build has both\)/);
    expect(boot.endState).to.match(/^DXEFV has no BdsDxe/);
    const events = decodeEventLog(boot.eventLog).events;
    expect(events.filter((e) => e.eventType === EV.SEPARATOR && e.pcrIndex < 7)).to.deep.equal([]);
  });

  for (const { build, vector } of CAPTURES) {
    it(`${build}: predict gives no log and the PCRs the real boot left; profile is the vector's`, async function () {
      const code = join(FIRMWARE_CACHE, build, 'OVMF_CODE.fd');
      const vars = join(FIRMWARE_CACHE, build, 'OVMF_VARS.fd');
      const missing = [code, vars].filter((f) => !existsSync(f));
      if (missing.length > 0) skipOptional(this, `missing ${missing.join(', ')}: ${vector.firmware}`);
      const image = new Uint8Array(readFileSync(code));
      expect(createHash('sha256').update(image).digest('hex')).to.equal(vector.codeSha256);
      const backend = new CountingBackend({});
      try {
        const p = await predict({ code: image, vars: new Uint8Array(readFileSync(vars)), backend });
        expect(p.boot.exchanges).to.deep.equal([]);
        expect(p.boot.eventLog.length).to.equal(0);
        expect(p.boot.endState).to.equal(NO_TPM2_BUILD);
        expect(pcrs0to7(p)).to.deep.equal(only0to7(vector.pcrs));
        // The firmware sent nothing: the commands are predict's own Startup, GetCapability and one PCR_Read per bank.
        expect(backend.commands).to.equal(2 + Object.keys(vector.pcrs).length);
      } finally {
        await backend.close();
      }
      const prof = profileImage(image); // as `tcg2sim profile --json` prints it
      const profile = JSON.parse(JSON.stringify({ image: 'OVMF_CODE.fd', ...prof, shell: prof.shell ?? null })) as unknown;
      expect(profile).to.deep.equal(JSON.parse(readFileSync(join(VECTORS, `${build}-profile.json`), 'utf8')));
    });
  }
});
