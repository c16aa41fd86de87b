/**
 * The Shell buffer model's inputs are facts read from the image, never its hash
 * (boot/calibration-point.ts, docs/dxe-allocations.md §7): Debian 12's builds name their
 * calibration points by their facts, other builds name none, and two image facts explain
 * levi73159/LazyOS's estimate error against its real boots (test/vectors/distro-202302 and
 * distro-2024, QEMU 7.2 + swtpm, 512 MiB, TIS).
 */
import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeEventLog, EV } from '@tcg2sim/event-log';
import {
  MachineDescription, calibrationPointOfImage, decompressMemFvs, dxeDerivedAllocations, predict, readFirmwareVersionString,
} from '@tcg2sim/platform-ovmf';
import { SoftTpmBackend } from '@tcg2sim/tpm-backends';
import { FIRMWARE_CACHE, OVMF_DIR, requirePrerequisites, skipOptional } from '@tcg2sim/test-support';

const LAZYOS = join(FIRMWARE_CACHE, 'github/levi73159+LazyOS/ef1172d0e0df/OVMF.fd');
const FEDORA_38 = join(FIRMWARE_CACHE, 'github/GSquared+OVMFFiles/4ba668f8268c/OVMF_CODE.fd');
const HINT = 'the distro-202302 builds (docs/distro-builds-202302.md, test/vectors/distro-202302/builds.json)';

/** These images come only from public repositories, which no set-up fetches (CI has none): a missing one skips, also in CI, naming it. */
function requirePublicRepoImages(ctx: Mocha.Context, files: readonly string[]): void {
  const missing = files.filter((f) => !existsSync(f));
  if (missing.length > 0) skipOptional(ctx, `missing ${missing.join(', ')}: ${HINT}; from public repositories, never committed, not in CI`);
}

function pointOf(file: string): string | undefined {
  const sec = decompressMemFvs(new Uint8Array(readFileSync(file)));
  return calibrationPointOfImage(sec, readFirmwareVersionString(sec.peiFv.volume, sec.dxeFv.volume));
}

function loggedShell(vector: string): bigint {
  const log = decodeEventLog(readFileSync(new URL(`../../test/vectors/${vector}`, import.meta.url)));
  const event = log.events.find((e) => e.eventType === EV.EFI_BOOT_SERVICES_APPLICATION);
  return Buffer.from(event?.eventData ?? new Uint8Array(8)).readBigUInt64LE(0);
}

describe('Shell buffer model: calibration points named by image facts', () => {
  it("Debian 12's builds name their points (drivers that start, SMM, TdxDxe, flash layout, DXE arch)", function () {
    const files = ['OVMF_CODE_4M.fd', 'OVMF_CODE.fd', 'OVMF_CODE_4M.secboot.fd', 'OVMF_CODE_4M.ms.fd', 'OVMF32_CODE_4M.secboot.fd', 'OVMF_CODE.secboot.fd'].map((f) => join(OVMF_DIR, f));
    requirePrerequisites(this, { files });
    // The 2 MB secboot build (SMM and TdxDxe, 95 drivers) was never calibrated: no point.
    expect(files.map(pointOf)).to.deep.equal(['x64-4m', 'x64-2m-tdx', 'x64-4m-smm', 'x64-4m-smm', 'ia32-4m-smm', undefined]);
  });

  it('other builds name none: LazyOS and Fedora 38 are estimates', function () {
    requirePublicRepoImages(this, [LAZYOS, FEDORA_38]);
    expect([pointOf(LAZYOS), pointOf(FEDORA_38)]).to.deep.equal([undefined, undefined]);
  });
});

describe("Shell buffer model: LazyOS's OVMF.fd (2 MiB, combined, no version string, 202305 to 202311)", () => {
  beforeEach(function () {
    requirePublicRepoImages(this, [LAZYOS]);
  });

  it('derives two layers from its facts: a 40-bit identity map (BdsDxe\'s code is 202305\'s) and no 0xC0000 volatile store (neither TlsDxe nor SecureBootConfigDxe)', function () {
    const debian2m = join(OVMF_DIR, 'OVMF_CODE.fd');
    requirePrerequisites(this, { files: [debian2m] });
    const layers = (file: string, physBits: number): ReturnType<typeof dxeDerivedAllocations> => {
      const sec = decompressMemFvs(new Uint8Array(readFileSync(file)));
      return dxeDerivedAllocations(sec.dxeFv, { rng: false, physBits, page1g: false }, { peiFv: sec.peiFv, vm: { machine: 'q35', flashBytes: sec.flash.image.length } });
    };
    const lazy = layers(LAZYOS, 40);
    expect([lazy.identityMapPages - layers(LAZYOS, 36).identityMapPages, lazy.drivers.variablePoolPages, layers(debian2m, 40).drivers.variablePoolPages]).to.deep.equal([1024, 0, 193]);
  });

  for (const [machine, vector, pages] of [['q35', 'distro-202302/lazyos-ovmf-c7b9da02/q35-eventlog.bin', -18], ['pc', 'distro-202302/lazyos-ovmf-c7b9da02/pc-eventlog.bin', -20]] as const) {
    it(`predicts its Shell ${-pages} pages below the real boot's on ${machine} (836/833 pages above before those layers)`, async () => {
      const code = readFileSync(LAZYOS);
      const backend = new SoftTpmBackend({});
      try {
        const ours = await predict({ code, vars: code, machine: MachineDescription.parse({ machine, memoryMiB: 512 }), tpmInterface: 'tis', backend });
        const predicted = loggedShellOf(ours.boot.eventLog);
        expect(Number(predicted - loggedShell(vector)) / 0x1000).to.equal(pages);
        expect(ours.boot.notes).to.include('image buffer address: not calibrated for this build and machine (ImageLocationInMemory is an estimate; use --image-buffer-address)');
      } finally {
        await backend.close();
      }
    });
  }
});

function loggedShellOf(log: Uint8Array): bigint {
  const event = decodeEventLog(log).events.find((e) => e.eventType === EV.EFI_BOOT_SERVICES_APPLICATION);
  return Buffer.from(event?.eventData ?? new Uint8Array(8)).readBigUInt64LE(0);
}
