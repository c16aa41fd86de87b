/**
 * What a pre-PlatformInitLib PlatformPei (edk2-stable202005 to edk2-stable202205) leaves in the
 * globals {@link locateLegacyPlatformGlobals} finds, on a normal boot of `machine` without SMM
 * (OvmfPkg/PlatformPei of those releases): the host bridge DID; AddressWidthInitialization
 * (the address width from the first address past RAM and the 64-bit PCI aperture, at least 36
 * bits: these releases do not consult CPUID); QemuUc32BaseInitialization (Q35: the PCIEXBAR
 * base; PIIX4: 4 GiB minus the largest power of two that fits above low RAM);
 * MaxCpuCountInitialization; PublishPeiMemory's S3 reservation (512 KiB and one AP stack per
 * CPU, at the top of low RAM, when QEMU offers S3); QemuFwCfgInitialize's two flags (QEMU has
 * fw_cfg with DMA); and MemEncryptSevLib's "status checked" flag.
 */
import { ramLayout } from '../machine.ts';
import type { MachineDescription } from '../machine.ts';
import type { OvmfBuildFacts } from './platform-info.ts';
import { LEGACY_GLOBALS, LEGACY_GLOBAL_SIZE, locateLegacyPlatformGlobals } from './legacy-globals.ts';
import type { LegacyGlobalName } from './legacy-globals.ts';
import type { XipImage } from './locate.ts';
import { QEMU_EXTENDED_TSEG_MBYTES, locateLegacySmmGlobals } from './legacy-smm.ts';

const HOST_BRIDGE = { q35: 0x29c0, pc: 0x1237 } as const;
const SIZE_1GB = 1n << 30n;
const SIZE_4GB = 1n << 32n;

function alignUp(v: bigint, a: bigint): bigint {
  return ((v + a - 1n) / a) * a;
}
function highestPowerOfTwoAtMost(v: bigint): bigint {
  let p = 1n;
  while (p * 2n <= v) p *= 2n;
  return p;
}

/** The address width AddressWidthInitialization computes (no CPUID in these releases). */
export function legacyPhysMemAddressWidth(m: MachineDescription, build: OvmfBuildFacts): number {
  const ram = ramLayout(m);
  let firstNonAddress = ram.aboveFourG > 0n ? SIZE_4GB + ram.aboveFourG : SIZE_4GB;
  if (build.pciMmio64Size !== 0n && build.ia32Dxe !== true) {
    const size = alignUp(build.pciMmio64Size, SIZE_1GB);
    const base = alignUp(alignUp(firstNonAddress, SIZE_1GB), highestPowerOfTwoAtMost(size));
    firstNonAddress = base + size;
  }
  let w = firstNonAddress.toString(2).length - 1;
  if ((firstNonAddress & (firstNonAddress - 1n)) !== 0n) w++;
  return Math.max(w, 36);
}

/** The value of each global after PlatformPei ran on `m` (non-SMM build). */
export function legacyGlobalValues(m: MachineDescription, build: OvmfBuildFacts): Readonly<Record<LegacyGlobalName, number>> {
  // SMM builds: PublishPeiMemory reserves S3 memory below TSEG (legacy-smm.ts).
  const lower = ramLayout(m).belowFourG - (build.smmSmramRequire ? QEMU_EXTENDED_TSEG_MBYTES * 1024 * 1024 : 0);
  const maxCpus = m.maxCpus ?? m.cpus;
  const s3Size = m.s3 ? 0x80000 + maxCpus * build.cpuApStackSize : 0;
  const uc32 = m.machine === 'q35' ? build.pciExpressBaseAddress : 0x100000000 - Number(highestPowerOfTwoAtMost(BigInt(0x100000000 - lower)));
  return {
    hostBridgeDevId: HOST_BRIDGE[m.machine],
    qemuUc32Base: uc32,
    physMemAddressWidth: legacyPhysMemAddressWidth(m, build),
    s3Supported: m.s3 ? 1 : 0,
    fwCfgSupported: 1,
    fwCfgDmaSupported: 1,
    sevStatusChecked: 1,
    maxCpuCount: maxCpus,
    s3AcpiReservedMemoryBase: m.s3 ? lower - s3Size : 0,
    s3AcpiReservedMemorySize: s3Size,
  };
}

/** What applying the legacy model did. */
export interface LegacyApplied {
  readonly notes: readonly string[];
  /** Offset in PEIFV of each global found. */
  readonly offsets: Readonly<Record<string, number>>;
  /** Set when PlatformPei writes bytes this model cannot predict: the prediction is incomplete. */
  readonly unmodelled?: string;
}

/**
 * Writes the globals of a pre-PlatformInitLib PlatformPei into `bytes` (PEIFV), its image at
 * `peOffsetInFv`. SMM builds also keep TSEG and SMBASE state there: not modelled, reported.
 */
export function applyLegacyPlatformPei(
  bytes: Uint8Array, peOffsetInFv: number, img: XipImage, data: { start: number; end: number }, m: MachineDescription, build: OvmfBuildFacts
): LegacyApplied {
  const layout = locateLegacyPlatformGlobals(img, data);
  const offsets = Object.fromEntries(Object.entries(layout.found).map(([k, v]) => [k, peOffsetInFv + v]));
  if (layout.missing.length > 0) {
    return {
      offsets,
      notes: [`PlatformPei (before edk2-stable202208) globals not all found: ${layout.missing.join(', ')}`],
      unmodelled: `PlatformPei's globals in PEIFV (a pre-edk2-stable202208 layout; not found: ${layout.missing.join(', ')})`,
    };
  }
  const values = legacyGlobalValues(m, build);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const name of LEGACY_GLOBALS) {
    const at = peOffsetInFv + (layout.found[name] ?? 0);
    const v = values[name];
    const size = LEGACY_GLOBAL_SIZE[name];
    if (size === 1) view.setUint8(at, v);
    else if (size === 2) view.setUint16(at, v, true);
    else view.setUint32(at, v >>> 0, true);
  }
  const where = LEGACY_GLOBALS.map((n) => `${n} PEIFV+0x${(peOffsetInFv + (layout.found[n] ?? 0)).toString(16)}=0x${values[n].toString(16)}`).join(', ');
  const notes = [`PlatformPei (pre-PlatformInitLib globals, edk2-stable202005 to 202205): ${where}`];
  if (build.smmSmramRequire) {
    const smm = locateLegacySmmGlobals(img, data);
    if (smm.tsegMbytes === undefined || smm.smramAtDefaultSmbase === undefined || m.machine !== 'q35') {
      return { notes, offsets, unmodelled: 'PlatformPei\'s SMM state in PEIFV of a pre-edk2-stable202208 SMM build (TSEG size, SMRAM at default SMBASE; PCR0)' };
    }
    view.setUint16(peOffsetInFv + smm.tsegMbytes, QEMU_EXTENDED_TSEG_MBYTES, true);
    view.setUint8(peOffsetInFv + smm.smramAtDefaultSmbase, 1);
    notes.push(`SMM: mQ35TsegMbytes PEIFV+0x${(peOffsetInFv + smm.tsegMbytes).toString(16)}=${QEMU_EXTENDED_TSEG_MBYTES}, mQ35SmramAtDefaultSmbase PEIFV+0x${(peOffsetInFv + smm.smramAtDefaultSmbase).toString(16)}=1 (legacy-smm.ts)`);
    return { notes, offsets: { ...offsets, q35TsegMbytes: peOffsetInFv + smm.tsegMbytes, q35SmramAtDefaultSmbase: peOffsetInFv + smm.smramAtDefaultSmbase } };
  }
  return { notes, offsets };
}
