/**
 * Debian 13's AAVMF (qemu-efi-aarch64 2025.02, AAVMF_CODE.secboot.fd: Tcg2Pei/Tcg2Dxe, no Shell)
 * against its real boot (test/vectors/debian-13-2025.02). Without QEMU's fw_cfg files every event
 * the model knows is exact and in place, PCRs 0 and 2-7 of every bank equal the real TPM's, and the
 * only gap is the one the image itself announces (QemuFwCfgAcpiPlatform's "ACPI DATA" events in
 * PCR1: predict gives QEMU 7.2's modelled (@tcg2sim/qemu-acpi) and reports INCOMPLETE for a VM the
 * model does not cover). With the files the installed QEMU builds for the VM (read under qtest,
 * @tcg2sim/qemu-fwcfg) every event and PCRs 0-7 are exact. The image is
 * fetched by scripts/fetch-debian-firmware.sh, never committed.
 */
import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toHex } from '@tcg2sim/binary-codec';
import { EV, decodeEventLog, eventToJson } from '@tcg2sim/event-log';
import type { EventLog } from '@tcg2sim/event-log';
import { hashAlgInfo } from '@tcg2sim/hash-lib';
import { RealClock } from '@tcg2sim/ptp';
import { SoftTpmBackend, SwtpmBackend } from '@tcg2sim/tpm-backends';
import { armVirtFeatures, armVirtImage, predictArmVirt } from '@tcg2sim/platform-armvirt';
import type { Prediction } from '@tcg2sim/platform-ovmf';
import { unmodelledMeasurements } from '@tcg2sim/platform-ovmf';
import { requirePrerequisites, FIRMWARE_CACHE as CACHE } from '@tcg2sim/test-support';
import { virtFwCfg } from './virt-fw-cfg.ts';

const DIR = join(CACHE, 'debian-trixie', 'qemu-efi-aarch64', 'usr', 'share', 'AAVMF');
const CODE = join(DIR, 'AAVMF_CODE.secboot.fd');
const VARS = join(DIR, 'AAVMF_VARS.fd');
const VECTOR = fileURLToPath(new URL('../../test/vectors/debian-13-2025.02/', import.meta.url));

/** The events as JSON without their position (index, offset), for comparing two logs' event lists. */
function events(log: EventLog): string[] {
  const u = log.specId?.uintnSize ?? 2;
  return log.events.map((e) => {
    const j = { ...(eventToJson(e, u) as Record<string, unknown>) };
    delete j['index'];
    delete j['offset'];
    return JSON.stringify(j);
  });
}

