/**
 * QEMU 7.2's DSDT definition block for `-machine pc` (pc-i440fx-7.2, PIIX3/PIIX4): the PCI host
 * bridge, ACPI PCI hotplug at 0xAE00 with a device per slot of bus 0 (slots without a
 * built-in device are hotplug slots with _SUN and _EJ0), the computed _PRT over LNKA-D and
 * LNKS, HPET, CPU hotplug at 0xAF00, the root bus resources, sleep states, fw_cfg, the PIIX3
 * ISA bridge's devices and the TPM.
 */
import {
  ACCESS, REGION_PCI_CONFIG, UPDATE, add, and, arg, call, cat, createDWordField, device, eisaId, elseDo, field, iff, increment, index, int, lEqual,
  lLess, local, method, name, nameDecl, notify, opRegion, or, pkg, ret, scope, shiftLeft, shiftRight, store, whileDo,
} from '../aml/aml.ts';
import type { Aml } from '../aml/aml.ts';
import { interrupt, resourceTemplate } from '../aml/resources.ts';
import { debugScope, floppy, fwCfgScope, gpeHid, hpetScope, keyboard, mouse, parallel, rtc, isaDeviceOrder, sleepStates, tpmDevice } from './common.ts';
import { cpuHotplug } from './cpu-hotplug.ts';
import { hotplugSlot, linkDevice, pciDeviceName, pciHotplugGpe, pciHotplugHelpers, rootResources, slotDevice } from './pci.ts';
import type { DsdtShape } from './shape.ts';

const PCI_HOTPLUG_BASE = 0xae00;

function prt(): Aml {
  const entry = (link: string): Aml => store(pkg([int(0), int(0), name(link), int(0)]), local(4));
  return method('_PRT', 0, false,
    store(pkg([], 0x80), local(0)),
    store(int(0), local(1)),
    whileDo(lLess(local(1), int(0x80)),
      store(shiftRight(local(1), int(2)), local(2)),
      store(and(add(local(1), local(2)), int(3)), local(3)),
      iff(lEqual(local(3), int(0)), entry('LNKD')),
      iff(lEqual(local(3), int(1)), iff(lEqual(local(1), int(4)), entry('LNKS')), elseDo(entry('LNKA'))),
      iff(lEqual(local(3), int(2)), entry('LNKB')),
      iff(lEqual(local(3), int(3)), entry('LNKC')),
      store(or(shiftLeft(local(2), int(0x10)), int(0xffff)), index(local(4), int(0))),
      store(and(local(1), int(3)), index(local(4), int(1))),
      store(local(4), index(local(0), local(1))),
      increment(local(1))),
    ret(local(0)));
}

function pirqScope(): Aml {
  return scope('_SB',
    scope('PCI0', prt()),
    method('IQST', 1, false, iff(and(int(0x80), arg(0)), ret(int(0x09))), ret(int(0x0b))),
    method('IQCR', 1, true,
      nameDecl('PRR0', resourceTemplate(interrupt([0]))),
      createDWordField(name('PRR0'), int(5), 'PRRI'),
      iff(lLess(arg(0), int(0x80)), store(arg(0), name('PRRI'))),
      ret(name('PRR0'))),
    ...Array.from({ length: 4 }, (_, i) => linkDevice(i, `PRQ${i}`)),
    device('LNKS',
      nameDecl('_HID', eisaId('PNP0C0F')),
      nameDecl('_UID', int(4)),
      nameDecl('_PRS', resourceTemplate(interrupt([9]))),
      method('_STA', 0, false, ret(int(0x0b))),
      method('_DIS', 0, false),
      method('_CRS', 0, false, ret(name('_PRS'))),
      method('_SRS', 1, false)));
}

function busDevices(d: DsdtShape): Aml {
  const ret0 = (n: string): Aml => method(n, 0, false, ret(int(0)));
  const isa = isaDeviceOrder(d.tpm, d.serial);
  const isaBridge = [
    opRegion('P40C', REGION_PCI_CONFIG, int(0x60), int(0x04)),
    scope('\\_SB', field('PCI0.S08.P40C', ACCESS.byte, false, UPDATE.preserve, [0, 1, 2, 3].map((i) => ({ name: `PRQ${i}`, bits: 8 })))),
    ...isa.first,
    keyboard(),
    mouse(),
    floppy(d.defaults),
    ...(d.defaults ? [parallel()] : []),
    ...isa.machineSerial,
    rtc(),
  ];
  // Slot 0: the host bridge; 1: PIIX3 (ISA, IDE, USB, PM); 2: VGA with the default devices.
  const hotplug: number[] = [];
  const slots: Aml[] = [];
  for (let slot = 0; slot < 32; slot++) {
    if (slot === 0) slots.push(slotDevice(0));
    else if (slot === 1) slots.push(slotDevice(1, ...isaBridge));
    else if (slot === 2 && d.defaults) slots.push(slotDevice(2, ret0('_S1D'), ret0('_S2D'), ret0('_S3D')));
    else {
      hotplug.push(slot);
      slots.push(hotplugSlot(slot));
    }
  }
  return scope('\\_SB',
    scope('PCI0',
      nameDecl('BSEL', int(0)),
      ...slots,
      method('DVNT', 2, false, ...hotplug.map((slot) => iff(and(arg(0), int(2 ** slot)), notify(name(pciDeviceName(slot, 0)), arg(1))))),
      method('PCNT', 0, false,
        store(int(0), name('BNUM')),
        call('DVNT', name('PCIU'), int(1)),
        call('DVNT', name('PCID'), int(3)))),
    ...(d.tpm === 'crb' ? [tpmDevice('crb')] : []));
}

/** The pc DSDT's definition block. */
export function pcDsdt(d: DsdtShape): Aml {
  return cat(
    debugScope(),
    scope('_SB', device('PCI0',
      nameDecl('_HID', eisaId('PNP0A03')),
      nameDecl('_ADR', int(0)),
      nameDecl('_UID', int(0)))),
    scope('_SB.PCI0', ...pciHotplugHelpers(PCI_HOTPLUG_BASE)),
    pirqScope(),
    hpetScope(),
    gpeHid(),
    ...cpuHotplug({ cpus: d.cpus, possible: d.possibleCpus, smi: false, resPath: '\\_SB.PCI0.PRES', base: 0xaf00 }),
    rootResources(d, { hole64Size: 1n << 31n, gpe0: 0xafe0, gpe0Length: 4, pciHotplugBase: PCI_HOTPLUG_BASE }),
    sleepStates(d.s3, d.s4),
    fwCfgScope(),
    busDevices(d),
    pciHotplugGpe());
}
