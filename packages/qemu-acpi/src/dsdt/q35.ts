/**
 * QEMU 7.2's DSDT definition block for `-machine q35` (pc-q35-7.2, ICH9): the PCI Express host
 * bridge with _OSC, the MMCONFIG reservation, ACPI PCI hotplug's helpers (on q35 since 6.1;
 * the root bus itself has no hotplug slots), PIRQ routing through LNKA-H/GSIA-H, HPET, CPU
 * hotplug, the root bus resources, sleep states, fw_cfg, the devices on bus 0 (host bridge, VGA
 * with the default devices, the LPC bridge with its ISA devices and the TIS TPM, SMBus).
 */
import {
  ACCESS, REGION_PCI_CONFIG, UPDATE, and, arg, cat, createDWordField, device, eisaId, elseDo, field, iff,
  int, lEqual, lNotEqual, local, method, name, nameDecl, opRegion, or, pkg, ret, scope, store, str,
  touuid,
} from '../aml/aml.ts';
import type { Aml } from '../aml/aml.ts';
import { dwordMemory, interrupt, resourceTemplate} from '../aml/resources.ts';
import {
  debugScope, fwCfgScope, gpeHid, hpetScope, keyboard, mouse, parallel, rtc, isaDeviceOrder, sleepStates, tpmDevice,
} from './common.ts';
import { cpuHotplug, smiDevice } from './cpu-hotplug.ts';
import { MMCONFIG_SIZE, linkDevice, pciHotplugGpe, pciHotplugHelpers, rootResources } from './pci.ts';
import { q35RootBusDevices, q35RootPcnt } from './q35-pci.ts';
import type { DsdtShape } from './shape.ts';


function osc(): Aml {
  return method('_OSC', 4, false,
    createDWordField(arg(3), int(0), 'CDW1'),
    iff(lEqual(arg(0), touuid('33db4d5b-1ff7-401c-9657-7441c03dd766')),
      createDWordField(arg(3), int(4), 'CDW2'),
      createDWordField(arg(3), int(8), 'CDW3'),
      store(name('CDW3'), local(0)),
      and(local(0), int(0x1e), local(0)),
      iff(lNotEqual(arg(1), int(1)), or(name('CDW1'), int(0x08), name('CDW1'))),
      iff(lNotEqual(name('CDW3'), local(0)), or(name('CDW1'), int(0x10), name('CDW1'))),
      store(local(0), name('CDW3'))),
    elseDo(or(name('CDW1'), int(0x04), name('CDW1'))),
    ret(arg(3)));
}

/** _PRT packages: slots 0-24 and 30 rotate E-H by slot (30: no rotation), 25-29 and 31 take A-D by pin. */
function routing(prefix: string, low: string, high: string): Aml {
  const entries: Aml[] = [];
  for (let slot = 0; slot < 32; slot++) {
    for (let pin = 0; pin < 4; pin++) {
      const lnk = slot >= 25 && slot !== 30 ? `${prefix}${low[pin] ?? ''}` : `${prefix}${high[slot === 30 ? pin : (slot + pin) % 4] ?? ''}`;
      entries.push(pkg([int((slot << 16) | 0xffff), int(pin), name(lnk), int(0)]));
    }
  }
  return pkg(entries);
}

function gsiDevice(i: number): Aml {
  const gsi = 0x10 + i;
  return device(`GSI${'ABCDEFGH'[i] ?? ''}`,
    nameDecl('_HID', eisaId('PNP0C0F')),
    nameDecl('_UID', int(gsi)),
    nameDecl('_PRS', resourceTemplate(interrupt([gsi]))),
    nameDecl('_CRS', resourceTemplate(interrupt([gsi]))),
    method('_DIS', 0, false),
    method('_SRS', 1, false));
}