describe('prediction = captured Debian 13 AAVMF 2025.02 boot (secboot image, no Shell), but for the announced ACPI DATA events @integration', function () {
  this.timeout(120_000);
  const real = decodeEventLog(new Uint8Array(readFileSync(join(VECTOR, 'secboot-m1024c1all-eventlog.bin'))));
  const realPcrs = (JSON.parse(readFileSync(join(VECTOR, 'secboot-m1024c1all-pcrs.json'), 'utf8')) as { pcrs: Record<string, Record<string, string>> }).pcrs;
  let code: Uint8Array;
  let vars: Uint8Array;

  before(function () {
    requirePrerequisites(this, { files: [CODE, VARS], hint: 'run scripts/fetch-debian-firmware.sh trixie qemu-efi-aarch64' });
    code = new Uint8Array(readFileSync(CODE));
    vars = new Uint8Array(readFileSync(VARS));
  });

  function check(p: Prediction): void {
    const acpiData = real.events.filter((e) => e.pcrIndex === 1 && e.eventType === EV.PLATFORM_CONFIG_FLAGS);
    expect(acpiData).to.have.length(4);
    const known = events({ ...real, events: real.events.filter((e) => !acpiData.includes(e)) });
    expect(events(p.log)).to.deep.equal(known);
    for (const [alg, m] of p.tpmPcrs) {
      const bank = hashAlgInfo(alg).name;
      for (const i of [0, 2, 3, 4, 5, 6, 7]) expect(toHex(m.get(i) ?? new Uint8Array()), `${bank} PCR${i}`).to.equal(realPcrs[bank]?.[String(i)]);
      expect(toHex(m.get(1) ?? new Uint8Array()), `${bank} PCR1 lacks the ACPI DATA events`).to.not.equal(realPcrs[bank]?.['1']);
    }
    expect([...p.tpmPcrs.keys()].map((a) => hashAlgInfo(a).name).sort()).to.deep.equal(Object.keys(realPcrs).sort());
    expect(p.mismatches).to.deep.equal([]);
  }

  it('the image announces the gap: QemuFwCfgAcpiPlatform measures "ACPI DATA" (the boot needs QEMU\'s fw_cfg files)', () => {
    const f = armVirtFeatures(armVirtImage(code));
    expect(f['acpiDataMeasured']?.present).to.equal(true);
    expect(unmodelledMeasurements(f)).to.have.length(1);
  });

  it('soft TPM: S-CRTM version, the 0x2FF000-byte boot FV, PCR7, BDS without a Shell (ReadyToBoot once), PCRs 0 and 2-7', async () => {
    const backend = new SoftTpmBackend({});
    try {
      check(await predictArmVirt({ code, vars, machine: { memoryMiB: 1024, cpus: 1 }, backend }));
    } finally {
      await backend.close();
    }
  });

  it('swtpm: the same', async function () {
    requirePrerequisites(this, { tools: ['swtpm'] });
    const backend = await SwtpmBackend.start({});
    try {
      check(await predictArmVirt({ code, vars, machine: { memoryMiB: 1024, cpus: 1 }, backend, clock: new RealClock() }));
    } finally {
      await backend.close();
    }
  });

  it('the vector is there even when the image is not', () => {
    expect(existsSync(join(VECTOR, 'secboot-m1024c1all-eventlog.bin'))).to.equal(true);
  });
});

describe('prediction with QEMU\'s fw_cfg files = captured Debian 13 AAVMF 2025.02 boot, every event and PCRs 0-7 @integration', function () {
  this.timeout(120_000);
  const real = decodeEventLog(new Uint8Array(readFileSync(join(VECTOR, 'secboot-m1024c1all-eventlog.bin'))));
  const realPcrs = (JSON.parse(readFileSync(join(VECTOR, 'secboot-m1024c1all-pcrs.json'), 'utf8')) as { pcrs: Record<string, Record<string, string>> }).pcrs;
  let code: Uint8Array;
  let vars: Uint8Array;
  let fwCfgFiles: Map<string, Uint8Array>;

  before(async function () {
    requirePrerequisites(this, { files: [CODE, VARS], tools: ['qemu-system-aarch64', 'swtpm'], hint: 'run scripts/fetch-debian-firmware.sh trixie qemu-efi-aarch64' });
    code = new Uint8Array(readFileSync(CODE));
    vars = new Uint8Array(readFileSync(VARS));
    fwCfgFiles = await virtFwCfg();
  });

  function check(p: Prediction): void {
    expect(events(p.log)).to.deep.equal(events(real));
    expect(p.boot.acpiDataMeasured).to.equal(true);
    for (const [alg, m] of p.tpmPcrs) {
      const bank = hashAlgInfo(alg).name;
      for (let i = 0; i < 8; i++) expect(toHex(m.get(i) ?? new Uint8Array()), `${bank} PCR${i}`).to.equal(realPcrs[bank]?.[String(i)]);
    }
    expect([...p.tpmPcrs.keys()].map((a) => hashAlgInfo(a).name).sort()).to.deep.equal(Object.keys(realPcrs).sort());
    expect(p.mismatches).to.deep.equal([]);
  }

  it('soft TPM: the four "ACPI DATA" events after the separators, before BootOrder; every event and PCRs 0-7 of every bank', async () => {
    const backend = new SoftTpmBackend({});
    try {
      check(await predictArmVirt({ code, vars, machine: { memoryMiB: 1024, cpus: 1 }, backend, fwCfgFiles }));
    } finally {
      await backend.close();
    }
  });

  it('swtpm: the same', async () => {
    const backend = await SwtpmBackend.start({});
    try {
      check(await predictArmVirt({ code, vars, machine: { memoryMiB: 1024, cpus: 1 }, backend, clock: new RealClock(), fwCfgFiles }));
    } finally {
      await backend.close();
    }
  });
});
