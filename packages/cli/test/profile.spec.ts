/**
 * `tcg2sim profile`: checked against a real boot's event log of the same image (Debian 12's
 * OVMF_CODE_4M.fd booted under QEMU + swtpm, event-log's vector): the DXEFV digests are those of
 * its PCR0 blob event (DXEFV is measured as SEC left it), and the Shell's Authenticode digests
 * those of its PCR4 image event. PEIFV's pristine digest differs from its event: PlatformPei
 * writes into it first, at the offsets the profile names.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromHex, toHex } from '@tcg2sim/binary-codec';
import { decodeEventLog, EV } from '@tcg2sim/event-log';
import { hashAlgInfo } from '@tcg2sim/hash-lib';
import { OVMF_DIR, requirePrerequisites, tempDir } from '@tcg2sim/test-support';
import { runCli } from './harness.ts';

interface ProfileJson {
  peiArch: string;
  dxeArch: string;
  volumes: { name: string; base: string; digests: Record<string, string>; modules: { name: string; arch: string | null }[] }[];
  features: Record<string, { present: boolean; evidence: string }>;
  peiFvWrites: { found: boolean; offsets: Record<string, string> };
  shell: { digests: Record<string, string> } | null;
  modelled: string[];
}

const CODE = join(OVMF_DIR, 'OVMF_CODE_4M.fd');
const SECBOOT = join(OVMF_DIR, 'OVMF_CODE_4M.secboot.fd');

async function profile(file: string): Promise<ProfileJson> {
  const r = await runCli('profile', file, '--json');
  expect(r.status, r.err).to.equal(0);
  return JSON.parse(r.out) as ProfileJson;
}

/** event-log's real-boot vector (its compiled test module; a package's tests do not import another's). */
async function realLogHex(): Promise<string> {
  const url = new URL('../../../event-log/dist/test/vectors/ovmf-2022.11-shell.js', import.meta.url);
  const m: unknown = await import(url.href);
  const hex = (m as { OVMF_202211_SHELL_LOG_HEX?: unknown }).OVMF_202211_SHELL_LOG_HEX;
  if (typeof hex !== 'string') throw new Error('event-log\'s real-boot vector is missing');
  return hex;
}

let realLog: string | undefined;
function eventDigests(type: number, pcr: number, nth = 0): Record<string, string> {
  if (realLog === undefined) throw new Error('load the vector first');
  const log = decodeEventLog(fromHex(realLog));
  const e = log.events.filter((x) => x.eventType === type && x.pcrIndex === pcr)[nth];
  if (e === undefined) throw new Error('vector lacks the event');
  return Object.fromEntries(e.digests.map((d) => [hashAlgInfo(d.hashAlg).name, toHex(d.digest)]));
}

