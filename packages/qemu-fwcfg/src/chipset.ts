/**
 * The chipset state OVMF's PlatformPei sets before its DXE phase downloads QEMU's ACPI blobs.
 * QEMU builds etc/acpi/tables when the firmware first selects it, from the machine's state then:
 * the MCFG table and the PCI hole follow Q35's PCIEXBAR, the FADT's PM blocks follow the ACPI
 * PM I/O base (ICH9 LPC PMBASE or PIIX4 PMBA). A host reader that wants the same bytes programs
 * the same registers first, through PCI configuration mechanism #1 (ports 0xCF8/0xCFC).
 * Values: the PM bases of OvmfPkg/Include/OvmfPlatforms.h (ICH9_PMBASE_VALUE 0x0600,
 * PIIX4_PMBA_VALUE 0xB000) and the MMCONFIG base, which depends on the release: 0xB0000000 in
 * edk2-stable202211 (Debian 12), 0xE0000000 in Debian trixie's 2025.02 (found by reading the
 * blobs at each base and comparing with the digests a real trixie boot measured; the image
 * itself does not yet tell this package which one: the caller chooses).
 */
import type { QtestSession } from './qtest.ts';

/** What PlatformPei programs, per machine type. */
export interface FirmwareChipsetState {
  /** Q35 only: MMCONFIG base (256 MiB window), or undefined to leave PCIEXBAR disabled. */
  readonly pciExpressBase?: number;
  /** The ACPI PM I/O base. */
  readonly pmBase: number;
}

/** OVMF edk2-stable202211 (Debian 12). */
export const OVMF_CHIPSET_STATE: Readonly<Record<'q35' | 'pc', FirmwareChipsetState>> = {
  q35: { pciExpressBase: 0xb000_0000, pmBase: 0x0600 },
  pc: { pmBase: 0xb000 },
};

/** OVMF edk2-stable202502 (Debian trixie), checked on q35 with 512 MiB. */
export const OVMF_2025_02_CHIPSET_STATE: Readonly<Record<'q35' | 'pc', FirmwareChipsetState>> = {
  q35: { pciExpressBase: 0xe000_0000, pmBase: 0x0600 },
  pc: { pmBase: 0xb000 },
};

const pciAddress = (dev: number, fn: number, reg: number): number => (0x8000_0000 | (dev << 11) | (fn << 8) | (reg & 0xfc)) >>> 0;

async function write32(qt: QtestSession, dev: number, fn: number, reg: number, value: number): Promise<void> {
  await qt.out('l', 0xcf8, pciAddress(dev, fn, reg));
  await qt.out('l', 0xcfc, value);
}

async function write16(qt: QtestSession, dev: number, fn: number, reg: number, value: number): Promise<void> {
  await qt.out('l', 0xcf8, pciAddress(dev, fn, reg));
  await qt.out('w', 0xcfc + (reg & 2), value);
}

async function orByte(qt: QtestSession, dev: number, fn: number, reg: number, bits: number): Promise<void> {
  await qt.out('l', 0xcf8, pciAddress(dev, fn, reg));
  const v = await qt.in('b', 0xcfc + (reg & 3));
  await qt.out('l', 0xcf8, pciAddress(dev, fn, reg));
  await qt.out('b', 0xcfc + (reg & 3), v | bits);
}

/**
 * Programs what PlatformPei does on `machine`: Q35: PCIEXBAR (MCH 00:00.0 0x60/0x64, enable bit),
 * PMBASE (LPC 00:1f.0 0x40) and ACPI_CNTL's ACPI_EN (0x44 bit 7); PC: PMBA (PIIX4 PM 00:01.3 0x40)
 * and PMREGMISC's PMIOSE (0x80 bit 0).
 */
export async function programFirmwareChipset(qt: QtestSession, machine: 'q35' | 'pc', state: FirmwareChipsetState = OVMF_CHIPSET_STATE[machine]): Promise<void> {
  if (machine === 'q35') {
    if (state.pciExpressBase !== undefined) {
      await write32(qt, 0, 0, 0x64, 0);
      await write32(qt, 0, 0, 0x60, (state.pciExpressBase | 1) >>> 0);
    }
    await write16(qt, 0x1f, 0, 0x40, state.pmBase);
    await orByte(qt, 0x1f, 0, 0x44, 0x80);
  } else {
    await write32(qt, 1, 3, 0x40, state.pmBase);
    await orByte(qt, 1, 3, 0x80, 0x01);
  }
}
