/**
 * The ImageLocationInMemory model of BDS's boot-file buffers (the UEFI Shell from DXEFV, a disk's
 * removable-media loader): DXE allocator state, the Shell's derived from DXEFV in part
 * (dxe-allocation-model.ts), the rest calibrated on real boots per calibration point (the image's
 * facts that name a measured allocator state: calibration-point.ts).
 */
import { ramLayout } from '../machine.ts';
import type { MachineDescription } from '../machine.ts';
import type { StoreHistoryKind } from './store-history.ts';
import { cpuS3Shift } from './cpu-s3-shift.ts';
import { nicNodefaultsShellShift, nicNoSha1ShellShift, nicShellShift, nicUsedStoreShellShift } from './nic-image-buffer.ts';
import type { NicBufferFacts } from './nic-image-buffer.ts';
import type { DiskInterface } from './disk-interfaces.ts';
import { diskNicBootOrderShift } from './disk-nic-image-buffer.ts';
import { AHCI_FOOTPRINT, AHCI_PER_DEVICE, DISK_CPU_S3_SHIFT, EMPTY_DVD_FOOTPRINT, devicesShift } from './device-footprints.ts';
import type { PlatformDevice } from './device-footprints.ts';
import { cpuS3OnlyShift } from './cpu-s3-shift.ts';
import { derivedPages } from './dxe-allocation-model.ts';
import type { CalibrationPoint } from './calibration-point.ts';
import type { DxeDerivedAllocations } from './dxe-allocation-model.ts';

/** What the image-buffer model may depend on. */
export interface ImageBufferContext {
  readonly machine: MachineDescription;
  /** ActivePcrBanks (EDK II bitmap): without SHA1 no TCG 1.2 log area is allocated. */
  readonly activePcrBanks: number;
  readonly fileSize: number;
  /** The calibration point the image's facts name (calibration-point.ts); undefined: estimates. */
  readonly calibration?: CalibrationPoint | undefined;
  /** TSEG bytes chipped from the top of low RAM (SMM builds). */
  readonly tsegBytes: number;
  /** The image-derived layers of DXE's allocations (dxe-allocation-model.ts): needed for the Shell's buffer. */
  readonly dxeAllocations?: DxeDerivedAllocations;
  /** Where the file came from: the UEFI Shell in DXEFV, or a disk's removable-media loader. */
  readonly source?: 'fv' | 'disk';
  /** A virtio-blk disk is attached (its drivers' allocations sit above every boot file buffer). */
  readonly diskAttached?: boolean;
  /** The FAT type of the attached disk's loader volume (FatDxe sizes its caches by it). */
  readonly diskFatKind?: 'FAT12' | 'FAT16' | 'FAT32';
  /** How the disks are attached, in command-line order (default: one virtio-blk disk). */
  readonly diskInterfaces?: readonly DiskInterface[];
  /** Partitions of the disk besides the loader's that hold no FAT filesystem. */
  readonly diskOtherPartitions?: number;
  /**
   * Pages left allocated below the disk stack's free point by an earlier, refused LoadImage
   * (Secure Boot verification of a signed loader): later boot files go below them.
   */
  readonly heldPages?: number;
  /**
   * What an earlier boot left in the variable store (see store-history.ts); undefined or
   * `fresh`: the fresh-store calibration. Only `booted` on a build and machine in
   * USED_STORE_IMAGE_BUFFER_SHIFT (Shell from DXEFV, no disk, SHA1 active) moves the address.
   */
  readonly storeHistory?: StoreHistoryKind;
  /** The NICs with option ROM drivers, in PCI order (their ROM copies and network stacks allocate above the Shell's buffer). */
  readonly nics?: readonly NicBufferFacts[];
  /** BDS connected only QEMU's bootorder devices, and q35's ICH9 AHCI was not among them (disk-nic-image-buffer.ts). */
  readonly unconnectedAhci?: boolean;
  /** PCI devices the command line adds (disk controllers and NICs). */
  readonly pciDevices?: number;
  /** Failed network boot attempts before the disk's option (bootindex put a NIC first). */
  readonly networkAttemptsBefore?: number;
  /** The VM's other PCI devices (bridges, USB controllers, virtio-serial, balloon, rng, …): device-footprints.ts. */
  readonly devices?: readonly PlatformDevice[];
  /** NICs BDS left unconnected (not in QEMU's bootorder): their ROM driver is loaded, no network stack. */
  readonly unconnectedNics?: number;
  /** Connected NICs behind a root port or bridge. */
  readonly nicsBehindBridges?: number;
}

