import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { fromHex, toHex } from '@tcg2sim/binary-codec';
import { TPM_ALG_HASH } from '@tcg2sim/hash-lib';
import { EV, decodeEventData, decodeEventLog, encodeEventLog, lintEventLog, replayEventLog, replayEventLogBytes, toTpm2ToolsYaml } from '@tcg2sim/event-log';
import { requirePrerequisites, tempDir } from '@tcg2sim/test-support';
import { OVMF_202211_PXE_LOG_HEX } from './vectors/ovmf-2022.11-pxe.ts';
import { OVMF_202211_SHELL_LOG_HEX } from './vectors/ovmf-2022.11-shell.ts';

const bytes = fromHex(OVMF_202211_PXE_LOG_HEX);

describe('a log captured from Debian OVMF 2022.11 under QEMU + swtpm', () => {
  const log = decodeEventLog(bytes);

  it('decodes 32 events in four banks and encodes back to the same bytes', () => {
    expect(log.format).to.equal('crypto-agile');
    expect(log.specId?.digestSizes.map((a) => a.algorithmId)).to.deep.equal([TPM_ALG_HASH.SHA1, TPM_ALG_HASH.SHA256, TPM_ALG_HASH.SHA384, TPM_ALG_HASH.SHA512]);
    expect(log.specId).to.deep.include({ platformClass: 0, specVersionMajor: 2, specVersionMinor: 0, specErrata: 0, uintnSize: 2 });
    expect(log.events.length).to.equal(32);
    expect(encodeEventLog(log)).to.deep.equal(bytes);
  });

  it('has the event order of docs/edk2-dxe.md §12.2 up to the boot attempts', () => {
    const types = log.events.slice(1, 10).map((e) => [e.pcrIndex, e.eventType]);
    expect(types).to.deep.equal([
      [0, EV.S_CRTM_VERSION], [0, EV.EFI_PLATFORM_FIRMWARE_BLOB], [0, EV.EFI_PLATFORM_FIRMWARE_BLOB],
      [7, EV.EFI_VARIABLE_DRIVER_CONFIG], [7, EV.EFI_VARIABLE_DRIVER_CONFIG], [7, EV.EFI_VARIABLE_DRIVER_CONFIG],
      [7, EV.EFI_VARIABLE_DRIVER_CONFIG], [7, EV.EFI_VARIABLE_DRIVER_CONFIG], [7, EV.SEPARATOR],
    ]);
    const blob = decodeEventData(EV.EFI_PLATFORM_FIRMWARE_BLOB, log.events[2]?.eventData ?? new Uint8Array());
    expect(blob).to.deep.equal({ kind: 'firmware-blob', value: { blobBase: 0x820000n, blobLength: 0xe0000n } });
  });

  it('carries the digests the facts file computed (S-CRTM version, SecureBoot = 0, PK absent, separator)', () => {
    const sha256 = (i: number): string => toHex(log.events[i]?.digests.find((d) => d.hashAlg === TPM_ALG_HASH.SHA256)?.digest ?? new Uint8Array());
    expect(sha256(1)).to.equal('96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7');
    expect(sha256(4)).to.equal('115aa827dbccfb44d216ad9ecfda56bdea620b860a94bed5b7a27bba1c4d02d8');
    expect(sha256(5)).to.equal('dea7b80ab53a3daaa24d5cc46c64e1fa9ffd03739f90aadbd8c0867c4a5b4890');
    expect(sha256(9)).to.equal('df3f619804a92fdb4057192dc43dd748ea778adc52bc498ce80524c014b81119');
  });

  it('keeps the option ROM device path raw (PciRoot ACPI node first)', () => {
    const v = decodeEventData(EV.EFI_BOOT_SERVICES_DRIVER, log.events[10]?.eventData ?? new Uint8Array());
    expect(v.kind).to.equal('image-load');
    if (v.kind === 'image-load') {
      expect(toHex(v.value.devicePath.subarray(0, 8))).to.equal('02010c00d041030a');
      expect(Number(v.value.lengthOfDevicePath)).to.equal(v.value.devicePath.length);
    }
  });

  it('passes every lint rule', () => {
    expect(lintEventLog(log)).to.deep.equal([]);
  });

  it('replays the same in both replay paths', () => {
    const a = replayEventLog(log);
    const b = replayEventLogBytes(bytes);
    for (const [alg, m] of a.banks) for (const [i, v] of m) expect(toHex(b.banks.get(alg)?.get(i) ?? new Uint8Array())).to.equal(toHex(v));
  });

  describe('against tpm2_eventlog @integration', function () {
    let dir: { path: string; remove: () => void };
    before(function () {
      requirePrerequisites(this, { tools: ['tpm2_eventlog'] });
      dir = tempDir('tcg2sim-real-log-');
    });
    after(() => dir.remove());
    for (const version of [1, 2] as const) {
      it(`prints the same YAML and PCRs (--eventlog-version ${version})`, () => {
        const file = join(dir.path, 'log.bin');
        writeFileSync(file, bytes);
        const theirs = execFileSync('tpm2_eventlog', ['--eventlog-version', String(version), file], { encoding: 'latin1', stdio: ['ignore', 'pipe', 'ignore'] });
        expect(toTpm2ToolsYaml(log, replayEventLog(log), { version })).to.equal(theirs);
      });
    }
  });
});

