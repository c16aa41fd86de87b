import { expect } from 'chai';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  FIRST_BOOT_VARIABLES, MachineDescription, UEFI_SHELL_FILE_GUID, calibrationPointOfImage, decompressMemFvs, readFirmwareVersionString, dxeDerivedAllocations, imageBufferAddress, qemuTpmLogAddress, storeHistory, usedStoreShift,
} from '@tcg2sim/platform-ovmf';
import type { CalibrationPoint, DxeDerivedAllocations, ImageBufferContext, StoreHistoryKind } from '@tcg2sim/platform-ovmf';
import { EFI_SECTION, findFileByGuid, snapshotVariables } from '@tcg2sim/uefi';
import { OVMF_DIR, requirePrerequisites } from '@tcg2sim/test-support';

/** The calibration points of Debian's OVMF 2022.11 builds (the calibration keys, boot/calibration-point.ts). */
const CODE_4M: CalibrationPoint = 'x64-4m';
const CODE_2M: CalibrationPoint = 'x64-2m-tdx';
const SECBOOT_4M: CalibrationPoint = 'x64-4m-smm';

function getter(present: ReadonlySet<string>): (name: string, guid: string) => Uint8Array | undefined {
  return (name, guid) => (present.has(`${guid}:${name}`) ? Uint8Array.of(1) : undefined);
}
const ALL = FIRST_BOOT_VARIABLES.map(([n, g]) => `${g}:${n}`);

/** QEMU's default CPU (qemu64: 40-bit physical addresses, no 1 GiB pages), no RNG: the calibrated VMs. */
const DEFAULT_VM = { rng: false, physBits: 40, page1g: false } as const;
/** The image files of those builds (the Shell buffer model reads DXEFV's derived layers). */
const CODE_FILES: Readonly<Record<string, string>> = {
  [CODE_4M]: 'OVMF_CODE_4M.fd', [CODE_2M]: 'OVMF_CODE.fd', [SECBOOT_4M]: 'OVMF_CODE_4M.secboot.fd',
};
const derived = new Map<string, { readonly dxeAllocations: DxeDerivedAllocations; readonly fileSize: number }>();
function derivedOf(point: CalibrationPoint, machine: 'q35' | 'pc'): { readonly dxeAllocations: DxeDerivedAllocations; readonly fileSize: number } {
  const known = derived.get(`${point}:${machine}`);
  if (known !== undefined) return known;
  const sec = decompressMemFvs(new Uint8Array(readFileSync(join(OVMF_DIR, CODE_FILES[point] ?? ''))));
  // The image's own facts name the point its calibrations are keyed by.
  expect(calibrationPointOfImage(sec, readFirmwareVersionString(sec.peiFv.volume, sec.dxeFv.volume))).to.equal(point);
  const shellPe = findFileByGuid(sec.dxeFv.volume, UEFI_SHELL_FILE_GUID)?.sections?.find((x) => x.type === EFI_SECTION.PE32)?.body;
  const d = { dxeAllocations: dxeDerivedAllocations(sec.dxeFv, DEFAULT_VM, { peiFv: sec.peiFv, vm: { machine, flashBytes: sec.flash.image.length } }), fileSize: shellPe?.length ?? 0 };
  derived.set(`${point}:${machine}`, d);
  return d;
}
const needsImages = (t: Mocha.Context): void => requirePrerequisites(t, { files: Object.values(CODE_FILES).map((f) => join(OVMF_DIR, f)) });

function shell(machine: 'q35' | 'pc', memoryMiB: number, point: CalibrationPoint, storeHistory: StoreHistoryKind, extra: Partial<ImageBufferContext> = {}): bigint {
  return imageBufferAddress({
    machine: MachineDescription.parse({ machine, memoryMiB }), activePcrBanks: 0x1f, calibration: point, tsegBytes: 0, storeHistory, ...derivedOf(point, machine), ...extra,
  });
}