/**
 * What the model does not derive of the distance from the top of DXE's low RAM (less TSEG) down to
 * the Shell's buffer, in pages, per calibration point (calibration-point.ts) and machine: the distance is `derivedPages`
 * (dxe-allocation-model.ts and dxe-driver-allocations.ts: the top 2 MiB unit of PEI's
 * allocations, DxeIpl's identity map, the memory-type bins, the section-stream copies, the started
 * drivers' images, EbcDxe's stacks, CpuDxe's table pool, the variable runtime pools, q35's AHCI
 * tables, the TCG logs and the buffer, read from the image and the VM) plus this remainder: the
 * drivers' and BDS's small allocations (hundreds of pools and pages), the default CD-ROM's DiskIo
 * buffer and one page under the identity map (docs/dxe-allocations.md §7). Measured on real boots
 * of Debian's OVMF 2022.11-6+deb12u2 (q35 and pc, 512 and 2048 MiB, TIS and CRB, SHA1 active,
 * fresh store, QEMU's default CPU); each entry is `distance / 4 KiB − derivedPages` of that build.
 * The entries are keyed by calibration point (calibration-point.ts: the facts of the image that
 * cause the small allocations — the drivers that start, SMM, TdxDxe, the flash layout, the
 * release — never a hash of it) because they differ by 0–9 pages (the small allocations) and
 * each calibrated vector is exact; builds whose facts name no point get their release's
 * {@link FAMILY_REMAINDER_PAGES} and a note that the address is an estimate.
 */
export const SHELL_BUFFER_REMAINDER_PAGES: ReadonlyMap<`${CalibrationPoint}:${'q35' | 'pc'}`, number> = new Map([
  // OVMF_CODE_4M.fd: distance 0x1DE2000 (q35), 0x1CE0000 (pc).
  ['x64-4m:q35', 300],
  ['x64-4m:pc', 299],
  // OVMF_CODE_4M.secboot.fd (needs SMM: q35 only), Secure Boot on (OVMF_VARS_4M.ms.fd):
  // distance 0x1E70000 below the top less TSEG; 324 pages more than with Secure Boot off (§3).
  ['x64-4m-smm:q35', 634],
  // OVMF_CODE.fd (2 MB): distance 0x1DDE000 (q35), 0x1CD4000 (pc).
  ['x64-2m-tdx:q35', 308],
  ['x64-2m-tdx:pc', 299],
  // OVMF32_CODE_4M.secboot.fd (Debian's ovmf-ia32: IA32 PEI and DXE, SMM, q35 only). Measured
  // on real boots: q35 + SMM, 512 MiB TIS and 1024 MiB CRB, 1 CPU, all four banks, fresh
  // OVMF32_VARS_4M.fd: the Shell's buffer at 0x1D7BF010 and 0x3D7BF010, i.e. 0x1841 pages below
  // the top of low RAM less TSEG, its data 0x10 bytes in (IA32 POOL_HEAD). No top-unit or
  // identity-map layer is derived for an IA32 DXE, so PEI's allocations are in this remainder.
  ['ia32-4m-smm:q35', 1311],
]);
/**
 * The remainder of an X64 build outside the table, per EDK II release family (one constant per
 * family, q35 and pc alike), from the real-boot vectors of builds of that family
 * (docs/dxe-allocations.md §7, the implied remainder of each):
 * - PlatformPei without the CPUID address width (before edk2-stable202211; Debian 11 and Ubuntu
 *   2020.11 builds, eternal-struggle 2021, fusion's): 273–279 pages on the 2020.11 builds, 285–290
 *   on fusion's; 277.
 * - edk2-stable202402 (Ubuntu 2024.02-2, -2ubuntu0.1, -2ubuntu0.10): q35 275, pc 270; 273.
 * - every other release: Debian 12 OVMF_CODE_4M.fd's, q35 300 and pc 299 (2023.05 measured 304,
 *   2025.02 296–302).
 * An SMM build (TSEG) has 10 pages more (2022.11 secboot with Secure Boot off: 310, 2020.11
 * secboot: 283 against 273–279); an IA32 DXE gets the IA32 build's. The address is an estimate and
 * the notes say so.
 */
