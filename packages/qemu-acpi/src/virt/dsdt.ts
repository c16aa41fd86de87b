/**
 * The DSDT definition block QEMU 7.2 builds for `virt` (hw/arm/virt-acpi-build.c build_dsdt;
 * the PCIe host from hw/pci-host/gpex-acpi.c acpi_dsdt_add_gpex; the GED from
 * hw/acpi/generic_event_device.c build_ged_aml; the TPM from virt-acpi-build.c acpi_dsdt_add_tpm).
 * Scope \_SB: a processor device per CPU, the PL011, fw_cfg, the 32 virtio-mmio transports, the
 * PCIe root bus, the GED (power-button event only: no memory slots), the power button, and the TPM
 * when there is one. No flash devices (virt-5.1 and later) and no RTC (UEFI owns it).
 */
import {
  and, arg, cat, createDWordField, device, elseDo, field, iff, int, lEqual, lNot, local, method, name, nameDecl, notify, opRegion, or, pkg, ret, scope, store, str, touuid,
  unicode, varPackage, buffer, ACCESS, REGION_SYSTEM_MEMORY, UPDATE,
} from '../aml/aml.ts';
import type { Aml } from '../aml/aml.ts';
import { IRQ_EDGE_EXCLUSIVE, IRQ_LEVEL_EXCLUSIVE, dwordIo, dwordMemory, interruptWith, memory32Fixed, qwordMemory, resourceTemplate, wordBusNumber } from '../aml/resources.ts';
import { ARM_SPI_BASE, VIRT_HIGH_MEMMAP, VIRT_IRQ, VIRT_MEMMAP, VIRT_MMIO_TRANSPORTS } from './vm.ts';
import type { Qemu72VirtVm } from './vm.ts';

const hex = (n: number, width: number): string => n.toString(16).toUpperCase().padStart(width, '0');
const levelIrq = (gsi: number): Aml => interruptWith(IRQ_LEVEL_EXCLUSIVE, [gsi]);
/** PCI_SLOT_MAX × PCI_NUM_PINS. */
const PCI_SLOTS = 32;
const PCI_PINS = 4;
/** PCIE_MMCFG_SIZE_MIN: ECAM bytes per bus. */
const ECAM_BUS_SIZE = 0x10_0000n;

function pcie(): Aml {
  const [ecam, ecamSize] = VIRT_HIGH_MEMMAP.PCIE_ECAM;
  const [mmio, mmioSize] = VIRT_MEMMAP.PCIE_MMIO;
  const [pio, pioSize] = VIRT_MEMMAP.PCIE_PIO;
  const [mmioHigh, mmioHighSize] = VIRT_HIGH_MEMMAP.PCIE_MMIO;
  const buses = Number(ecamSize / ECAM_BUS_SIZE);
  const prt: Aml[] = [];
  for (let slot = 0; slot < PCI_SLOTS; slot++) {
    for (let pin = 0; pin < PCI_PINS; pin++) prt.push(pkg([int((slot << 16) | 0xffff), int(pin), name(`GSI${(pin + slot) % PCI_PINS}`), int(0)]));
  }
  const links = Array.from({ length: PCI_PINS }, (_, i) => {
    const gsi = VIRT_IRQ.PCIE + ARM_SPI_BASE + i;
    return device(`GSI${i}`,
      nameDecl('_HID', str('PNP0C0F')), nameDecl('_UID', int(i)),
      nameDecl('_PRS', resourceTemplate(levelIrq(gsi))), nameDecl('_CRS', resourceTemplate(levelIrq(gsi))),
      method('_SRS', 1, false));
  });
  const cdw1 = name('CDW1');
  return device('PCI0',
    nameDecl('_HID', str('PNP0A08')), nameDecl('_CID', str('PNP0A03')), nameDecl('_SEG', int(0)), nameDecl('_BBN', int(0)), nameDecl('_UID', int(0)),
    nameDecl('_STR', unicode('PCIe 0 Device')), nameDecl('_CCA', int(1)),
    nameDecl('_PRT', varPackage(prt)),
    ...links,
    method('_CBA', 0, false, ret(int(ecam))),
    nameDecl('_CRS', resourceTemplate(
      wordBusNumber(0, buses - 1),
      dwordMemory(false, mmio, mmio + mmioSize - 1),
      dwordIo(0, pioSize - 1, pio),
      qwordMemory(false, mmioHigh, mmioHigh + mmioHighSize - 1n),
    )),
    nameDecl('SUPP', int(0)), nameDecl('CTRL', int(0)),
    method('_OSC', 4, false,
      createDWordField(arg(3), int(0), 'CDW1'),
      iff(lEqual(arg(0), touuid('33DB4D5B-1FF7-401C-9657-7441C03DD766')),
        createDWordField(arg(3), int(4), 'CDW2'), createDWordField(arg(3), int(8), 'CDW3'),
        store(name('CDW2'), name('SUPP')), store(name('CDW3'), name('CTRL')),
        and(name('CTRL'), int(0x1f), name('CTRL')),
        iff(lNot(lEqual(arg(1), int(1))), or(cdw1, int(0x08), cdw1)),
        iff(lNot(lEqual(name('CDW3'), name('CTRL'))), or(cdw1, int(0x10), cdw1)),
        store(name('CTRL'), name('CDW3')),
        ret(arg(3))),
      elseDo(or(cdw1, int(0x04), cdw1), ret(arg(3)))),
    method('_DSM', 4, false,
      iff(lEqual(arg(0), touuid('E5C937D0-3553-4D7A-9117-EA4D19C3434D')), iff(lEqual(arg(2), int(0)), ret(buffer([1])))),
      ret(buffer([0]))),
    device('RES0', nameDecl('_HID', str('PNP0C02')), nameDecl('_CRS', resourceTemplate(qwordMemory(false, ecam, ecam + ecamSize - 1n)))));
}

