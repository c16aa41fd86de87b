/**
 * ImageLocationInMemory of the UEFI Shell BDS loads from FVMAIN: the address of the pool buffer
 * holding the file, a fact of DXE's allocator state, not of anything measured (event data only,
 * in no PCR). DXE's page allocator works top-down from the top of RAM, so the distance from the
 * top of RAM to the buffer is the sum of what DXE allocated before BDS read the Shell: a property
 * of the build, measured on real boots (test/vectors), not derived. The CPU count does not move
 * it (1 and 2 CPUs give the same address).
 */
import { hashAlgByName } from '@tcg2sim/hash-lib';
import { buildDifference, virtBuildCalibration } from './build-facts.ts';
import type { VirtBuildFacts } from './build-facts.ts';
import type { VirtMachine } from './machine.ts';
import { virtRamTop } from './machine.ts';

/** What the distance may depend on. */
export interface ArmVirtBufferContext {
  readonly machine: VirtMachine;
  /** The image's build (build-facts.ts: version string, build tree). */
  readonly build: VirtBuildFacts;
  /** ActivePcrBanks (EDK II bitmap). */
  readonly activePcrBanks: number;
  /** What an earlier boot left in the variable store (platform-ovmf's storeHistory); default fresh. */
  readonly storeHistory?: 'fresh' | 'partial' | 'booted';
}

/** One build's calibration. */
export interface ArmVirtBufferCalibration {
  /** The build measured. */
  readonly build: VirtBuildFacts;
  readonly name: string;
  /** Distance from the top of RAM with SHA1 active (Tcg2Dxe allocates the TCG 1.2 log area too), by RAM size in MiB. */
  readonly withSha1: ReadonlyMap<number, bigint>;
  /** How much closer to the top the buffer is without SHA1 (no TCG 1.2 log area, 16 pages, and one page more). */
  readonly withoutSha1Shift: bigint;
  /** The bank sets the shift was measured with (EDK II bitmaps), besides all four. */
  readonly measuredBankSets: readonly number[];
  /**
   * How much closer to the top the buffer is when the store is one an earlier boot to the Shell
   * left (BDS's and Tcg2ConfigDxe's variables exist, so their first-boot allocations are not
   * made), measured with 1024 MiB and all four banks.
   */
  readonly usedStoreShift: bigint;
}

const SHA1_BIT = hashAlgByName('sha1')?.bitmap ?? 1;

/**
 * Debian 12's qemu-efi-aarch64 2022.11-6+deb12u2 AAVMF_CODE.fd on QEMU 7.2 virt, fresh
 * AAVMF_VARS.fd: with all four banks the Shell at 0x5EAD1018 (512 MiB), 0x7EAD1018 (1024 MiB, 1
 * and 2 CPUs), 0xBEACF018 (2048 MiB), 0xFEACF018 (3072 MiB), 0x13EACF018 (4096 MiB: RAM above 4 GiB); SHA256 only: 0x7EAE2018 (1024 MiB), 0xBEAE0018 (2048 MiB, 2 CPUs).
 * The only measured build with a Shell that measures it (Debian 13's and sid's TPM builds have none).
 */
export const ARMVIRT_IMAGE_BUFFER_CALIBRATION: readonly ArmVirtBufferCalibration[] = [
  {
    name: "Debian 12's AAVMF 2022.11",
    build: { version: '', release: 202211, buildTree: '/build/reproducible-path/edk2-2022.11/Build/ArmVirtQemu-AARCH64/RELEASE_GCC5/AARCH64' },
    withSha1: new Map([[512, 0x152efe8n], [1024, 0x152efe8n], [2048, 0x1530fe8n], [3072, 0x1530fe8n], [4096, 0x1530fe8n]]),
    withoutSha1Shift: 0x11000n,
    measuredBankSets: [0x2 /* sha256 */],
    // Second boot from the store the 1024 MiB boot left: the Shell at 0x7EAF1018.
    usedStoreShift: 0x20000n,
  },
];

/** The Shell buffer's address, and whether this build, RAM size and bank set were measured. */
export function armVirtImageBuffer(ctx: ArmVirtBufferContext): { address: bigint; calibrated: boolean; why: string } {
  const found = virtBuildCalibration(ARMVIRT_IMAGE_BUFFER_CALIBRATION, ctx.build);
  // A build of no known release: 2022.11's distances, a guess.
  const cal = found?.cal ?? ARMVIRT_IMAGE_BUFFER_CALIBRATION[0];
  if (cal === undefined) return { address: virtRamTop(ctx.machine), calibrated: false, why: 'no calibration' };
  const sizes = [...cal.withSha1.keys()].sort((a, b) => a - b);
  const exact = cal.withSha1.get(ctx.machine.memoryMiB);
  // Unmeasured RAM sizes take the nearest measured size below (else the smallest).
  const nearest = sizes.filter((s) => s <= ctx.machine.memoryMiB).pop() ?? sizes[0] ?? 0;
  const base = exact ?? cal.withSha1.get(nearest) ?? 0n;
  const sha1 = (ctx.activePcrBanks & SHA1_BIT) !== 0;
  const used = ctx.storeHistory === 'booted';
  const distance = (sha1 ? base : base - cal.withoutSha1Shift) - (used ? cal.usedStoreShift : 0n);
  const buildKnown = found?.same === true;
  const banksKnown = sha1 ? ctx.activePcrBanks === 0xf : cal.measuredBankSets.includes(ctx.activePcrBanks);
  const usedKnown = !used || (ctx.machine.memoryMiB === 1024 && ctx.activePcrBanks === 0xf);
  const partial = ctx.storeHistory === 'partial';
  const calibrated = buildKnown && exact !== undefined && banksKnown && usedKnown && !partial;
  const why = !buildKnown
    ? `not calibrated for this build (${buildDifference(cal.build, ctx.build)}; ${cal.name}'s distance used)`
    : exact === undefined
      ? `not calibrated for ${ctx.machine.memoryMiB} MiB (measured: ${sizes.join(', ')} MiB; ${nearest} MiB's distance used)`
      : !banksKnown
        ? `not calibrated for the bank set 0x${ctx.activePcrBanks.toString(16)} (measured: all four, SHA256 only)`
        : partial
          ? 'not calibrated for a partly initialised variable store (the fresh-store distance used)'
          : !usedKnown
            ? 'not calibrated for a used variable store with this RAM size and bank set (measured: 1024 MiB, all four banks)'
            : `calibrated for this build, RAM size and bank set${used ? ' (variable store left by an earlier boot to the Shell)' : ''}`;
  return { address: virtRamTop(ctx.machine) - distance, calibrated, why };
}