export const FAMILY_REMAINDER_PAGES = { preCpuidWidth: 277, stable202402: 273, q35: 300, pc: 299, smmExtra: 10, ia32: 1311 } as const;

/** The remainder for a build without a measured one (FAMILY_REMAINDER_PAGES). */
export function familyRemainderPages(d: DxeDerivedAllocations, machine: 'q35' | 'pc', smm: boolean): number {
  const f = FAMILY_REMAINDER_PAGES;
  if (d.poolHead === 0x10) return f.ia32;
  const base = !d.release.cpuidAddressWidth ? f.preCpuidWidth : d.release.release === 202402 ? f.stable202402 : f[machine];
  return base + (smm ? f.smmExtra : 0);
}

/**
 * With a virtio-blk disk attached, BDS reads boot files below the disk stack's allocations
 * (virtio-blk, partitions, FAT volume caches): this is the distance from the top of DXE's low RAM
 * (less TSEG) to the top of the free memory the file buffer is carved from. The buffer is a
 * page-granular pool allocation (files of 64 KiB and more): it starts
 * `EFI_SIZE_TO_PAGES(size + 0x20)` pages below that point, its data 0x18 bytes (POOL_HEAD) in.
 * The same point serves the UEFI Shell when the disk's loader was refused (its buffer is freed).
 * Measured on real boots of Debian's OVMF 2022.11-6+deb12u2, 512 MiB, with a disk whose only
 * partition is a FAT12 ESP holding the loader (FAT16/FAT32: see LARGE_FAT_CACHE_SHIFT): q35
 * OVMF_CODE_4M.fd (loaders of 66048, 102912 and 300544 bytes all give this distance), pc
 * OVMF_CODE.fd, and q35 + SMM
 * OVMF_CODE_4M.secboot.fd (through the Shell after Secure Boot denied the loader). More
 * partitions move it (otherPartitionsShift); a second FAT volume is not modelled (one FAT12
 * partition more measured 0x8D000 further down): the notes then call the address a guess.
 */
export const DISK_IMAGE_BUFFER_CALIBRATION: ReadonlyMap<CalibrationPoint, bigint> = new Map([
  ['x64-4m', 0x1daf000n], // OVMF_CODE_4M.fd
  ['x64-2m-tdx', 0x1ca0000n], // OVMF_CODE.fd (2 MB)
  ['x64-4m-smm', 0x1e3c000n], // OVMF_CODE_4M.secboot.fd
]);
/**
 * Without SHA1 (no TCG 1.2 log area) the disk-stack point is higher by a build-specific amount,
 * not the Shell's 0xF000: measured 0x10000 on q35 OVMF_CODE_4M.fd (sha256 and sha256+sha384
 * TPMs, 512 and 1024 MiB) and 0x11000 on pc OVMF_CODE.fd (sha256, 1536 MiB, CRB). Other builds
 * (secboot) are not measured and get 0x10000.
 */
const DISK_NO_SHA1_LOG_SHIFT: ReadonlyMap<CalibrationPoint, bigint> = new Map([
  ['x64-4m', 0x10000n], // OVMF_CODE_4M.fd
  ['x64-2m-tdx', 0x11000n], // OVMF_CODE.fd (2 MB)
]);
/**
 * Without SHA1, on some builds the boot disk's controller changes the shift above (measured on
 * real boots with Debian's shim, sha256-only swtpm): pc OVMF_CODE.fd with a virtio-scsi disk
 * (1536 MiB, CRB) 0x4000 more than virtio-blk's 0x11000; q35 OVMF_CODE_4M.fd with an NVMe disk
 * (1024 MiB) none. Other interfaces and builds: none (not measured).
 */
