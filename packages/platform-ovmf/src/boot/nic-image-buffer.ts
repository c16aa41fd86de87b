/**
 * ImageLocationInMemory with NICs: DXE allocator state, calibrated on real boots like the
 * Shell's buffer (image-buffer.ts).
 *
 * PciBus first copies a NIC's ROM into a pool buffer (LoadOpRomImage: AllocatePool(RomSize),
 * kept), then LoadImage reads the driver image into another pool buffer below it
 * (GetFileBufferByFilePath through PciBus's LoadFile2) — the address the PCR2 event records.
 * Both are page-granular pool allocations (over 64 KiB): EFI_SIZE_TO_PAGES(size + 0x20) pages,
 * the data 0x18 bytes (POOL_HEAD) in. What the driver and the network stack above it allocate
 * later moves the Shell's buffer down by a fixed amount plus the ROM copy.
 *
 * Measured on real boots of Debian's OVMF 2022.11-6+deb12u2 OVMF_CODE_4M.fd, q35, 512 MiB, SHA1
 * active, fresh OVMF_VARS_4M.fd, one NIC: virtio-net-pci (ROM copy 249344 bytes, image 173512:
 * driver image at 0x1E4A5018, Shell at 0x1DFCF018), e1000 and e1000e (ROM copy 249856, image
 * 174536: driver image at 0x1E4A4018, Shell at 0x1DFCE018). The one-page difference of both is
 * the ROM copy's 61 vs 62 pages. On pc (same build, 512 MiB, virtio-net-pci at 03.0) the
 * driver image sat at the same 0x1E4A5018 and the Shell at 0x1E0D3018. With two NICs on q35
 * (virtio-net-pci at 02.0, e1000e at 03.0) both driver images sat at 0x1E467018, below both ROM
 * copies (the placement rule below was derived from this boot), and the Shell at 0x1DD7F018
 * (predicted from the one-NIC values before this boot was seen).
 */
import { ramLayout } from '../machine.ts';
import type { ImageBufferContext } from './image-buffer.ts';
import type { PointKey } from './device-footprints.ts';
import { cpuS3OnlyShift } from './cpu-s3-shift.ts';

/** One NIC's part in the allocator state. */
export interface NicBufferFacts {
  readonly model: string;
  /** PciIo.RomSize: the bytes LoadOpRomImage copied. */
  readonly romCopySize: number;
  /** The driver images' sizes as LoadImage read them. */
  readonly imageSizes: readonly number[];
}

/**
 * Distance from the top of DXE's low RAM (less TSEG) to the free point the first NIC's ROM copy
 * is carved from, per calibration point (calibration-point.ts) and machine.
 */
export const OPTION_ROM_FREE_POINT: ReadonlyMap<PointKey, bigint> = new Map([
  ['x64-4m:q35', 0x1af3000n], // OVMF_CODE_4M.fd
  // pc: the q35 value predicted the real pc boot's driver image address (0x1E4A5018) unchanged.
  ['x64-4m:pc', 0x1af3000n],
  // OVMF_CODE.fd (2 MB), q35 virtio-net-pci: driver image at 0x1E4A8018.
  ['x64-2m-tdx:q35', 0x1af0000n],
]);

/**
 * How much lower the Shell's buffer sits per NIC, besides the NIC's ROM copy: the option ROM
 * driver's image and allocations and OVMF's network stack on top of it, per calibration point (calibration-point.ts) and machine.
 */
export const NIC_SHELL_SHIFT: ReadonlyMap<PointKey, bigint> = new Map([
  ['x64-4m:q35', 0x212000n], // OVMF_CODE_4M.fd
  ['x64-4m:pc', 0x210000n], // pc virtio-net-pci: Shell at 0x1E0D3018
  ['x64-2m-tdx:q35', 0x20b000n], // OVMF_CODE.fd: Shell at 0x1DFDA018
]);

/**
 * Without SHA1 (no TCG 1.2 log area) the free point and the Shell's buffer are this much higher
 * with NICs (not the Shell's 0xF000 without them): q35 OVMF_CODE_4M.fd, sha256-only TPM, e1000:
 * driver image at 0x1E4B4018, Shell at 0x1DFDE018, both 0x10000 above the SHA1 case — the
 * disk stack's DISK_NO_SHA1_LOG_SHIFT.
 */
export const NIC_NO_SHA1_SHIFT: ReadonlyMap<PointKey, bigint> = new Map([
  ['x64-4m:q35', 0x10000n], // OVMF_CODE_4M.fd
]);

function noSha1Shift(ctx: ImageBufferContext): bigint {
  return (ctx.activePcrBanks & 0x01) !== 0 ? 0n : (cal(NIC_NO_SHA1_SHIFT, ctx) ?? 0x10000n);
}

/**
 * A store an earlier boot left (store-history.ts `booted`), measured once: q35, 512 MiB, the
 * store of the virtio-net-pci boot above booted again with the same NIC: the driver image at
 * 0x1E5D1018 (0x12C000 higher: the MemoryTypeInformation bins the first boot recorded reserve
 * memory differently) and the Shell 0x20000 higher than on the fresh store (0x1B000 without a
 * NIC, USED_STORE_IMAGE_BUFFER_SHIFT). Valid for a store the same NICs' boot left.
 */
export const USED_STORE_ROM_SHIFT: ReadonlyMap<PointKey, bigint> = new Map([
  ['x64-4m:q35', 0x12c000n], // OVMF_CODE_4M.fd
]);
export const USED_STORE_NIC_SHELL_SHIFT: ReadonlyMap<PointKey, bigint> = new Map([
  ['x64-4m:q35', 0x20000n], // OVMF_CODE_4M.fd
]);

const POOL_OVERHEAD = 0x20n;
const POOL_HEAD = 0x18n;

