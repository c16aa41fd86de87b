/**
 * QEMU 7.2's CPU hotplug AML (hw/acpi/cpu.c, the "modern" interface, QEMU
 * docs/specs/acpi_cpu_hotplug.rst): the register block device PRES at `base` (12 ports), the
 * processor container CPUS with CTFY/CSTA/CEJ0/CSCN/COST and one Processor per possible CPU,
 * and the GPE handler. With SMI features negotiated (SMM builds of OVMF: CPU hotplug and
 * hot-unplug), ejection and insertion go through the SMI command port (SMI0.SMIC = 4).
 */
import {
  ACCESS, BREAK, DEBUG, REGION_SYSTEM_IO, UPDATE, acquire, arg, buffer, call, derefOf, device, eisaId, elseDo, field, iff, increment, index, int, lAnd, lEqual,
  lGreater, lLess, local, method, mutex, name, nameDecl, notify, opRegion, pkg, processor, release, ret, scope, store, str, whileDo,
} from '../aml/aml.ts';
import type { Aml } from '../aml/aml.ts';
import { io, resourceTemplate } from '../aml/resources.ts';

export interface CpuHotplugShape {
  readonly cpus: number;
  readonly possible: number;
  /** OVMF negotiated SMI-based CPU hotplug: the SMI0 device exists. */
  readonly smi: boolean;
  /** Where PRES lives ("\\_SB.PCI0.PRES" on q35 and pc). */
  readonly resPath: string;
  /** The register block's I/O base. */
  readonly base: number;
}

const cpuName = (i: number): string => `C${i.toString(16).toUpperCase().padStart(3, '0')}`;

/** Device(SMI0) in Scope(_SB): the SMI command port as a field. */
export function smiDevice(): Aml {
  return device('PCI0.SMI0',
    nameDecl('_HID', eisaId('PNP0A06')),
    nameDecl('_UID', str('SMI resources')),
    nameDecl('_CRS', resourceTemplate(io(0xb2, 0xb2, 1, 2))),
    opRegion('SMIR', REGION_SYSTEM_IO, int(0xb2), int(2)),
    field('SMIR', ACCESS.byte, false, UPDATE.writeAsZeros, [{ name: 'SMIC', bits: 8 }, { offset: 2 }]));
}

/** Scope(_SB) { PRES, CPUS } and Method(\_GPE._E02). */
export function cpuHotplug(s: CpuHotplugShape): Aml[] {
  const r = (f: string): Aml => name(`${s.resPath}.${f}`);
  const lock = r('CPLK');
  const smic = name('\\_SB.PCI0.SMI0.SMIC');
  const pres = device(s.resPath,
    nameDecl('_HID', eisaId('PNP0A06')),
    nameDecl('_UID', str('CPU Hotplug resources')),
    mutex('CPLK', 0),
    nameDecl('_CRS', resourceTemplate(io(s.base, s.base, 1, 0x0c))),
    opRegion('PRST', REGION_SYSTEM_IO, int(s.base), int(0x0c)),
    field('PRST', ACCESS.byte, false, UPDATE.writeAsZeros, [
      { offset: 4 }, { name: 'CPEN', bits: 1 }, { name: 'CINS', bits: 1 }, { name: 'CRMV', bits: 1 }, { name: 'CEJ0', bits: 1 }, { name: 'CEJF', bits: 1 },
      { offset: 5 }, { name: 'CCMD', bits: 8 },
    ]),
    field('PRST', ACCESS.dword, false, UPDATE.preserve, [{ name: 'CSEL', bits: 32 }, { offset: 8 }, { name: 'CDAT', bits: 32 }]),
    method('_INI', 0, true, store(int(0), name('CSEL'))));

  const processors: Aml[] = [];
  const notifies: Aml[] = [];
  for (let i = 0; i < s.possible; i++) {
    notifies.push(iff(lEqual(arg(0), int(i)), notify(name(cpuName(i)), arg(1))));
    processors.push(processor(cpuName(i), i,
      method('_STA', 0, true, ret(call('CSTA', int(i)))),
      // _MAT: the Local APIC entry, enabled even for a CPU not present (unlike the MADT's).
      nameDecl('_MAT', buffer([0, 8, i, i, 1, 0, 0, 0])),
      ...(i > 0 ? [method('_EJ0', 1, false, call('CEJ0', int(i)))] : []),
      method('_OST', 3, true, call('COST', int(i), arg(0), arg(1), arg(2)))));
  }
  const scan = method('CSCN', 0, true,
    acquire(lock, 0xffff),
    nameDecl('CNEW', pkg([], 0xff)),
    store(int(0), local(3)),
    store(int(1), local(4)),
    whileDo(lEqual(local(4), int(1)),
      store(int(0), local(4)),
      store(int(1), local(0)),
      store(int(0), local(1)),
      whileDo(lAnd(lEqual(local(0), int(1)), lLess(local(3), int(s.possible))),
        store(int(0), local(0)),
        store(local(3), r('CSEL')),
        store(int(0), r('CCMD')),
        iff(lLess(r('CDAT'), local(3)), BREAK),
        iff(lEqual(local(1), int(0xff)), store(int(1), local(4)), BREAK),
        store(r('CDAT'), local(3)),
        iff(lEqual(r('CINS'), int(1)), store(local(3), index(name('CNEW'), local(1))), increment(local(1)), store(int(1), local(0))),
        elseDo(iff(lEqual(r('CRMV'), int(1)), call('CTFY', local(3), int(3)), store(int(1), r('CRMV')), store(int(1), local(0)))),
        increment(local(3))),
      ...(s.smi ? [iff(lGreater(local(1), int(0)), store(int(4), smic))] : []),
      store(int(0), local(2)),
      whileDo(lLess(local(2), local(1)),
        store(derefOf(index(name('CNEW'), local(2))), local(3)),
        call('CTFY', local(3), int(1)),
        store(local(3), DEBUG),
        store(local(3), r('CSEL')),
        store(int(1), r('CINS')),
        increment(local(2)))),
    release(lock));
  const cpus = device('\\_SB.CPUS',
    nameDecl('_HID', str('ACPI0010')),
    nameDecl('_CID', eisaId('PNP0A05')),
    method('CTFY', 2, false, ...notifies),
    method('CSTA', 1, true,
      acquire(lock, 0xffff),
      store(arg(0), r('CSEL')),
      store(int(0), local(0)),
      iff(lEqual(r('CPEN'), int(1)), store(int(0x0f), local(0))),
      release(lock),
      ret(local(0))),
    method('CEJ0', 1, true,
      acquire(lock, 0xffff),
      store(arg(0), r('CSEL')),
      ...(s.smi ? [store(int(1), r('CEJF')), store(int(4), smic)] : [store(int(1), r('CEJ0'))]),
      release(lock)),
    scan,
    method('COST', 4, true,
      acquire(lock, 0xffff),
      store(arg(0), r('CSEL')),
      store(int(1), r('CCMD')),
      store(arg(1), r('CDAT')),
      store(int(2), r('CCMD')),
      store(arg(2), r('CDAT')),
      release(lock)),
    ...processors);
  return [scope('_SB', pres, cpus), method('\\_GPE._E02', 0, false, call('\\_SB.CPUS.CSCN'))];
}