const DISK_NO_SHA1_INTERFACE_ADJUST: ReadonlyMap<`${CalibrationPoint}:${DiskInterface}`, bigint> = new Map([
  ['x64-2m-tdx:scsi', 0x4000n], // OVMF_CODE.fd (2 MB)
]);
/**
 * FatDxe gives FAT12 volumes the small disk caches and FAT16/FAT32 volumes the large ones: with a
 * FAT16 or FAT32 ESP the buffer sits this much lower (measured on q35 OVMF_CODE_4M.fd with a
 * 10 MiB FAT16 and a 36 MiB FAT32 disk: both 0x3FE000 below the FAT12 case).
 */
const LARGE_FAT_CACHE_SHIFT = 0x3fe000n;
/**
 * Each more partition (without a FAT filesystem) moves the buffer down: 0x8000 for the first,
 * 0x9000 for each further one (measured on q35 OVMF_CODE_4M.fd with 1, 2, 3 and 4 empty Linux
 * partitions of 8 to 64 MiB after a FAT12 or FAT32 ESP: 0x8000, 0x11000, 0x1A000, 0x23000).
 */
function otherPartitionsShift(n: number): bigint {
  return n <= 0 ? 0n : 0x9000n * BigInt(n) - 0x1000n;
}
/**
 * How much more (positive) or less (negative) the boot disk's controller stack allocates than
 * virtio-blk's, which DISK_IMAGE_BUFFER_CALIBRATION measured. Measured on real boots with Debian's
 * shimx64.efi.signed (1048504 bytes) on a FAT12 ESP, 512 MiB, all four banks, q35
 * OVMF_CODE_4M.fd and pc OVMF_CODE.fd: NVMe 0x7000 more on both (NvmExpressDxe's queues);
 * virtio-scsi 0x21000 less on both; SATA on q35 0x29000 less (the ICH9 AHCI at 0x1F.2 is always
 * there, so only virtio-blk's share goes), on pc 0xDF000 more (`-device ahci` adds AhciBusDxe's
 * controller buffers).
 */
function interfaceShift(iface: DiskInterface, machine: 'q35' | 'pc'): bigint {
  switch (iface) {
    case 'virtio':
      return 0n;
    case 'nvme':
      return 0x7000n;
    case 'scsi':
      return -0x21000n;
    case 'sata':
      return machine === 'q35' ? -0x29000n : 0xdf000n;
  }
}
/**
 * Each disk after the first, with a FAT12 ESP of its own: a second virtio-blk disk measured
 * 0x99000 further down (q35 OVMF_CODE_4M.fd, 512 MiB); other interfaces add their
 * {@link interfaceShift} to that. Mixed pairs are not additive, so this is a guess for them:
 * measured NVMe + virtio-blk (either order) 0x1000 lower than this sum, SATA + virtio-scsi 0x24000
 * lower.
 */
const EXTRA_DISK_SHIFT = 0x99000n;

/** What the attached disks' stacks allocate beyond one virtio-blk disk's. */
export function disksShift(interfaces: readonly DiskInterface[], machine: 'q35' | 'pc'): bigint {
  let shift = 0n;
  interfaces.forEach((iface, i) => {
    shift += interfaceShift(iface, machine) + (i === 0 ? 0n : EXTRA_DISK_SHIFT);
  });
  return shift;
}

/** `point:machine`, the key of the per-machine tables (undefined: no calibration point). */
export function pointKey(point: CalibrationPoint | undefined, machine: 'q35' | 'pc'): `${CalibrationPoint}:${'q35' | 'pc'}` | undefined {
  return point === undefined ? undefined : `${point}:${machine}`;
}

/** sizeof (POOL_HEAD) + sizeof (POOL_TAIL) in DXE core's pool (X64). */
const POOL_OVERHEAD = 0x20n;
const POOL_HEAD = 0x18n;