describe('tcg2sim profile', function () {
  this.timeout(60_000);

  it('DXEFV digests and the Shell digests equal the real boot\'s PCR0 and PCR4 events', async function () {
    requirePrerequisites(this, { files: [CODE] });
    realLog = await realLogHex();
    const p = await profile(CODE);
    const dxe = p.volumes.find((v) => v.name === 'DXEFV');
    // The second PCR0 blob event is DXEFV's (PEIFV, then DXEFV).
    expect(dxe?.digests).to.deep.equal(eventDigests(EV.EFI_PLATFORM_FIRMWARE_BLOB, 0, 1));
    expect(p.shell?.digests).to.deep.equal(eventDigests(EV.EFI_BOOT_SERVICES_APPLICATION, 4));
    // PEIFV is measured after PlatformPei's writes: the pristine digest is not the event's.
    const pei = p.volumes.find((v) => v.name === 'PEIFV');
    expect(pei?.digests['sha256']).to.not.equal(eventDigests(EV.EFI_PLATFORM_FIRMWARE_BLOB, 0, 0)['sha256']);
    expect(p.peiFvWrites.found).to.equal(true);
    expect(Object.keys(p.peiFvWrites.offsets)).to.deep.equal(['mPlatformInfoHob', 'mQemuFwCfgSupported', 'mQemuFwCfgDmaSupported']);
  });

  it('the PEIFV bytes that differ between the pristine volume and the measured one lie at the offsets named', async function () {
    requirePrerequisites(this, { files: [CODE] });
    const p = await profile(CODE);
    const { decompressMemFvs, peiFvAtMeasurement, buildFactsFromPeiFv, DEBIAN_2022_11_BUILD, MachineDescription } = await import('@tcg2sim/platform-ovmf');
    const sec = decompressMemFvs(new Uint8Array(readFileSync(CODE)));
    const m = peiFvAtMeasurement(sec.peiFv, MachineDescription.parse({}), buildFactsFromPeiFv(sec.peiFv.volume, DEBIAN_2022_11_BUILD));
    const changed: number[] = [];
    for (let i = 0; i < m.bytes.length; i++) if (m.bytes[i] !== sec.peiFv.bytes[i]) changed.push(i);
    const info = Number(p.peiFvWrites.offsets['mPlatformInfoHob']);
    const flags = Number(p.peiFvWrites.offsets['mQemuFwCfgSupported']);
    for (const c of changed) expect(c >= info && c < info + 138 || c === flags || c === flags + 1, `byte 0x${c.toString(16)}`).to.equal(true);
  });

  it('architectures and features of Debian\'s builds', async function () {
    requirePrerequisites(this, { files: [CODE, SECBOOT] });
    const plain = await profile(CODE);
    expect([plain.peiArch, plain.dxeArch]).to.deep.equal(['IA32', 'X64']);
    expect(plain.features['tpm2']?.present).to.equal(true);
    expect(plain.features['smm']?.present).to.equal(false);
    expect(plain.features['acpiDataMeasured']?.present).to.equal(false);
    const sb = await profile(SECBOOT);
    expect(sb.features['smm']?.present).to.equal(true);
    expect(sb.volumes.find((v) => v.name === 'DXEFV')?.modules.map((m) => m.name)).to.include.members(['PiSmmCore', 'VariableSmm', 'Tcg2Dxe']);
    expect(sb.modelled.join('\n')).to.match(/calibrated on real boots of builds with the facts this image shows \(calibration point [^)]+\)/);
  });

  it('the embedded default firmware: no PlatformPei writes, said in the notes; text output', async () => {
    const r = await runCli('profile', '--json', ...(await defaultImage()));
    expect(r.status, r.err).to.equal(0);
    const p = JSON.parse(r.out) as ProfileJson;
    expect(p.peiFvWrites.found).to.equal(false);
    expect(p.modelled.join('\n')).to.match(/no calibration point matches the facts this image shows, an estimate/);
    const t = await runCli('profile', ...(await defaultImage()));
    expect(t.out).to.match(/modelled, not read from the image:/);
  });

  it('bad input: one line, exit 2, never a crash (fast-check)', async () => {
    const tmp = tempDir('tcg2sim-profile-');
    try {
      const f = join(tmp.path, 'x.fd');
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), async (b) => {
          writeFileSync(f, b);
          const r = await runCli('profile', f);
          expect(r.status).to.equal(2);
          expect(r.err.trim().split('\n')).to.have.length(1);
        }),
        { numRuns: 30 }
      );
      const missing = await runCli('profile', join(tmp.path, 'none.fd'));
      expect(missing.status).to.equal(2);
      expect(missing.err).to.match(/no such file/);
    } finally {
      tmp.remove();
    }
  });
});

let defaultPath: string | undefined;
/** The embedded default firmware written to a file once. */
async function defaultImage(): Promise<[string]> {
  if (defaultPath === undefined) {
    const { buildDefaultFirmware } = await import('@tcg2sim/platform-ovmf');
    const tmp = tempDir('tcg2sim-profile-default-');
    defaultPath = join(tmp.path, 'default.fd');
    writeFileSync(defaultPath, buildDefaultFirmware().code);
  }
  return [defaultPath];
}

