/**
 * DSDT parts around the PCI host bridge that q35 and pc share in shape: ACPI PCI hotplug's
 * helpers, the PIRQ link devices, the root bus resources (the 32-bit hole from the top of low
 * RAM to the I/O APIC less MMCONFIG, the 64-bit window above RAM on a 1 GiB boundary), the GPE0
 * and PCI hotplug register devices.
 */
import {
  ACCESS, REGION_SYSTEM_IO, UPDATE, acquire, arg, buffer, call, createDWordField, derefOf, device, eisaId, field, iff, index, int, lEqual, lLess, lNot,
  lNotEqual, lOr, local, method, mutex, name, nameDecl, opRegion, or, pkg, release, ret, scope, shiftLeft, store, str, touuid,
} from '../aml/aml.ts';
import type { Aml } from '../aml/aml.ts';
import { dwordMemory, interrupt, io, memory32Fixed, qwordMemory, resourceTemplate, wordBusNumber, wordIo } from '../aml/resources.ts';
import { QemuAcpiError } from '../errors.ts';
import { TPM_TIS_BASE, TPM_TIS_SIZE } from './common.ts';
import type { DsdtShape } from './shape.ts';

export const MMCONFIG_SIZE = 0x1000_0000;
const PCI_HOLE_END = 0xfec0_0000;
const GiB = 1n << 30n;

/** What differs between the two host bridges here. */
export interface HostBridge {
  /** The 64-bit PCI window's size (q35 32 GiB, i440FX 2 GiB). */
  readonly hole64Size: bigint;
  readonly gpe0: number;
  readonly gpe0Length: number;
  readonly pciHotplugBase: number;
}

/** ACPI PCI hotplug's registers and helpers (hw/acpi/pcihp.c) at `base` (q35 0xCC0, pc 0xAE00). */
export function pciHotplugHelpers(base: number): Aml[] {
  const aidx = (): Aml => call('AIDX', derefOf(index(arg(4), int(0))), derefOf(index(arg(4), int(1))));
  return [
    opRegion('PCST', REGION_SYSTEM_IO, int(base), int(0x08)),
    field('PCST', ACCESS.dword, false, UPDATE.writeAsZeros, [{ name: 'PCIU', bits: 32 }, { name: 'PCID', bits: 32 }]),
    opRegion('SEJ', REGION_SYSTEM_IO, int(base + 8), int(0x04)),
    field('SEJ', ACCESS.dword, false, UPDATE.writeAsZeros, [{ name: 'B0EJ', bits: 32 }]),
    opRegion('BNMR', REGION_SYSTEM_IO, int(base + 0x10), int(0x08)),
    field('BNMR', ACCESS.dword, false, UPDATE.writeAsZeros, [{ name: 'BNUM', bits: 32 }, { name: 'PIDX', bits: 32 }]),
    mutex('BLCK', 0),
    method('PCEJ', 2, false,
      acquire(name('BLCK'), 0xffff),
      store(arg(0), name('BNUM')),
      store(shiftLeft(int(1), arg(1)), name('B0EJ')),
      release(name('BLCK')),
      ret(int(0))),
    method('AIDX', 2, false,
      acquire(name('BLCK'), 0xffff),
      store(arg(0), name('BNUM')),
      store(shiftLeft(int(1), arg(1)), name('PIDX')),
      store(name('PIDX'), local(0)),
      release(name('BLCK')),
      ret(local(0))),
    method('PDSM', 5, true,
      iff(lEqual(arg(2), int(0)),
        store(buffer([0]), local(0)),
        store(int(0), local(1)),
        iff(lNotEqual(arg(0), touuid('e5c937d0-3553-4d7a-9117-ea4d19c3434d')), ret(local(0))),
        iff(lLess(arg(1), int(2)), ret(local(0))),
        store(aidx(), local(2)),
        iff(lNot(or(lEqual(local(2), int(0)), lEqual(local(2), int(0xffffffff)))),
          or(local(1), int(1), local(1)),
          or(local(1), shiftLeft(int(1), int(7)), local(1))),
        store(local(1), index(local(0), int(0))),
        ret(local(0))),
      iff(lEqual(arg(2), int(7)),
        store(aidx(), local(2)),
        store(pkg([], 2), local(0)),
        iff(lNot(lOr(lEqual(local(2), int(0)), lEqual(local(2), int(0xffffffff)))),
          store(local(2), index(local(0), int(0))),
          store(str(''), index(local(0), int(1)))),
        ret(local(0)))),
  ];
}

/** Scope(_GPE) { Method(_E01) }: ACPI PCI hotplug's GPE event, PCNT under the BLCK mutex (the same on q35 and pc). */
export function pciHotplugGpe(): Aml {
  return scope('_GPE', method('_E01', 0, false,
    acquire(name('\\_SB.PCI0.BLCK'), 0xffff),
    call('\\_SB.PCI0.PCNT'),
    release(name('\\_SB.PCI0.BLCK'))));
}


