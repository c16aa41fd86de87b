/**
 * DSDT parts QEMU 7.2 builds alike on q35 and pc: the debug port method, the HPET device, the
 * GPE block _HID, the sleep states, the fw_cfg device, the ISA devices and the TPM (TIS) device
 * with its Physical Presence Interface _DSM. Values are QEMU 7.2's (hw/i386/acpi-build.c,
 * hw/acpi/tpm.c, hw/timer/hpet.c, hw/char/serial-isa.c, hw/input/pckbd.c, hw/rtc/mc146818rtc.c,
 * hw/char/parallel.c); the encoding is ./../aml/aml.ts.
 */
import {
  ACCESS, REGION_SYSTEM_IO, REGION_SYSTEM_MEMORY, UPDATE, add, and, arg, buffer, call, derefOf, device, eisaId, field, iff, increment, index, int,
  lEqual, lGreater, lGreaterEqual, lLess, lOr, local, method, name, nameDecl, opRegion, pkg, ret, scope, shiftRight, sizeOf, store, str, subtract,
  toBuffer, toHexString, touuid, whileDo,
} from '../aml/aml.ts';
import type { Aml } from '../aml/aml.ts';
import { dma, io, irqNoFlags, memory32Fixed, resourceTemplate } from '../aml/resources.ts';

/** Scope(\) with the debug port 0x402 and DBUG. */
export function debugScope(): Aml {
  return scope('\\',
    opRegion('DBG', REGION_SYSTEM_IO, int(0x0402), int(1)),
    field('DBG', ACCESS.byte, false, UPDATE.preserve, [{ name: 'DBGB', bits: 8 }]),
    method('DBUG', 1, false,
      toHexString(arg(0), local(0)),
      toBuffer(local(0), local(0)),
      subtract(sizeOf(local(0)), int(1), local(1)),
      store(int(0), local(2)),
      whileDo(lLess(local(2), local(1)),
        store(derefOf(index(local(0), local(2))), name('DBGB')),
        increment(local(2))),
      store(int(0x0a), name('DBGB'))));
}

/** Scope(_SB) { Device(HPET) }. */
export function hpetScope(): Aml {
  return scope('_SB', device('HPET',
    nameDecl('_HID', eisaId('PNP0103')),
    nameDecl('_UID', int(0)),
    opRegion('HPTM', REGION_SYSTEM_MEMORY, int(0xfed00000), int(0x400)),
    field('HPTM', ACCESS.dword, true, UPDATE.preserve, [{ name: 'VEND', bits: 32 }, { name: 'PRD', bits: 32 }]),
    method('_STA', 0, false,
      store(name('VEND'), local(0)),
      store(name('PRD'), local(1)),
      shiftRight(local(0), int(0x10), local(0)),
      iff(lOr(lEqual(local(0), int(0)), lEqual(local(0), int(0xffff))), ret(int(0))),
      iff(lOr(lEqual(local(1), int(0)), lGreater(local(1), int(100_000_000))), ret(int(0))),
      ret(int(0x0f))),
    nameDecl('_CRS', resourceTemplate(memory32Fixed(false, 0xfed00000, 0x400)))));
}

export const gpeHid = (): Aml => scope('_GPE', nameDecl('_HID', str('ACPI0006')));

/** Scope(\) { _S3 (unless disabled), _S4 (unless disabled), _S5 }. */
export function sleepStates(s3: boolean, s4: boolean): Aml {
  const state = (v: number): Aml => pkg([int(v), int(v), int(0), int(0)]);
  return scope('\\', ...(s3 ? [nameDecl('_S3', state(1))] : []), ...(s4 ? [nameDecl('_S4', state(2))] : []), nameDecl('_S5', state(0)));
}

/** Scope(\_SB.PCI0) { Device(FWCF) }: fw_cfg's I/O ports. */
export function fwCfgScope(): Aml {
  return scope('\\_SB.PCI0', device('FWCF',
    nameDecl('_HID', str('QEMU0002')),
    nameDecl('_STA', int(0x0b)),
    nameDecl('_CRS', resourceTemplate(io(0x510, 0x510, 1, 0x0c)))));
}