describe('predict on a build that measures what is not modelled', function () {
  this.timeout(60_000);

  it('a DXEFV whose QemuFwCfgAcpiPlatform holds "ACPI DATA", and SmbiosMeasurementDxe: QEMU 7.2\'s files modelled; with a NIC INCOMPLETE (JSON complete: false, a stderr line)', async () => {
    const { buildDefaultFirmware } = await import('@tcg2sim/platform-ovmf');
    const plain = await runCli('predict', '--json');
    expect((JSON.parse(plain.out) as { complete: boolean }).complete).to.equal(true);
    // The module set of a 202505 build, on the embedded firmware: the two measuring modules.
    const fw = buildDefaultFirmware({
      extraDxeModules: [
        { name: 'QemuFwCfgAcpiPlatform', guid: '17985E6F-E778-4D94-AEFA-C5DD2B77E186', text: 'ACPI DATA' },
        { name: 'SmbiosMeasurementDxe', guid: 'D27FED59-ABB4-4FED-BEAD-2A878C7E4A7E', text: 'stand-in' },
      ],
    });
    const tmp = tempDir('tcg2sim-incomplete-');
    try {
      const code = join(tmp.path, 'code.fd');
      const vars = join(tmp.path, 'vars.fd');
      writeFileSync(code, fw.code);
      writeFileSync(vars, fw.vars);
      const p = await runCli('profile', code, '--json');
      const prof = JSON.parse(p.out) as ProfileJson;
      expect(prof.features['acpiDataMeasured']?.present).to.equal(true);
      expect(prof.features['smbiosMeasured']?.present).to.equal(true);
      expect(prof.modelled.filter((m) => m.startsWith('NEEDS QEMU'))).to.have.length(2);
      expect(prof.modelled.filter((m) => m.startsWith('NOT MODELLED'))).to.deep.equal([]);
      // The VM capture starts: QEMU 7.2's ACPI blobs and SMBIOS tables modelled (@tcg2sim/qemu-acpi).
      const m = await runCli('predict', '--code', code, '--vars', vars, '--json');
      const modelled = JSON.parse(m.out) as { complete: boolean; notes: string[] };
      expect(modelled.complete).to.equal(true);
      expect(modelled.notes.some((n) => n.startsWith('QEMU 7.2\'s ACPI tables (modelled)'))).to.equal(true);
      // A pci-bridge is outside the model (QEMU's DSDT describes the bridge's slots).
      const line = `qemu-system-x86_64 -machine q35 -m 512 -drive if=pflash,format=raw,unit=0,readonly=on,file=${code} -drive if=pflash,format=raw,unit=1,file=${vars}` +
        ' -chardev socket,id=chrtpm,path=/run/swtpm.sock -tpmdev emulator,id=tpm0,chardev=chrtpm -device tpm-tis,tpmdev=tpm0 -net none -device pci-bridge,chassis_nr=1,id=b1';
      const j = await runCli('predict', '--qemu-cmdline', line, '--json');
      const out = JSON.parse(j.out) as { complete: boolean; notes: string[] };
      expect(out.complete).to.equal(false);
      expect(out.notes.filter((n) => n.startsWith('INCOMPLETE'))).to.have.length(2);
      expect(out.notes.some((n) => n.startsWith('QEMU\'s ACPI blobs are not modelled for this VM (the command line\'s -device pci-bridge'))).to.equal(true);
      // a NIC is modelled (its BARs placed as OVMF places them)
      const nic = JSON.parse((await runCli('predict', '--code', code, '--vars', vars, '--nic', 'e1000', '--json')).out) as { complete: boolean; notes: string[] };
      expect(nic.notes.some((n) => n.startsWith('QEMU 7.2\'s ACPI tables (modelled)') && n.includes('e1000 at 00:02.0'))).to.equal(true);
      const t = await runCli('predict', '--qemu-cmdline', line);
      expect(t.err).to.match(/^tcg2sim: INCOMPLETE: this build measures QEMU's ACPI blobs/m);
    } finally {
      tmp.remove();
    }
  });
});