/** QEMU's name of the Device of bus slot `slot`, function `fn`: S and the devfn in two hex digits. */
export const pciDeviceName = (slot: number, fn: number): string => `S${(slot * 8 + fn).toString(16).toUpperCase().padStart(2, '0')}`;

/** Device(Sxx) of slot `slot` (function 0) on a bus with ACPI PCI hotplug: acpi-index _DSM, then what the slot holds. */
export function slotDevice(slot: number, ...terms: Aml[]): Aml {
  return device(pciDeviceName(slot, 0),
    nameDecl('_ADR', int(slot << 16)),
    nameDecl('ASUN', int(slot)),
    method('_DSM', 4, true,
      store(pkg([name('BSEL'), name('ASUN')]), local(0)),
      ret(call('PDSM', arg(0), arg(1), arg(2), arg(3), local(0)))),
    ...terms);
}

/** A hot-pluggable slot (empty, or a hot-pluggable single-function device): _SUN and _EJ0 through PCEJ. */
export const hotplugSlot = (slot: number): Aml => slotDevice(slot, nameDecl('_SUN', int(slot)), method('_EJ0', 1, false, call('PCEJ', name('BSEL'), name('_SUN'))));

/** Device(LNKx): a PIRQ link routed by the chipset register field `prq`. */
export function linkDevice(i: number, prq: string): Aml {
  const l = 'ABCDEFGH'[i] ?? '';
  return device(`LNK${l}`,
    nameDecl('_HID', eisaId('PNP0C0F')),
    nameDecl('_UID', int(i)),
    nameDecl('_PRS', resourceTemplate(interrupt([5, 10, 11]))),
    method('_STA', 0, false, ret(call('IQST', name(prq)))),
    method('_DIS', 0, false, or(name(prq), int(0x80), name(prq))),
    method('_CRS', 0, false, ret(call('IQCR', name(prq)))),
    method('_SRS', 1, false, createDWordField(arg(0), int(5), 'PRRI'), store(name('PRRI'), name(prq))));
}


/** The host bridge's _CRS, the GPE0 block device and the PCI hotplug register device. */
export function rootResources(d: DsdtShape, host: HostBridge): Aml {
  const low = d.belowFourG;
  const mmcfg = d.pciExpressBase;
  if (mmcfg !== undefined && (mmcfg < low || mmcfg + MMCONFIG_SIZE > PCI_HOLE_END)) throw new QemuAcpiError('UNSUPPORTED_VM', `QEMU 7.2 ACPI model: MMCONFIG at 0x${mmcfg.toString(16)} outside the PCI hole`);
  const windows = mmcfg === undefined ? [dwordMemory(false, low, PCI_HOLE_END - 1)]
    : [dwordMemory(false, low, mmcfg - 1), dwordMemory(false, mmcfg + MMCONFIG_SIZE, PCI_HOLE_END - 1)];
  // QEMU's 64-bit hole: from above RAM on a 1 GiB boundary, or from the lowest 64-bit resource
  // on bus 0 when higher; to start + the host bridge's size on a 1 GiB boundary, or past the
  // highest 64-bit resource when higher (pci_hole64_fix).
  const roundUp = (v: bigint): bigint => (v + GiB - 1n) / GiB * GiB;
  const w64 = d.pci.w64;
  const hole64 = w64 !== undefined && w64.base > roundUp((1n << 32n) + d.aboveFourG) ? w64.base : roundUp((1n << 32n) + d.aboveFourG);
  const sized = roundUp(hole64 + host.hole64Size);
  const hole64End = w64 !== undefined && w64.limit + 1n > sized ? w64.limit + 1n : sized;
  return scope('\\_SB.PCI0',
    nameDecl('_CRS', resourceTemplate(
      wordBusNumber(0, 0xff),
      io(0xcf8, 0xcf8, 1, 8),
      wordIo(0, 0xcf7),
      wordIo(0xd00, 0xffff),
      dwordMemory(true, 0xa0000, 0xbffff),
      ...windows,
      qwordMemory(true, hole64, hole64End - 1n),
      ...(d.tpm === 'tis' ? [memory32Fixed(true, TPM_TIS_BASE, TPM_TIS_SIZE)] : []))),
    device('GPE0',
      nameDecl('_HID', str('PNP0A06')),
      nameDecl('_UID', str('GPE0 resources')),
      nameDecl('_STA', int(0x0b)),
      nameDecl('_CRS', resourceTemplate(io(host.gpe0, host.gpe0, 1, host.gpe0Length)))),
    device('PHPR',
      nameDecl('_HID', str('PNP0A06')),
      nameDecl('_UID', str('PCI Hotplug resources')),
      nameDecl('_STA', int(0x0b)),
      nameDecl('_CRS', resourceTemplate(io(host.pciHotplugBase, host.pciHotplugBase, 1, 0x18)))));
}