function diskImageBufferAddress(ctx: ImageBufferContext): bigint {
  const top = BigInt(ramLayout(ctx.machine).belowFourG - ctx.tsegBytes);
  const k = (ctx.calibration === undefined ? undefined : DISK_IMAGE_BUFFER_CALIBRATION.get(ctx.calibration)) ?? 0x1daf000n;
  const sha1Log = (ctx.activePcrBanks & 0x01) !== 0;
  const pages = (BigInt(ctx.fileSize) + POOL_OVERHEAD + 0xfffn) / 0x1000n;
  const fatCaches = ctx.diskFatKind === undefined || ctx.diskFatKind === 'FAT12' ? 0n : LARGE_FAT_CACHE_SHIFT;
  const bootIface = ctx.diskInterfaces?.[0] ?? 'virtio';
  const noSha1 = sha1Log ? 0n : (ctx.calibration === undefined ? 0x10000n : (DISK_NO_SHA1_LOG_SHIFT.get(ctx.calibration) ?? 0x10000n) + (DISK_NO_SHA1_INTERFACE_ADJUST.get(`${ctx.calibration}:${bootIface}`) ?? 0n));
  const held = BigInt(ctx.heldPages ?? 0) * 0x1000n;
  const disks = disksShift(ctx.diskInterfaces ?? ['virtio'], ctx.machine.machine);
  return top - k - disks - fatCaches - otherPartitionsShift(ctx.diskOtherPartitions ?? 0) - held - pages * 0x1000n + POOL_HEAD + noSha1 - diskNicBootOrderShift(ctx) + diskMachineShift(ctx);
}

/**
 * How the disk stack's free point moves with the machine (device-footprints.ts): CPUs and S3,
 * the default devices `-nodefaults` takes away (VGA, the empty DVD-ROM), the ICH9 AHCI BDS left
 * unconnected (QEMU's bootorder without it), and the other PCI devices' footprints.
 */
export function diskMachineShift(ctx: ImageBufferContext): bigint {
  const key = pointKey(ctx.calibration, ctx.machine.machine);
  const m = ctx.machine;
  const cpuKey = `${m.cpus}/${m.maxCpus ?? m.cpus}:${m.s3 ? 's3' : 'no-s3'}`;
  const cpu = cpuKey === '1/1:s3' ? 0n : ((key === undefined ? undefined : DISK_CPU_S3_SHIFT.get(key)?.get(cpuKey)) ?? cpuS3OnlyShift(ctx.calibration, m));
  const nodefaults = !m.defaultCdrom;
  const dvd = (key === undefined ? undefined : EMPTY_DVD_FOOTPRINT.get(key)) ?? 0x24000n;
  let up = cpu;
  if (nodefaults) up += (devicesShift(ctx.calibration, m.machine, 'disk', [{ driver: 'VGA', pciPath: [{ device: 1, fn: 0 }] }]).shift) + dvd;
  if (ctx.unconnectedAhci === true) up += ((key === undefined ? undefined : AHCI_FOOTPRINT.get(key)) ?? 0x108000n) + (nodefaults ? 0n : dvd) - AHCI_PER_DEVICE * BigInt(Math.max(0, (ctx.pciDevices ?? 1) - 1));
  return up - devicesShift(ctx.calibration, m.machine, 'disk', ctx.devices ?? []).shift;
}


/** Whether the Shell's buffer remainder was measured for this build and machine. */
export function shellBufferCalibrated(point: CalibrationPoint | undefined, machine: 'q35' | 'pc'): boolean {
  return point !== undefined && SHELL_BUFFER_REMAINDER_PAGES.has(`${point}:${machine}`);
}

/**
 * The distance from the top of DXE's low RAM (less TSEG) to the Shell buffer's data: the derived
 * layers plus the build's remainder (or the default one), less POOL_HEAD.
 */
export function imageBufferDistance(ctx: ImageBufferContext): { distance: bigint; calibrated: boolean } {
  const d = ctx.dxeAllocations;
  if (d === undefined) throw new Error('imageBufferDistance: the Shell buffer model needs dxeAllocations (dxeDerivedAllocations of the DXEFV)');
  const exact = ctx.calibration === undefined ? undefined : SHELL_BUFFER_REMAINDER_PAGES.get(`${ctx.calibration}:${ctx.machine.machine}`);
  const pages = derivedPages(d, ctx.fileSize) + (exact ?? familyRemainderPages(d, ctx.machine.machine, ctx.tsegBytes > 0));
  return { distance: BigInt(pages) * 0x1000n - BigInt(d.poolHead), calibrated: exact !== undefined };
}
/**
 * How much higher the Shell's buffer sits when the store is one an earlier boot to the Shell left
 * (every FIRST_BOOT_VARIABLES present), per calibration point (calibration-point.ts) and machine: measured on real second boots from
 * a first boot's vars-after-boot.fd, SHA1 active, with the build's VARS template for the first
 * boot. OVMF_CODE_4M.fd q35: 0x1B000 (512 MiB TIS, also a third boot; 2048 MiB TIS; 1024 MiB CRB);
 * OVMF_CODE_4M.fd pc 512 MiB: 0x1A000; OVMF_CODE.fd q35 512 MiB: 0x28000; pc 512 MiB: 0x17000;
 * OVMF_CODE_4M.secboot.fd q35 + SMM 512 MiB from OVMF_VARS_4M.ms.fd: 0x1F000. Not derived from
 * source (Tcg2ConfigDxe's and BDS's pool footprints; see store-history.ts); other builds and
 * partial stores are not calibrated.
 */