/** Pages of a page-granular pool allocation of `size` bytes. */
function poolBytes(size: number): bigint {
  return ((BigInt(size) + POOL_OVERHEAD + 0xfffn) / 0x1000n) * 0x1000n;
}

/** The entry of `table` for the calibration point the image's facts name (calibration-point.ts) and the machine. */
function cal(table: ReadonlyMap<PointKey, bigint>, ctx: ImageBufferContext): bigint | undefined {
  return ctx.calibration === undefined ? undefined : table.get(`${ctx.calibration}:${ctx.machine.machine}`);
}

/** Pages of the first driver image: the hole later images' buffers reuse. */
function firstImageBytes(nics: readonly NicBufferFacts[]): bigint | undefined {
  const size = nics.find((n) => n.imageSizes.length > 0)?.imageSizes[0];
  return size === undefined ? undefined : poolBytes(size);
}

/**
 * Whether the model is calibrated for this build, machine and NICs: measured with SHA1 active,
 * up to two NICs on q35 and one on pc, every later driver image no larger (in pages) than the first.
 */
export function nicBuffersCalibrated(ctx: ImageBufferContext, nics: readonly NicBufferFacts[]): boolean {
  const hole = firstImageBytes(nics) ?? 0n;
  const fits = nics.every((n) => n.imageSizes.every((size) => poolBytes(size) <= hole));
  if (ctx.storeHistory === 'partial') return false;
  if (ctx.storeHistory === 'booted' && (nics.length !== 1 || cal(USED_STORE_ROM_SHIFT, ctx) === undefined)) return false;
  const sha1 = (ctx.activePcrBanks & 0x01) !== 0 || cal(NIC_NO_SHA1_SHIFT, ctx) !== undefined;
  return nics.length <= (ctx.machine.machine === 'q35' ? 2 : 1) && fits && cal(OPTION_ROM_FREE_POINT, ctx) !== undefined && cal(NIC_SHELL_SHIFT, ctx) !== undefined && sha1;
}

/**
 * ImageLocationInMemory of driver image `imageIndex` of NIC `nicIndex` (`nics` in PCI order).
 * PciBus copies every NIC's ROM first (the copies stack down from the free point), then loads
 * the images one by one: each image's buffer is freed after LoadImage, so the next one reuses
 * its pages (seen on a real q35 boot with virtio-net-pci and e1000e: both images at 0x1E467018,
 * below both ROM copies). A later image larger than the first would go elsewhere: not modelled.
 */
export function optionRomBufferAddress(ctx: ImageBufferContext, nics: readonly NicBufferFacts[], nicIndex: number, imageIndex: number): bigint {
  const top = BigInt(ramLayout(ctx.machine).belowFourG - ctx.tsegBytes);
  const used = ctx.storeHistory === 'booted' ? (cal(USED_STORE_ROM_SHIFT, ctx) ?? 0n) : 0n;
  const start = top - (cal(OPTION_ROM_FREE_POINT, ctx) ?? 0x1af3000n) + used + noSha1Shift(ctx) + cpuS3OnlyShift(ctx.calibration, ctx.machine);
  const point = nics.reduce((p, n) => p - poolBytes(n.romCopySize), start);
  const size = nics[nicIndex]?.imageSizes[imageIndex] ?? 0;
  return point - poolBytes(size) + POOL_HEAD;
}

/**
 * With NICs, a used store moves the Shell's buffer by this much instead of the no-NIC
 * USED_STORE_IMAGE_BUFFER_SHIFT (undefined: not measured).
 */
export function nicUsedStoreShellShift(ctx: ImageBufferContext): bigint | undefined {
  return cal(USED_STORE_NIC_SHELL_SHIFT, ctx);
}

/** With NICs and without SHA1, how much higher the Shell's buffer sits (replaces the no-NIC 0xF000). */
export function nicNoSha1ShellShift(ctx: ImageBufferContext): bigint {
  return noSha1Shift(ctx);
}

/**
 * How much lower the Shell's buffer sits with these NICs than without: per NIC its ROM copy and
 * a fixed amount (the driver and OVMF's network stack on it). The q35 value predicted the real
 * two-NIC boot (virtio-net-pci + e1000e: Shell at 0x1DD7F018) unchanged.
 */
export function nicShellShift(ctx: ImageBufferContext, nics: readonly NicBufferFacts[]): bigint {
  const perNic = cal(NIC_SHELL_SHIFT, ctx) ?? 0x212000n;
  return nics.reduce((sum, n) => sum + perNic + poolBytes(n.romCopySize), 0n);
}

/**
 * With NICs and without QEMU's default devices (`-nodefaults`: no VGA, no DVD-ROM) the Shell's
 * buffer sits this much higher than the no-NIC NODEFAULTS_IMAGE_BUFFER_SHIFT gives (cpu-s3-shift.ts).
 * Measured on OVMF_CODE_4M.fd q35, 1024 MiB, 2 CPUs, S3 off, tpm-crb, virtio-net-pci at 02.0
 * (mac=52:54:00:6b:3c:58): the Shell at 0x3E023018 (the driver image at 0x3E4AF018, as modelled).
 */
export const NIC_NODEFAULTS_SHELL_SHIFT: ReadonlyMap<PointKey, bigint> = new Map([
  ['x64-4m:q35', 0xa000n], // OVMF_CODE_4M.fd
]);

/** {@link NIC_NODEFAULTS_SHELL_SHIFT} when the VM has no default devices, else 0. */
export function nicNodefaultsShellShift(ctx: ImageBufferContext): bigint {
  return ctx.machine.defaultCdrom ? 0n : (cal(NIC_NODEFAULTS_SHELL_SHIFT, ctx) ?? 0n);
}