describe('variable store history: what an earlier boot left moves the Shell buffer and the TPM log area', () => {
  it("calls Debian's empty VARS templates fresh, and the Microsoft-keys one (made by a boot without a TPM) partial", function () {
    const files = ['OVMF_VARS_4M.fd', 'OVMF_VARS.fd', 'OVMF_VARS_4M.ms.fd'].map((f) => join(OVMF_DIR, f));
    requirePrerequisites(this, { files });
    const kinds = files.map((f) => {
      const snap = snapshotVariables(new Uint8Array(readFileSync(f)));
      const h = storeHistory((n, g) => snap.get(n, g)?.data);
      return [h.kind, h.tcg2VersionStored, h.missing];
    });
    expect(kinds).to.deep.equal([
      ['fresh', false, FIRST_BOOT_VARIABLES.map(([n]) => n)],
      ['fresh', false, FIRST_BOOT_VARIABLES.map(([n]) => n)],
      ['partial', false, ['TCG2_VERSION', 'TCG2_CONFIGURATION', 'TCG2_DEVICE_DETECTION', 'BootOrder']],
    ]);
  });

  it('calls a store with every first-boot variable booted, with none fresh, and with some partial', () => {
    expect(storeHistory(undefined).kind).to.equal('fresh');
    expect(storeHistory(getter(new Set(ALL)))).to.deep.equal({ kind: 'booted', tcg2VersionStored: true, missing: [] });
    fc.assert(
      fc.property(fc.subarray(ALL, { minLength: 1, maxLength: ALL.length - 1 }), (some) => {
        const h = storeHistory(getter(new Set(some)));
        expect(h.kind).to.equal('partial');
        expect(h.missing.length).to.equal(ALL.length - some.length);
        expect(h.tcg2VersionStored).to.equal(some.some((k) => k.endsWith(':TCG2_VERSION')));
      }),
      { numRuns: 200 }
    );
  });

  // Real second (and third) boots of Debian's OVMF 2022.11 from the store the first boot left.
  it('puts the Shell where real second boots loaded it', function () {
    needsImages(this);
    expect(shell('q35', 512, CODE_4M, 'booted')).to.equal(0x1e239018n);
    expect(shell('q35', 2048, CODE_4M, 'booted')).to.equal(0x7e239018n);
    expect(shell('q35', 1024, CODE_4M, 'booted')).to.equal(0x3e239018n);
    expect(shell('pc', 512, CODE_4M, 'booted')).to.equal(0x1e33a018n);
    expect(shell('pc', 512, CODE_2M, 'booted')).to.equal(0x1e343018n);
    expect(shell('q35', 512, CODE_2M, 'booted')).to.equal(0x1e24a018n);
    expect(shell('q35', 512, SECBOOT_4M, 'booted', { tsegBytes: 16 * 1024 * 1024 })).to.equal(0x1d1af018n);
  });

  it('keeps the fresh-store address for fresh and partial stores and where no used-store calibration exists', function () {
    needsImages(this);
    expect(shell('q35', 512, CODE_4M, 'fresh')).to.equal(0x1e21e018n);
    expect(shell('q35', 512, CODE_4M, 'partial')).to.equal(0x1e21e018n);
    expect(shell('pc', 512, CODE_2M, 'fresh')).to.equal(0x1e32c018n);
    const m = MachineDescription.parse({ machine: 'q35', memoryMiB: 512 });
    const base = { machine: m, activePcrBanks: 0x1f, fileSize: 0x100000, tsegBytes: 0 };
    expect(usedStoreShift({ ...base, calibration: undefined })).to.equal(undefined);
    expect(usedStoreShift({ ...base, calibration: CODE_4M, activePcrBanks: 0x02 })).to.equal(undefined);
    expect(usedStoreShift({ ...base, calibration: CODE_4M, diskAttached: true })).to.equal(undefined);
    expect(shell('q35', 512, CODE_4M, 'booted', { activePcrBanks: 0x02 })).to.equal(shell('q35', 512, CODE_4M, 'fresh', { activePcrBanks: 0x02 }));
  });

  it('puts the TPM log area where real boots from stores holding TCG2_VERSION allocated it', () => {
    const q512 = MachineDescription.parse({ machine: 'q35', memoryMiB: 512 });
    const q2048 = MachineDescription.parse({ machine: 'q35', memoryMiB: 2048 });
    const pc512 = MachineDescription.parse({ machine: 'pc', memoryMiB: 512 });
    expect(qemuTpmLogAddress(q512, CODE_4M, true)).to.equal(0x1f7c5000n);
    expect(qemuTpmLogAddress(q2048, CODE_4M, true)).to.equal(0x7f7c5000n);
    expect(qemuTpmLogAddress(pc512, CODE_2M, true)).to.equal(0x1f7c6000n);
    expect(qemuTpmLogAddress(pc512, CODE_4M, true)).to.equal(0x1f7c5000n);
    expect(qemuTpmLogAddress(MachineDescription.parse({ machine: 'q35', memoryMiB: 1024 }), CODE_4M, true)).to.equal(0x3f7c5000n);
    const smm = MachineDescription.parse({ machine: 'q35', memoryMiB: 512, smm: true });
    expect([qemuTpmLogAddress(smm, SECBOOT_4M), qemuTpmLogAddress(smm, SECBOOT_4M, true)]).to.deep.equal([0x1e7dc000n, 0x1e7bc000n]);
    expect(qemuTpmLogAddress(q512, CODE_4M)).to.equal(0x1f7e5000n);
  });
});
