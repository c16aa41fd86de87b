/**
 * OVMF PlatformPei's PCI apertures for a QEMU VM (OvmfPkg/Library/PlatformInitLib, edk2-stable202302
 * to 202502 and later):
 * - I/O: q35 [0x6000, 0xFFFF], i440fx [0xC000, 0xFFFF] (Platform.c PlatformMemMapInitialization);
 * - 32-bit MMIO: from Uc32Base = 4 GiB - the largest power of two <= (4 GiB - RAM below 4 GiB)
 *   (MemDetect.c PlatformQemuUc32BaseInitialization) up to the MMCONFIG base on q35
 *   (PcdPciExpressBaseAddress) or 0xFC000000 on i440fx;
 * - 64-bit MMIO (MemDetect.c PlatformAddressWidthInitialization): PcdPciMmio64Size 32 GiB, placed
 *   at the first 1 GiB boundary above RAM, aligned to its size (PlatformGetFirstNonAddress). When
 *   the CPU's physical address width is trusted (PlatformAddressWidthFromCpuid with the QEMU quirk:
 *   41 bits or more, or 36/39 on Intel, 40 on AMD), the "dynamic" window takes the top eighth of
 *   the address space instead (PlatformDynamicMmioWindow), moved below any E820 reservation it
 *   overlaps (PlatformReservationConflictCB): QEMU 7.2 reserves [0xFD00000000, +12 GiB) (the AMD
 *   HyperTransport range) for AMD CPUs with 40 or more physical address bits.
 * The CPU facts are CPUID's vendor, physical address width and 1 GiB-page support (QEMU's default
 * x86 CPU, qemu64: AuthenticAMD, 40 bits, none). Checked against real boots with qemu64 only.
 */
import { FwCfgError } from '../errors.ts';
import type { OvmfPciApertures } from './allocate.ts';

/** The VM as PlatformPei sees it. */
export interface ApertureVm {
  readonly machine: 'q35' | 'pc';
  /** RAM below and above 4 GiB, bytes (QEMU's split). */
  readonly belowFourG: bigint;
  readonly aboveFourG: bigint;
  /** q35: the MMCONFIG base OVMF programs (0xE0000000 for edk2-stable202502). */
  readonly pciExpressBase?: number;
  /** CPUID facts (undefined: QEMU's default CPU, qemu64). */
  readonly cpu?: ApertureCpu | undefined;
  /**
   * QEMU's E820 table (fw_cfg etc/e820), as PlatformPei scans it: RAM above 4 GiB ends the used
   * address space, reserved entries move the dynamic window. Undefined: from `aboveFourG`, and
   * QEMU 7.1+'s AMD HyperTransport reservation (machine types before 7.1 do not add it).
   */
  readonly e820?: readonly E820Entry[] | undefined;
}

/** One E820 entry (type 1 RAM, 2 reserved). */
export interface E820Entry {
  readonly base: bigint;
  readonly length: bigint;
  readonly type: number;
}

/** Decodes fw_cfg etc/e820 (packed {u64 address, u64 length, u32 type} records). */
export function parseE820(bytes: Uint8Array): E820Entry[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: E820Entry[] = [];
  for (let o = 0; o + 20 <= bytes.length && out.length < 128; o += 20) out.push({ base: v.getBigUint64(o, true), length: v.getBigUint64(o + 8, true), type: v.getUint32(o + 16, true) });
  return out;
}

/** What PlatformAddressWidthFromCpuid reads. */
export interface ApertureCpu {
  readonly vendor: string;
  readonly physBits: number;
  readonly page1g: boolean;
}

const QEMU64: ApertureCpu = { vendor: 'AuthenticAMD', physBits: 40, page1g: false };

/** PlatformAddressWidthFromCpuid with the QEMU quirk: the width when trusted, else undefined. */
function trustedPhysBits(cpu: ApertureCpu): bigint | undefined {
  const amd = cpu.vendor === 'AuthenticAMD';
  const valid = cpu.physBits >= 41 || (cpu.vendor === 'GenuineIntel' && (cpu.physBits === 36 || cpu.physBits === 39)) || (amd && cpu.physBits === 40);
  if (!valid) return undefined;
  let bits = Math.min(cpu.physBits, 46);
  if (!cpu.page1g && bits > 40) bits = 40;
  return BigInt(bits);
}

const GiB = 1n << 30n;
const AMD_HT_START = 0xfd_0000_0000n;
const AMD_HT_SIZE = 0x3_0000_0000n;

const pow2Floor = (v: bigint): bigint => {
  let p = 1n;
  while (p * 2n <= v) p *= 2n;
  return p;
};
const alignUp = (v: bigint, a: bigint): bigint => ((v + a - 1n) / a) * a;

/** PlatformPei's apertures for `vm`. */
export function ovmfPciApertures(vm: ApertureVm): OvmfPciApertures {
  const cpu = vm.cpu ?? QEMU64;
  const uc32Base = (1n << 32n) - pow2Floor((1n << 32n) - vm.belowFourG);
  let mmio32Top: bigint;
  if (vm.machine === 'q35') {
    if (vm.pciExpressBase === undefined) throw new FwCfgError('PCI_NOT_MODELLED', 'q35 without the MMCONFIG base OVMF programs');
    mmio32Top = BigInt(vm.pciExpressBase);
  } else {
    mmio32Top = 0xfc00_0000n;
  }
  // PlatformGetFirstNonAddress (no memory hot-plug area), then the dynamic window for qemu64.
  let firstNonAddress = (1n << 32n) + vm.aboveFourG;
  if (vm.e820 !== undefined) {
    firstNonAddress = 1n << 32n;
    for (const e of vm.e820) if (e.type === 1 && e.base + e.length > firstNonAddress) firstNonAddress = e.base + e.length;
  }
  let size = 32n * GiB;
  let base = alignUp(alignUp(firstNonAddress, GiB), pow2Floor(size));
  const physBits = trustedPhysBits(cpu);
  if (physBits !== undefined) {
    const addrSpace = 1n << physBits;
    const mmioSpace = 1n << (physBits - 3n);
    if (size < mmioSpace && base + mmioSpace < addrSpace) {
      size = mmioSpace;
      base = addrSpace - mmioSpace;
      // QEMU 7.2 pc_memory_init: the E820 reservation for AMD CPUs with 40 or more address bits
      const amdHt = cpu.vendor === 'AuthenticAMD' && cpu.physBits >= 40;
      const reserved = vm.e820 ?? (amdHt ? [{ base: AMD_HT_START, length: AMD_HT_SIZE, type: 2 }] : []);
      for (const e of reserved) {
        // PlatformReservationConflictCB looks at every entry, whatever its type
        if (base < e.base + e.length && e.base < base + size) base = (e.base - size) & ~(size - 1n);
      }
    }
  }
  return {
    io: vm.machine === 'q35' ? { base: 0x6000n, limit: 0xffffn } : { base: 0xc000n, limit: 0xffffn },
    mmio32: { base: uc32Base, limit: mmio32Top - 1n },
    mmio64: { base, limit: base + size - 1n },
  };
}
