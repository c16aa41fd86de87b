/**
 * The image-derived layers of DXE's allocations above the Shell's buffer (dxe-allocation-model.ts)
 * against facts read from guest RAM of real boots (docs/dxe-allocations.md §1: QMP pmemsave at the
 * Shell prompt, the DXE core's LOADED_IMAGE_PRIVATE_DATA and POOL_HEAD structures walked with
 * dxe-ram-walk.ts). The dumps are not committed; the numbers below are what they held.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeEventLog, EV } from '@tcg2sim/event-log';
import {
  MachineDescription, UEFI_SHELL_FILE_GUID, calibrationPointOfImage, decompressMemFvs, readFirmwareVersionString, derivedPages, driverStarts, dxeDerivedAllocations, familyRemainderPages, identityMapPoolPages, imageBufferAddress,
  shellBufferCalibrated, streamCopyPoolSize,
} from '@tcg2sim/platform-ovmf';
import type { CalibrationPoint, MemoryFv } from '@tcg2sim/platform-ovmf';
import { EFI_SECTION, findFileByGuid, parseEfiImage } from '@tcg2sim/uefi';
import type { FfsFile } from '@tcg2sim/uefi';
import { OVMF_DIR, requirePrerequisites, debianOvmfDir, fetchHint } from '@tcg2sim/test-support';

interface DumpFacts {
  readonly label: string;
  readonly file: string;
  readonly hint?: string;
  /** Boot-services drivers in the LOADED_IMAGE list at the Shell prompt (DxeCore aside), and their pages. */
  readonly loadedDrivers: number;
  readonly loadedDriverPages: number;
  /** Boot-services drivers in DXEFV with no LOADED_IMAGE at the Shell prompt (UI names). */
  readonly notLoaded: readonly string[];
  /** Pages of the page-aligned section-stream copies of 4 KiB and more (POOL_HEAD.Size ≥ 0x1000, data = the FFS file). */
  readonly copyPagesFrom4K: number;
}

const TRIXIE = debianOvmfDir('trixie');
const BULLSEYE = debianOvmfDir('bullseye');
/** QEMU's default CPU (qemu64: 40-bit physical addresses as 2022.11+ PlatformPei takes them, no 1 GiB pages), no RNG. */
const DEFAULT_VM = { rng: false, physBits: 40, page1g: false } as const;
const BUILDS: readonly DumpFacts[] = [
  {
    label: 'Debian 12 OVMF_CODE_4M.fd (q35 and pc, 512 MiB)', file: join(OVMF_DIR, 'OVMF_CODE_4M.fd'), loadedDrivers: 93, loadedDriverPages: 903,
    notLoaded: ['QemuKernelLoaderFsDxe', 'QemuRamfbDxe', 'AmdSevDxe', 'TcgDxe'], copyPagesFrom4K: 1307,
  },
  {
    label: 'Debian 12 OVMF_CODE.fd (2 MB; q35 and pc)', file: join(OVMF_DIR, 'OVMF_CODE.fd'), loadedDrivers: 94, loadedDriverPages: 920,
    notLoaded: ['CpuDxe', 'QemuKernelLoaderFsDxe', 'QemuRamfbDxe', 'AmdSevDxe', 'TcgDxe'], copyPagesFrom4K: 1345,
  },
  {
    label: 'Debian 12 OVMF_CODE_4M.secboot.fd (q35 + SMM, Secure Boot off and on)', file: join(OVMF_DIR, 'OVMF_CODE_4M.secboot.fd'), loadedDrivers: 94, loadedDriverPages: 902,
    notLoaded: ['QemuKernelLoaderFsDxe', 'QemuRamfbDxe', 'AmdSevDxe', 'TcgDxe'], copyPagesFrom4K: 1375,
  },
  {
    label: 'Debian 13 OVMF_CODE_4M.fd (2025.02, q35)', file: join(TRIXIE, 'OVMF_CODE_4M.fd'), hint: fetchHint('trixie'), loadedDrivers: 77, loadedDriverPages: 642,
    notLoaded: [
      'CpuDxe', 'QemuKernelLoaderFsDxe', 'SnpDxe', 'VlanConfigDxe', 'MnpDxe', 'ArpDxe', 'Dhcp4Dxe', 'Ip4Dxe', 'Udp4Dxe', 'Mtftp4Dxe', 'Dhcp6Dxe', 'Ip6Dxe', 'Udp6Dxe',
      'Mtftp6Dxe', 'TcpDxe', 'UefiPxeBcDxe', 'DnsDxe', 'HttpDxe', 'HttpUtilitiesDxe', 'HttpBootDxe', 'IScsiDxe', 'QemuRamfbDxe', 'AmdSevDxe',
      'TdTcg2Dxe', 'TcgDxe', 'tftpDynamicCommand', 'httpDynamicCommand', 'RngDxe',
    ],
    copyPagesFrom4K: 1181,
  },
];