describe('a log captured from Debian OVMF 2022.11 booting to the UEFI Shell', () => {
  const shell = fromHex(OVMF_202211_SHELL_LOG_HEX);
  const log = decodeEventLog(shell);

  it('is the 25-event sequence of docs/edk2-dxe.md §12.2', () => {
    const seq = log.events.map((e) => `${e.pcrIndex}:${e.eventType.toString(16)}`);
    expect(seq).to.deep.equal([
      '0:3', '0:8', '0:80000008', '0:80000008', '7:80000001', '7:80000001', '7:80000001', '7:80000001', '7:80000001', '7:4',
      '1:80000002', '1:80000002', '1:80000002', '1:80000002', '4:80000007', '0:4', '1:4', '2:4', '3:4', '4:4', '5:4', '6:4',
      '4:80000007', '4:80000007', '4:80000003',
    ]);
    expect(encodeEventLog(log)).to.deep.equal(shell);
    expect(lintEventLog(log)).to.deep.equal([]);
  });

  it('logs the Shell image as §12.4 describes: 876672 bytes, Fv(DXEFV)/FvFile(Shell) device path', () => {
    const v = decodeEventData(EV.EFI_BOOT_SERVICES_APPLICATION, log.events[24]?.eventData ?? new Uint8Array());
    expect(log.events[24]?.eventData.length).to.equal(76);
    expect(v.kind).to.equal('image-load');
    if (v.kind === 'image-load') {
      expect(v.value.imageLengthInMemory).to.equal(876672n);
      expect(v.value.lengthOfDevicePath).to.equal(44n);
      expect(toHex(v.value.devicePath)).to.equal('04071400c9bdb87cebf8344faaea3ee4af6516a1' + '0406140083a5047c3e9e1c4fad65e05268d0b4d1' + '7fff0400');
    }
  });

  it('logs BootOrder 0000,0001,0002 with the digest of §9.2 (H of the variable data only)', () => {
    const e = log.events[10];
    const v = decodeEventData(EV.EFI_VARIABLE_BOOT, e?.eventData ?? new Uint8Array());
    expect(v.kind === 'variable' && v.value.unicodeName).to.equal('BootOrder');
    expect(e?.eventData.length).to.equal(56);
    expect(toHex(e?.digests.find((d) => d.hashAlg === TPM_ALG_HASH.SHA256)?.digest ?? new Uint8Array())).to.equal('90c2698921ca9fd02950be353f721888760e33ab5095a21e50f1e4360b6de1a0');
  });

  it('prints like tpm2_eventlog @integration', function () {
    requirePrerequisites(this, { tools: ['tpm2_eventlog'] });
    const dir = tempDir('tcg2sim-real-shell-');
    try {
      const file = join(dir.path, 'log.bin');
      writeFileSync(file, shell);
      for (const version of [1, 2] as const) {
        const theirs = execFileSync('tpm2_eventlog', ['--eventlog-version', String(version), file], { encoding: 'latin1', stdio: ['ignore', 'pipe', 'ignore'] });
        expect(toTpm2ToolsYaml(log, replayEventLog(log), { version })).to.equal(theirs);
      }
    } finally {
      dir.remove();
    }
  });
});
