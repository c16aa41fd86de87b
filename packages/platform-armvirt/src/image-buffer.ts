/**
 * ImageLocationInMemory of the UEFI Shell BDS loads from FVMAIN: the address of the pool buffer
 * holding the file, a fact of DXE's allocator state, not of anything measured. DXE's page
 * allocator works top-down from the top of RAM, so the distance from the top of RAM to the buffer
 * is the sum of what DXE allocated before BDS read the Shell: a property of the build, measured
 * on real boots (test/vectors), not derived.
 */
import type { VirtMachine } from './machine.ts';
import { virtRamTop } from './machine.ts';

/** What the distance may depend on. */
export interface ArmVirtBufferContext {
  readonly machine: VirtMachine;
  /** SHA-256 of FVMAIN (the decompressed DXE volume): identifies the build. */
  readonly dxeFvSha256: string;
  /** ActivePcrBanks (EDK II bitmap). */
  readonly activePcrBanks: number;
}

/**
 * Distance from the top of RAM to the Shell's buffer, per build. Debian 12's qemu-efi-aarch64
 * 2022.11-6+deb12u2 AAVMF_CODE.fd: the Shell at 0x7EAD1018 with 1024 MiB (RAM top 0x80000000),
 * 1 CPU, all four banks, fresh AAVMF_VARS.fd.
 */
export const ARMVIRT_IMAGE_BUFFER_CALIBRATION: ReadonlyMap<string, bigint> = new Map([
  ['3dd57eeb7f3cbbb35ab5bc919b1ba1624dc6420a4b6c608f3b9f4a9368c3b506', 0x152efe8n],
]);

/** The Shell buffer's address, and whether it comes from a calibration. */
export function armVirtImageBuffer(ctx: ArmVirtBufferContext): { address: bigint; calibrated: boolean } {
  const known = ARMVIRT_IMAGE_BUFFER_CALIBRATION.get(ctx.dxeFvSha256);
  const distance = known ?? 0x152efe8n;
  return { address: virtRamTop(ctx.machine) - distance, calibrated: known !== undefined };
}