function uiName(f: FfsFile): string {
  const ui = f.sections?.find((s) => s.type === EFI_SECTION.USER_INTERFACE);
  return ui === undefined ? f.guid : Buffer.from(ui.body).toString('utf16le').replace(/\0.*$/s, '');
}

const secs = new Map<string, ReturnType<typeof decompressMemFvs>>();
function secOf(file: string): ReturnType<typeof decompressMemFvs> {
  const known = secs.get(file);
  if (known !== undefined) return known;
  const sec = decompressMemFvs(new Uint8Array(readFileSync(file)));
  secs.set(file, sec);
  return sec;
}
function dxeFvOf(file: string): MemoryFv {
  return secOf(file).dxeFv;
}

describe('DXE allocation model: the layers DXEFV decides, against guest RAM of real boots', () => {
  for (const b of BUILDS) {
    describe(b.label, () => {
      beforeEach(function () {
        requirePrerequisites(this, { files: [b.file], ...(b.hint !== undefined ? { hint: b.hint } : {}) });
      });

      it(`starts the ${b.loadedDrivers} boot-services drivers the LOADED_IMAGE list held, ${b.loadedDriverPages} pages of SizeOfImage`, () => {
        const fv = dxeFvOf(b.file);
        const d = dxeDerivedAllocations(fv, DEFAULT_VM, { peiFv: secOf(b.file).peiFv, vm: { machine: 'q35', flashBytes: secOf(b.file).flash.image.length } });
        expect([d.startedDrivers, d.driverImagePages]).to.deep.equal([b.loadedDrivers, b.loadedDriverPages]);
        const drivers = fv.volume.files.filter((f) => f.type === 0x07 && isBootServicesDriver(f));
        expect(drivers.filter((f) => !driverStarts(f, DEFAULT_VM)).map(uiName)).to.have.members(b.notLoaded);
      });

      it('keeps a section-stream copy of every driver and application file: the page-granular ones of 4 KiB and more are the pages the dump held', () => {
        const fv = dxeFvOf(b.file);
        const d = dxeDerivedAllocations(fv, DEFAULT_VM, { peiFv: secOf(b.file).peiFv, vm: { machine: 'q35', flashBytes: secOf(b.file).flash.image.length } });
        const copied = fv.volume.files.filter((f) => [0x07, 0x09, 0x0a, 0x0c, 0x0d].includes(f.type)).map((f) => streamCopyPoolSize(f.size, 0x20, 8));
        // Copies of 2689..4096 bytes are one page each, below the walk's 4 KiB cut.
        const onePage = copied.filter((s) => s > 2688 && s <= 0x1000).length;
        expect(d.ffsCopyPages - onePage).to.equal(b.copyPagesFrom4K);
      });
    });
  }

  it('sizes DxeIpl\'s page-table pool as guest RAM held it: 0x600000 for 40 bits (Debian 12, 13), 0x200000 for 36 bits (Debian 11 2020.11)', () => {
    // Debian 12 OVMF_CODE_4M.fd q35 512 MiB: BSData [0x1F800000, 0x1FE00000) under the top 2 MiB;
    // Debian 11 OVMF_CODE_4M.fd q35 512 MiB: CPU HOB SizeOfMemorySpace 36, BSData [0x1FC00000, 0x1FE00000).
    expect([identityMapPoolPages(40, false) * 0x1000, identityMapPoolPages(36, false) * 0x1000]).to.deep.equal([0x600000, 0x200000]);
    // With 1 GiB pages no page directories: PML4 + 2 PDPT pages fit one unit.
    expect(identityMapPoolPages(40, true)).to.equal(512);
  });

  it("gives each copy the POOL_HEAD.Size the dump held (Debian 12 OVMF_CODE_4M.fd): ALIGN8(FFS size + 8) + 0x20", function () {
    const file = join(OVMF_DIR, 'OVMF_CODE_4M.fd');
    requirePrerequisites(this, { files: [file] });
    const measured: Readonly<Record<string, number>> = {
      PcdDxe: 10208, SecurityStubDxe: 453472, VirtioRngDxe: 4344, Tcg2Dxe: 44096, TcgDxe: 11920, UiApp: 111256, Shell: 876800, VariableRuntimeDxe: 483496, RamDiskDxe: 28696,
    };
    const sizes = Object.fromEntries(dxeFvOf(file).volume.files.filter((f) => uiName(f) in measured).map((f) => [uiName(f), streamCopyPoolSize(f.size, 0x20, 8)]));
    expect(sizes).to.deep.equal(measured);
  });

  it('puts the calibrated builds\' Shell where their real boots did, and estimates Debian 13 2025.02 (not calibrated) 4 pages low', function () {
    const trixie = join(TRIXIE, 'OVMF_CODE_4M.fd');
    requirePrerequisites(this, { files: [join(OVMF_DIR, 'OVMF_CODE_4M.fd'), trixie], hint: fetchHint('trixie') });
    const at = (file: string, machine: 'q35' | 'pc'): { address: bigint; calibrated: boolean } => {
      const fv = dxeFvOf(file);
      const point = pointOf(file);
      const shell = findFileByGuid(fv.volume, UEFI_SHELL_FILE_GUID)?.sections?.find((s) => s.type === EFI_SECTION.PE32)?.body ?? new Uint8Array();
      const sec = secOf(file);
      const d = dxeDerivedAllocations(fv, DEFAULT_VM, { peiFv: sec.peiFv, vm: { machine, flashBytes: sec.flash.image.length } });
      expect(derivedPages(d, shell.length)).to.be.greaterThan(0);
      return {
        address: imageBufferAddress({ machine: MachineDescription.parse({ machine, memoryMiB: 512 }), activePcrBanks: 0x1f, fileSize: shell.length, calibration: point, tsegBytes: 0, dxeAllocations: d }),
        calibrated: shellBufferCalibrated(point, machine),
      };
    };
    expect(at(join(OVMF_DIR, 'OVMF_CODE_4M.fd'), 'q35')).to.deep.equal({ address: 0x1e21e018n, calibrated: true });
    expect(at(join(OVMF_DIR, 'OVMF_CODE_4M.fd'), 'pc')).to.deep.equal({ address: 0x1e320018n, calibrated: true });
    // The real boot's vector: ImageLocationInMemory of the Shell's image event.
    const log = decodeEventLog(readFileSync(new URL('../../test/vectors/debian-trixie-2025.02/q35-tis-512-eventlog.bin', import.meta.url)));
    const event = log.events.find((e) => e.eventType === EV.EFI_BOOT_SERVICES_APPLICATION);
    const logged = Buffer.from(event?.eventData ?? new Uint8Array(8)).readBigUInt64LE(0);
    expect(logged).to.equal(0x1e3a4018n);
    const estimate = at(trixie, 'q35');
    expect(estimate.calibrated).to.equal(false);
    expect(logged - estimate.address).to.equal(0x4000n);
  });
});