/** The GED: edge interrupt 41, its event selector register, _EVT notifying the power button (ACPI_GED_PWR_DOWN_EVT, bit 1). */
function ged(): Aml {
  const [sel, selLen] = VIRT_MEMMAP.ACPI_GED;
  return device('\\_SB.GED',
    nameDecl('_HID', str('ACPI0013')), nameDecl('_UID', str('GED')),
    nameDecl('_CRS', resourceTemplate(interruptWith(IRQ_EDGE_EXCLUSIVE, [VIRT_IRQ.ACPI_GED + ARM_SPI_BASE]))),
    opRegion('EREG', REGION_SYSTEM_MEMORY, int(sel), int(selLen)),
    field('EREG', ACCESS.dword, false, UPDATE.writeAsZeros, [{ name: 'ESEL', bits: 32 }]),
    method('_EVT', 1, true,
      store(name('ESEL'), local(0)),
      iff(lEqual(and(local(0), int(2)), int(2)), notify(name('PWRB'), int(0x80)))));
}

/** The DSDT's definition block (after the header) for `vm`. */
export function virtDsdtAml(vm: Qemu72VirtVm): Uint8Array {
  const [uart, uartSize] = VIRT_MEMMAP.UART;
  const [fwCfg, fwCfgSize] = VIRT_MEMMAP.FW_CFG;
  const [mmio, mmioSize] = VIRT_MEMMAP.MMIO;
  const terms: Aml[] = [];
  for (let i = 0; i < vm.cpus; i++) terms.push(device(`C${hex(i, 3)}`, nameDecl('_HID', str('ACPI0007')), nameDecl('_UID', int(i))));
  terms.push(device('COM0', nameDecl('_HID', str('ARMH0011')), nameDecl('_UID', int(0)),
    nameDecl('_CRS', resourceTemplate(memory32Fixed(true, uart, uartSize), levelIrq(VIRT_IRQ.UART + ARM_SPI_BASE)))));
  terms.push(device('FWCF', nameDecl('_HID', str('QEMU0002')), nameDecl('_STA', int(0xb)), nameDecl('_CCA', int(1)),
    nameDecl('_CRS', resourceTemplate(memory32Fixed(true, fwCfg, fwCfgSize)))));
  for (let i = 0; i < VIRT_MMIO_TRANSPORTS; i++) {
    terms.push(device(`VR${String(i).padStart(2, '0')}`, nameDecl('_HID', str('LNRO0005')), nameDecl('_UID', int(i)), nameDecl('_CCA', int(1)),
      nameDecl('_CRS', resourceTemplate(memory32Fixed(true, mmio + i * mmioSize, mmioSize), levelIrq(VIRT_IRQ.MMIO + ARM_SPI_BASE + i)))));
  }
  terms.push(pcie(), ged(), device('PWRB', nameDecl('_HID', str('PNP0C0C')), nameDecl('_UID', int(0))));
  if (vm.tpm) {
    // tpm-tis-device is the platform bus's only device: its 0x5000-byte TIS block at the bus base.
    terms.push(device('TPM0', nameDecl('_HID', str('MSFT0101')), nameDecl('_STR', str('TPM 2.0 Device')), nameDecl('_UID', int(0)),
      nameDecl('_CRS', resourceTemplate(memory32Fixed(true, VIRT_MEMMAP.PLATFORM_BUS[0], 0x5000)))));
  }
  return cat(scope('\\_SB', ...terms));
}
