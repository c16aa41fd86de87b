/**
 * The chipset state a build's PlatformPei leaves for QEMU to build its ACPI tables from (QEMU
 * builds etc/acpi/tables when the firmware first reads it: MCFG and the PCI hole follow Q35's
 * PCIEXBAR, the FADT's PM blocks the ACPI PM base), read from the image:
 *
 * - MMCONFIG base: PlatformPei programs PCIEXBAR with `PcdPciExpressBaseAddress | MCH_PCIEXBAR_EN`
 *   (OvmfPkg PlatformPei/PlatformInitLib), a 32-bit immediate in its code: 0xB0000001 in
 *   edk2-stable202211 (Debian 12), 0xE0000001 in Debian trixie's 2025.02. Taken: the one
 *   immediate of the form `256 MiB-aligned base >= 2 GiB | 1` that is an argument of a PciWrite32
 *   to MCH register 0x60 (MCH_PCIEXBAR_LOW): followed within 8 bytes by the register's argument
 *   (X64 `mov ecx, 0x60`: B9 60 00 00 00; IA32 `push 0x60`: 6A 60). Other such constants
 *   (CPUID leaf 0x80000001, …) are not.
 * - PM base: OvmfPkg/Include/OvmfPlatforms.h ICH9_PMBASE_VALUE 0x0600 (q35), PIIX4_PMBA_VALUE
 *   0xB000 (pc), unchanged across releases.
 */
import { EFI_SECTION, findFileByGuid } from '@tcg2sim/uefi';
import type { MemoryFv } from '../sec.ts';
import { PLATFORM_PEI_FILE_GUID } from './peifv.ts';

/** What a host-side fw_cfg reader programs before reading (the shape @tcg2sim/qemu-fwcfg takes). */
export interface FirmwareChipsetFacts {
  readonly pciExpressBase?: number;
  readonly pmBase: number;
  /** How the values were decided. */
  readonly evidence: string;
}

const MCH_PCIEXBAR_LOW = 0x60;

function pcieXBarLowArgumentFollows(img: Uint8Array, from: number): boolean {
  for (let j = from; j < from + 8 && j + 2 <= img.length; j++) {
    if (img[j] === 0x6a && img[j + 1] === MCH_PCIEXBAR_LOW) return true;
    if (img[j] === 0xb9 && img[j + 1] === MCH_PCIEXBAR_LOW && img[j + 2] === 0 && img[j + 3] === 0 && img[j + 4] === 0) return true;
  }
  return false;
}

/** The MMCONFIG base PlatformPei programs, or undefined when its code holds no single candidate. */
export function readPciExpressBase(peiFv: MemoryFv): number | undefined {
  const img = findFileByGuid(peiFv.volume, PLATFORM_PEI_FILE_GUID)?.sections?.find((s) => s.type === EFI_SECTION.PE32 || s.type === EFI_SECTION.TE)?.body;
  if (img === undefined) return undefined;
  const found = new Set<number>();
  const view = new DataView(img.buffer, img.byteOffset, img.byteLength);
  for (let i = 0; i + 4 <= img.length; i++) {
    const v = view.getUint32(i, true);
    if (v >= 0x8000_0001 && (v & 0x0fff_ffff) === 1 && pcieXBarLowArgumentFollows(img, i + 4)) found.add(v - 1);
  }
  return found.size === 1 ? [...found][0] : undefined;
}

/** The chipset state of `machine` after this build's PlatformPei. */
export function firmwareChipsetFacts(peiFv: MemoryFv, machine: 'q35' | 'pc'): FirmwareChipsetFacts {
  if (machine === 'pc') return { pmBase: 0xb000, evidence: 'PIIX4 PMBA 0xB000 (OvmfPlatforms.h)' };
  const base = readPciExpressBase(peiFv);
  if (base === undefined) {
    return { pciExpressBase: 0xb000_0000, pmBase: 0x0600, evidence: 'PlatformPei holds no single PCIEXBAR value: 0xB0000000 (edk2-stable202211) assumed' };
  }
  return { pciExpressBase: base, pmBase: 0x0600, evidence: `PlatformPei programs PCIEXBAR 0x${base.toString(16).toUpperCase()} | EN; ICH9 PMBASE 0x600` };
}