describe("DXE allocation model: the drivers' fixed-size layers and the bins, against guest RAM of real boots", () => {
  const layers = (file: string, machine: 'q35' | 'pc'): Readonly<Record<string, number>> => {
    const sec = secOf(file);
    return { ...dxeDerivedAllocations(sec.dxeFv, DEFAULT_VM, { peiFv: sec.peiFv, vm: { machine, flashBytes: sec.flash.image.length } }).drivers };
  };

  it('Debian 12 OVMF_CODE_4M.fd q35: the HOB\'s bins, the four EBC stacks, CpuDxe\'s 2 MiB pool, the RT Data pools 0xC0028 + 0x40028, the AHCI tables, two TCG logs', function () {
    const file = join(OVMF_DIR, 'OVMF_CODE_4M.fd');
    requirePrerequisites(this, { files: [file] });
    // Dump: gEfiMemoryTypeInformationGuid HOB 0x80 + 0x12 + 0x80 + 0x100 + 0x100 pages; RTData pools
    // outside the bin at 0x1EA9F000 (0xC0028) and 0x1EB60000 (0x40028): 258 pages.
    expect(layers(file, 'q35')).to.deep.equal({ memoryTypeBinPages: 786, ebcStackPages: 1024, cpuTablePoolPages: 512, variablePoolPages: 258, ahciTablePages: 257, tcgLogPages: 32 });
    // pc: no ICH9 AHCI (the q35 − pc distance difference is 0x102000, of which 0x101000 AHCI).
    expect(layers(file, 'pc')['ahciTablePages']).to.equal(0);
  });

  it('Debian 12 OVMF_CODE.fd (2 MB) keeps only the 0xC0028 RT Data pool outside the bin; the SMM secboot build none', function () {
    const files = [join(OVMF_DIR, 'OVMF_CODE.fd'), join(OVMF_DIR, 'OVMF_CODE_4M.secboot.fd')];
    requirePrerequisites(this, { files });
    expect([layers(files[0] ?? '', 'q35')['variablePoolPages'], layers(files[1] ?? '', 'q35')['variablePoolPages']]).to.deep.equal([193, 0]);
  });

  it("estimates Debian 11 2020.11's OVMF_CODE.fd (no entry, pre-CPUID-width family) 2 pages low against its real boot, where Debian 12 4M's remainder put it 92 pages low", function () {
    const file = join(BULLSEYE, 'OVMF_CODE.fd');
    requirePrerequisites(this, { files: [file], hint: fetchHint('bullseye') });
    const sec = secOf(file);
    const vm = { rng: false, physBits: 36, page1g: false } as const;
    const d = dxeDerivedAllocations(sec.dxeFv, vm, { peiFv: sec.peiFv, vm: { machine: 'q35', flashBytes: sec.flash.image.length }, release: { cpuidAddressWidth: false } });
    expect(d.drivers.memoryTypeBinPages).to.equal(784);
    expect(familyRemainderPages(d, 'q35', false)).to.equal(277);
    const shell = findFileByGuid(sec.dxeFv.volume, UEFI_SHELL_FILE_GUID)?.sections?.find((x) => x.type === EFI_SECTION.PE32)?.body ?? new Uint8Array();
    expect(pointOf(file)).to.equal(undefined);
    const address = imageBufferAddress({ machine: MachineDescription.parse({ machine: 'q35', memoryMiB: 512 }), activePcrBanks: 0x1f, fileSize: shell.length, tsegBytes: 0, dxeAllocations: d });
    const log = decodeEventLog(readFileSync(new URL('../../test/vectors/debian-bullseye-2020.11/OVMF_CODE-q35-tis-512-eventlog.bin', import.meta.url)));
    const event = log.events.find((e) => e.eventType === EV.EFI_BOOT_SERVICES_APPLICATION);
    const logged = Buffer.from(event?.eventData ?? new Uint8Array(8)).readBigUInt64LE(0);
    expect(Number(address - logged) / 0x1000).to.equal(-2);
  });
});

/** A PE32+ image of subsystem EFI_BOOT_SERVICE_DRIVER (runtime drivers live in the RT Code bin). */
function isBootServicesDriver(f: FfsFile): boolean {
  const pe = f.sections?.find((s) => s.type === EFI_SECTION.PE32)?.body;
  if (pe === undefined) return false;
  const img = parseEfiImage(pe);
  return img.format !== 'te' && img.optionalHeader.subsystem === 11;
}

/** The calibration point the image's facts name (boot/calibration-point.ts). */
function pointOf(file: string): CalibrationPoint | undefined {
  const sec = secOf(file);
  return calibrationPointOfImage(sec, readFirmwareVersionString(sec.peiFv.volume, sec.dxeFv.volume));
}