/** The TIS TPM's MMIO window. */
export const TPM_TIS_BASE = 0xfed40000;
export const TPM_TIS_SIZE = 0x5000;
const TPM_CRB_SIZE = 0x1000;
const PPI_BASE = 0xfed45000;

/**
 * Device(TPM) with the PPI 1.3 _DSM and the memory clear _DSM over QEMU's PPI page: TIS (an ISA
 * device, 0xFED40000 + 0x5000) or CRB (in \_SB, 0xFED40000 + 0x1000, its names in another order).
 */
export function tpmDevice(kind: 'tis' | 'crb'): Aml {
  const ppi = touuid('3dddfaa6-361b-4eb4-a424-8d10089d1653');
  const mor = touuid('376054ed-cc13-4675-901c-4756d7f2d45d');
  const op = (n: number): Aml => derefOf(index(arg(3), int(n)));
  const lookup = (): Aml[] => [store(op(0), local(0)), store(call('TPFN', local(0)), local(1))];
  const masked = (v: number): Aml => lEqual(and(local(1), int(0x07)), int(v));
  const setPkg = (p: string, i: number, v: string): Aml => store(name(v), index(name(p), int(i)));
  const head = kind === 'tis'
    ? [nameDecl('_HID', str('MSFT0101')), nameDecl('_STR', str('TPM 2.0 Device')), nameDecl('_UID', int(1)), nameDecl('_STA', int(0x0f)),
      nameDecl('_CRS', resourceTemplate(memory32Fixed(true, TPM_TIS_BASE, TPM_TIS_SIZE)))]
    : [nameDecl('_HID', str('MSFT0101')), nameDecl('_STR', str('TPM 2.0 Device')),
      nameDecl('_CRS', resourceTemplate(memory32Fixed(true, TPM_TIS_BASE, TPM_CRB_SIZE))), nameDecl('_STA', int(0x0f)), nameDecl('_UID', int(1))];
  return device('TPM',
    ...head,
    opRegion('TPP2', REGION_SYSTEM_MEMORY, int(PPI_BASE + 0x100), int(0x5a)),
    field('TPP2', ACCESS.any, false, UPDATE.preserve, [
      { name: 'PPIN', bits: 8 }, { name: 'PPIP', bits: 32 }, { name: 'PPRP', bits: 32 }, { name: 'PPRQ', bits: 32 }, { name: 'PPRM', bits: 32 }, { name: 'LPPR', bits: 32 },
    ]),
    opRegion('TPP3', REGION_SYSTEM_MEMORY, int(PPI_BASE + 0x15a), int(1)),
    field('TPP3', ACCESS.byte, false, UPDATE.preserve, [{ name: 'MOVV', bits: 8 }]),
    method('TPFN', 1, true,
      iff(lGreaterEqual(arg(0), int(0x100)), ret(int(0))),
      opRegion('TPP1', REGION_SYSTEM_MEMORY, add(int(PPI_BASE), arg(0)), int(1)),
      field('TPP1', ACCESS.byte, false, UPDATE.preserve, [{ name: 'TPPF', bits: 8 }]),
      ret(name('TPPF'))),
    nameDecl('TPM2', pkg([int(0), int(0)])),
    nameDecl('TPM3', pkg([int(0), int(0), int(0)])),
    method('_DSM', 4, true,
      iff(lEqual(arg(0), ppi),
        iff(lEqual(arg(2), int(0)), ret(buffer([0xff, 0x01]))),
        iff(lEqual(arg(2), int(1)), ret(str('1.3'))),
        iff(lEqual(arg(2), int(2)), ...lookup(), iff(masked(0), ret(int(1))), store(local(0), name('PPRQ')), store(int(0), name('PPRM')), ret(int(0))),
        iff(lEqual(arg(2), int(3)),
          iff(lEqual(arg(1), int(1)), setPkg('TPM2', 1, 'PPRQ'), ret(name('TPM2'))),
          iff(lEqual(arg(1), int(2)), setPkg('TPM3', 1, 'PPRQ'), setPkg('TPM3', 2, 'PPRM'), ret(name('TPM3')))),
        iff(lEqual(arg(2), int(4)), ret(int(2))),
        iff(lEqual(arg(2), int(5)), setPkg('TPM3', 1, 'LPPR'), setPkg('TPM3', 2, 'PPRP'), ret(name('TPM3'))),
        iff(lEqual(arg(2), int(6)), ret(int(3))),
        iff(lEqual(arg(2), int(7)), ...lookup(),
          iff(masked(0), ret(int(1))),
          iff(masked(2), ret(int(3))),
          iff(lEqual(arg(1), int(1)), store(local(0), name('PPRQ')), store(int(0), name('PPRM'))),
          iff(lEqual(arg(1), int(2)), store(local(0), name('PPRQ')), store(op(1), name('PPRM'))),
          ret(int(0))),
        iff(lEqual(arg(2), int(8)), ...lookup(), ret(and(local(1), int(0x07)))),
        ret(buffer([0x00]))),
      iff(lEqual(arg(0), mor),
        iff(lEqual(arg(2), int(0)), ret(buffer([0x03]))),
        iff(lEqual(arg(2), int(1)), store(op(0), local(0)), store(local(0), name('MOVV')), ret(int(0))))));
}