export const USED_STORE_IMAGE_BUFFER_SHIFT: ReadonlyMap<`${CalibrationPoint}:${'q35' | 'pc'}`, bigint> = new Map([
  ['x64-4m:q35', 0x1b000n], // OVMF_CODE_4M.fd
  ['x64-4m:pc', 0x1a000n],
  ['x64-2m-tdx:q35', 0x28000n], // OVMF_CODE.fd (2 MB)
  ['x64-2m-tdx:pc', 0x17000n],
  ['x64-4m-smm:q35', 0x1f000n], // OVMF_CODE_4M.secboot.fd
  // OVMF32_CODE_4M.secboot.fd q35 + SMM 512 MiB TIS, second boot from the first's store
  // (first boot from OVMF32_VARS_4M.fd): 0x21000.
  ['ia32-4m-smm:q35', 0x21000n],
]);

/**
 * Builds whose fresh-store calibration was measured with a VARS template that a boot without a TPM
 * already initialised (BDS's, MTC, iSCSI and MemoryTypeInformation variables, no TCG2 ones):
 * Debian's OVMF_VARS_4M.ms.fd for the secboot build. Such a store is the calibrated one there.
 */
export const CALIBRATED_WITH_TEMPLATE_WITHOUT_TCG2: ReadonlySet<CalibrationPoint | undefined> = new Set([
  'x64-4m-smm', // OVMF_CODE_4M.secboot.fd
]);

/**
 * Builds whose Shell calibrations (fresh and used store) were measured with Secure Boot on
 * (Microsoft keys in OVMF_VARS_4M.ms.fd); every other calibration was measured with it off. The
 * store's Secure Boot state moves the Shell's buffer: on OVMF_CODE_4M.secboot.fd, q35 + SMM,
 * 512 MiB, a fresh OVMF_VARS_4M.fd (Secure Boot off) puts it 0x144000 higher than the calibration
 * (real boot read in guest RAM: docs/dxe-allocations.md §3), so another state is not calibrated.
 */
export const CALIBRATED_WITH_SECURE_BOOT_ON: ReadonlySet<CalibrationPoint | undefined> = new Set([
  'x64-4m-smm', // OVMF_CODE_4M.secboot.fd
]);

/** The note when the store's Secure Boot state is not the one the build's Shell calibration was measured with. */
export function secureBootStateNote(point: CalibrationPoint | undefined, secureBootOn: boolean): string | undefined {
  if (CALIBRATED_WITH_SECURE_BOOT_ON.has(point) === secureBootOn) return undefined;
  return `image buffer address: not calibrated for this variable store's Secure Boot state (measured with Secure Boot ${secureBootOn ? 'off' : 'on'}, this store has it ${secureBootOn ? 'on' : 'off'}; ImageLocationInMemory is the calibrated value; use --image-buffer-address)`;
}

/** The used-store shift that applies to `ctx`: undefined when the model has none (not calibrated). */
export function usedStoreShift(ctx: ImageBufferContext): bigint | undefined {
  if (ctx.source === 'disk' || ctx.diskAttached === true || (ctx.activePcrBanks & 0x01) === 0) return undefined;
  return ctx.calibration === undefined ? undefined : USED_STORE_IMAGE_BUFFER_SHIFT.get(`${ctx.calibration}:${ctx.machine.machine}`);
}