function pirqScope(): Aml {
  return scope('_SB',
    scope('PCI0',
      nameDecl('PRTP', routing('LNK', 'ABCD', 'EFGH')),
      nameDecl('PRTA', routing('GSI', 'ABCD', 'EFGH')),
      method('_PRT', 0, false, iff(lEqual(name('PICF'), int(0)), ret(name('PRTP'))), elseDo(ret(name('PRTA'))))),
    method('IQST', 1, false, iff(and(int(0x80), arg(0)), ret(int(0x09))), ret(int(0x0b))),
    method('IQCR', 1, true,
      nameDecl('PRR0', resourceTemplate(interrupt([0]))),
      createDWordField(name('PRR0'), int(5), 'PRRI'),
      store(and(arg(0), int(0x0f)), name('PRRI')),
      ret(name('PRR0'))),
    ...Array.from({ length: 8 }, (_, i) => linkDevice(i, `PRQ${'ABCDEFGH'[i] ?? ''}`)),
    ...Array.from({ length: 8 }, (_, i) => gsiDevice(i)));
}

function busDevices(d: DsdtShape): Aml {
  const isa = isaDeviceOrder(d.tpm, d.serial);
  const ret0 = (n: string): Aml => method(n, 0, false, ret(int(0)));
  const lpc = device('SF8',
    nameDecl('_ADR', int(0x001f0000)),
    opRegion('PIRQ', REGION_PCI_CONFIG, int(0x60), int(0x0c)),
    scope('\\_SB', field('PCI0.SF8.PIRQ', ACCESS.byte, false, UPDATE.preserve, [
      { name: 'PRQA', bits: 8 }, { name: 'PRQB', bits: 8 }, { name: 'PRQC', bits: 8 }, { name: 'PRQD', bits: 8 },
      { offset: 8 }, { name: 'PRQE', bits: 8 }, { name: 'PRQF', bits: 8 }, { name: 'PRQG', bits: 8 }, { name: 'PRQH', bits: 8 },
    ])),
    ...isa.first,
    keyboard(),
    mouse(),
    ...(d.defaults ? [parallel()] : []),
    ...isa.machineSerial,
    rtc());
  const devices = q35RootBusDevices(d.pci).map((x) => x.aml);
  return scope('\\_SB', scope('PCI0',
    device('S00', nameDecl('_ADR', int(0))),
    ...(d.defaults ? [device('S08', nameDecl('_ADR', int(0x00010000)), ret0('_S1D'), ret0('_S2D'), ret0('_S3D'))] : []),
    ...devices,
    lpc,
    device('SFB', nameDecl('_ADR', int(0x001f0003))),
    q35RootPcnt(d.pci)),
  ...(d.tpm === 'crb' ? [tpmDevice('crb')] : []));
}

/** The q35 DSDT's definition block. */
export function q35Dsdt(d: DsdtShape): Aml {
  const pci0 = device('PCI0',
    nameDecl('_HID', eisaId('PNP0A08')),
    nameDecl('_CID', eisaId('PNP0A03')),
    nameDecl('_ADR', int(0)),
    nameDecl('_UID', int(0)),
    osc());
  const drac = d.pciExpressBase === undefined ? [] : [device('DRAC',
    nameDecl('_HID', str('PNP0C01')),
    nameDecl('_CRS', resourceTemplate(dwordMemory(false, d.pciExpressBase, d.pciExpressBase + MMCONFIG_SIZE - 1))))];
  return cat(
    debugScope(),
    scope('_SB', pci0, ...drac, ...(d.smi ? [smiDevice()] : [])),
    scope('_SB.PCI0', ...pciHotplugHelpers(0xcc0)),
    nameDecl('PICF', int(0)),
    method('_PIC', 1, false, store(arg(0), name('PICF'))),
    pirqScope(),
    hpetScope(),
    gpeHid(),
    ...cpuHotplug({ cpus: d.cpus, possible: d.possibleCpus, smi: d.smi, resPath: '\\_SB.PCI0.PRES', base: 0xcd8 }),
    rootResources(d, { hole64Size: 1n << 35n, gpe0: d.pmBase + 0x20, gpe0Length: 0x10, pciHotplugBase: 0xcc0 }),
    sleepStates(d.s3, d.s4),
    fwCfgScope(),
    busDevices(d),
    pciHotplugGpe());
}