const isaDevice = (n: string, hid: string, uid: number | undefined, crs: Aml[]): Aml => device(n,
  nameDecl('_HID', eisaId(hid)),
  ...(uid !== undefined ? [nameDecl('_UID', int(uid))] : []),
  nameDecl('_STA', int(0x0f)),
  nameDecl('_CRS', resourceTemplate(...crs)));
export const keyboard = (): Aml => isaDevice('KBD', 'PNP0303', undefined, [io(0x60, 0x60, 1, 1), io(0x64, 0x64, 1, 1), irqNoFlags(1)]);
export const mouse = (): Aml => isaDevice('MOU', 'PNP0F13', undefined, [irqNoFlags(12)]);
export const parallel = (): Aml => isaDevice('LPT1', 'PNP0400', 1, [io(0x378, 0x378, 8, 8), irqNoFlags(7)]);
export const serial = (): Aml => isaDevice('COM1', 'PNP0501', 1, [io(0x3f8, 0x3f8, 0, 8), irqNoFlags(4)]);
/** Device(FDC0) with drive A's _FDI when a floppy drive is attached (QEMU's default devices). */
export function floppy(driveA: boolean): Aml {
  const fdi = [0, 5, 0x4f, 0x30, 1, 0xaf, 2, 0x25, 2, 0x12, 0x1b, 0xff, 0x6c, 0xf6, 0x0f, 8];
  return device('FDC0',
    nameDecl('_HID', eisaId('PNP0700')),
    nameDecl('_CRS', resourceTemplate(io(0x3f2, 0x3f2, 0, 4), io(0x3f7, 0x3f7, 0, 1), irqNoFlags(6), dma(2))),
    ...(driveA ? [device('FLPA', nameDecl('_ADR', int(0)), nameDecl('_FDI', pkg(fdi.map((v) => int(v)))))] : []),
    nameDecl('_FDE', buffer([driveA ? 1 : 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0])));
}
export const rtc = (): Aml => device('RTC',
  nameDecl('_HID', eisaId('PNP0B00')),
  nameDecl('_CRS', resourceTemplate(io(0x70, 0x70, 1, 8), irqNoFlags(8))));

/**
 * The TIS TPM and COM1 as QEMU orders the LPC/ISA bridge's devices: ISA devices given as
 * -device first, newest first (the TIS TPM, an isa-serial), then the machine's own, into which
 * `machine` goes (keyboard, mouse, …, -serial's COM1, RTC).
 */
export function isaDeviceOrder(tpm: 'tis' | 'crb', port: boolean | 'device-after-tpm' | 'device-before-tpm'): { first: Aml[]; machineSerial: Aml[] } {
  const tis = tpm === 'tis' ? [tpmDevice('tis')] : [];
  if (port === 'device-after-tpm') return { first: [serial(), ...tis], machineSerial: [] };
  if (port === 'device-before-tpm') return { first: [...tis, serial()], machineSerial: [] };
  return { first: tis, machineSerial: port ? [serial()] : [] };
}