/** Without SHA1 the 16-page TCG 1.2 log area is not allocated (measured: 0xF000 less below the buffer). */
const NO_SHA1_LOG_SHIFT = 0xf000n;
/**
 * Builds whose Shell buffer moves otherwise, measured on real boots of OVMF32_CODE_4M.secboot.fd
 * (q35 + SMM, fresh OVMF32_VARS_4M.fd): without SHA1 0x10000 higher (sha256 only, 512 MiB and
 * 2048 MiB), and 0x8000 lower for each CPU beyond the first (2 CPUs, 512 MiB all banks and
 * 2048 MiB sha256 only: the two shifts add up), the size of one AP stack (PcdCpuApStackSize).
 */
const BUILD_SHIFTS: ReadonlyMap<CalibrationPoint | undefined, { readonly noSha1: bigint; readonly perExtraCpu: bigint }> = new Map([
  ['ia32-4m-smm', { noSha1: 0x10000n, perExtraCpu: 0x8000n }], // OVMF32_CODE_4M.secboot.fd
]);

/**
 * ImageLocationInMemory model: top of low RAM (less TSEG) minus the distance (the layers derived
 * from DXEFV plus the build's measured remainder, {@link imageBufferDistance}). The remainder is
 * allocator state the image does not give: reported in the notes as calibrated or not, and
 * overridable (`imageBufferAddress`, CLI `--image-buffer-address`).
 */
export function imageBufferAddress(ctx: ImageBufferContext): bigint {
  if (ctx.source === 'disk' || ctx.diskAttached === true) return diskImageBufferAddress(ctx);
  const top = BigInt(ramLayout(ctx.machine).belowFourG - ctx.tsegBytes);
  const k = imageBufferDistance(ctx).distance;
  const sha1Log = (ctx.activePcrBanks & 0x01) !== 0;
  const withNics = ctx.nics !== undefined && ctx.nics.length > 0;
  const used = ctx.storeHistory !== 'booted' ? 0n : ((withNics ? nicUsedStoreShellShift(ctx) : undefined) ?? usedStoreShift(ctx) ?? 0n);
  const nics = withNics ? nicShellShift(ctx, ctx.nics ?? []) - nicNodefaultsShellShift(ctx) : 0n;
  const noSha1 = sha1Log ? 0n : withNics ? nicNoSha1ShellShift(ctx) : (BUILD_SHIFTS.get(ctx.calibration)?.noSha1 ?? NO_SHA1_LOG_SHIFT);
  const devices = devicesShift(ctx.calibration, ctx.machine.machine, 'shell', ctx.devices ?? []).shift;
  return top - k + noSha1 + used - nics - devices + machineShift(ctx.calibration, ctx.machine).shift;
}

/**
 * How the Shell's buffer moves with the CPU count, S3 and the default devices: a build with its
 * own per-CPU shift (the IA32 build, measured with S3 and the default devices), else the CPU/S3
 * table (X64 builds, cpu-s3-shift.ts). `calibrated` false: the fresh 1-CPU value is used.
 */
export function machineShift(point: CalibrationPoint | undefined, m: Parameters<typeof cpuS3Shift>[1]): { shift: bigint; calibrated: boolean } {
  const own = BUILD_SHIFTS.get(point);
  if (own === undefined) return cpuS3Shift(point, m);
  const calibrated = m.s3 && m.defaultCdrom !== false && (m.maxCpus ?? m.cpus) === m.cpus;
  return { shift: -own.perExtraCpu * BigInt(Math.max(0, m.cpus - 1)), calibrated };
}

/** The note on how far the disk loader's buffer address is calibrated for this build and disk. */
export function diskBufferNote(point: CalibrationPoint | undefined, disk: { readonly otherFatVolumes: number; readonly file: Uint8Array }): string {
  if (point === undefined || !DISK_IMAGE_BUFFER_CALIBRATION.has(point)) return 'disk loader buffer address: this build is not calibrated for disk boots (ImageLocationInMemory is a guess; use --image-buffer-address)';
  if (disk.otherFatVolumes > 0) return `disk loader buffer address: calibrated for one FAT volume on the disk, this one has ${disk.otherFatVolumes + 1} (ImageLocationInMemory is a guess; use --image-buffer-address)`;
  if (disk.file.length < 0x10000) return 'disk loader buffer address: files under 64 KiB come from pool pages, which are not modelled (ImageLocationInMemory is a guess)';
  return 'disk loader buffer address: calibrated for this firmware build';
}
