/**
 * The fixed-layout ACPI tables of QEMU 7.2's q35 and pc machines (hw/i386/acpi-build.c and
 * hw/acpi/aml-build.c decide the values; the layouts are in ./layouts.ts), as QEMU puts them in
 * `etc/acpi/tables`: every checksum 0 and every pointer an offset into its blob, which the
 * firmware's loader (./table-loader.ts) fixes up. OEM ID "BOCHS ", OEM table ID "BXPC    ",
 * OEM revision 1, creator "BXPC" revision 1: QEMU's defaults.
 */
import { concatBytes, encode } from '@tcg2sim/binary-codec';
import {
  ACPI_TABLE_HEADER_SIZE, AcpiTableHeader, Facs, FadtV1, FadtV3Extension, HpetBody, MadtFixed, MadtInterruptOverride, MadtIoApic,
  MadtLocalApic, MadtLocalApicNmi, McfgBody, Rsdp10, Tpm2Body, WaetBody,
} from './layouts.ts';
import type { Qemu72AcpiVm } from './vm.ts';

const ascii = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));
export const OEM_ID = 'BOCHS ';
export const OEM_TABLE_ID = 'BXPC    ';

/** A table: the common header (checksum 0, the loader sets it) and the body. */
export function acpiTable(signature: string, revision: number, body: Uint8Array): Uint8Array {
  const header = encode(AcpiTableHeader, {
    signature: ascii(signature), length: ACPI_TABLE_HEADER_SIZE + body.length, revision, checksum: 0,
    oemId: ascii(OEM_ID), oemTableId: ascii(OEM_TABLE_ID), oemRevision: 1, creatorId: ascii('BXPC'), creatorRevision: 1,
  });
  return concatBytes(header, body);
}

/** FACS: 64 bytes, all zero but signature and length. */
export function facs(): Uint8Array {
  return encode(Facs, {
    signature: ascii('FACS'), length: 64, hardwareSignature: 0, firmwareWakingVector: 0, globalLock: 0, flags: 0,
    xFirmwareWakingVector: 0n, version: 0, reserved: new Uint8Array(3), ospmFlags: 0, reserved2: new Uint8Array(24),
  });
}

const io = (width: number, address: number): { addressSpaceId: number; registerBitWidth: number; registerBitOffset: number; accessSize: number; address: bigint } =>
  ({ addressSpaceId: 1, registerBitWidth: width, registerBitOffset: 0, accessSize: 0, address: BigInt(address) });
const NO_GAS = { addressSpaceId: 0, registerBitWidth: 0, registerBitOffset: 0, accessSize: 0, address: 0n };

/**
 * FADT: revision 3 (244 bytes) on q35, revision 1 (116 bytes) on pc. The PM1a event/control and
 * timer blocks sit at the PM base (+0, +4, +8); GPE0 at PM base + 0x20 (ICH9, 16 bytes) or at
 * PIIX4's fixed 0xAFE0 (4 bytes). SCI 9, SMI command port 0xB2 (none, and no ACPI enable/disable
 * values, with `-machine …,smm=off`). `facsOffset` and `dsdtOffset`
 * are offsets in etc/acpi/tables (the loader adds the blob's address).
 */
export function fadt(vm: Qemu72AcpiVm, facsOffset: number, dsdtOffset: number): Uint8Array {
  const q35 = vm.machine === 'q35';
  const pm = vm.chipset.pmBase;
  const gpe0 = q35 ? pm + 0x20 : 0xafe0;
  const smm = vm.smmDisabled !== true;
  const v1 = encode(FadtV1, {
    firmwareCtrl: facsOffset, dsdt: dsdtOffset, intModel: 1, preferredPmProfile: 0, sciInt: 9, smiCmd: smm ? 0xb2 : 0,
    acpiEnable: !smm ? 0 : q35 ? 0x02 : 0xf1, acpiDisable: !smm ? 0 : q35 ? 0x03 : 0xf0, s4BiosReq: 0, pstateCnt: 0,
    pm1aEvtBlk: pm, pm1bEvtBlk: 0, pm1aCntBlk: pm + 4, pm1bCntBlk: 0, pm2CntBlk: 0, pmTmrBlk: pm + 8, gpe0Blk: gpe0, gpe1Blk: 0,
    pm1EvtLen: 4, pm1CntLen: 2, pm2CntLen: 0, pmTmrLen: 4, gpe0BlkLen: q35 ? 0x10 : 4, gpe1BlkLen: 0, gpe1Base: 0, cstCnt: 0,
    pLvl2Lat: 0xfff, pLvl3Lat: 0xfff, flushSize: 0, flushStride: 0, dutyOffset: 0, dutyWidth: 0, dayAlrm: 0, monAlrm: 0, century: 0x32,
    // IAPC_BOOT_ARCH 8042 on q35 only; flags: WBINVD, PROC_C1, SLP_BUTTON, RTC_S4, USE_PLATFORM_CLOCK, and RESET_REG_SUP on q35.
    iapcBootArch: q35 ? 0x0002 : 0, reserved: 0, flags: q35 ? 0x84a5 : 0x80a5,
  });
  if (!q35) return acpiTable('FACP', 1, v1);
  const v3 = encode(FadtV3Extension, {
    resetReg: io(8, 0xcf9), resetValue: 0x0f, armBootArch: 0, minorVersion: 0, xFirmwareCtrl: 0n, xDsdt: BigInt(dsdtOffset),
    xPm1aEvtBlk: io(32, pm), xPm1bEvtBlk: NO_GAS, xPm1aCntBlk: io(16, pm + 4), xPm1bCntBlk: NO_GAS, xPm2CntBlk: NO_GAS,
    xPmTmrBlk: io(32, pm + 8), xGpe0Blk: io(128, gpe0), xGpe1Blk: NO_GAS,
  });
  return acpiTable('FACP', 3, concatBytes(v1, v3));
}

/**
 * MADT: one Processor Local APIC per possible CPU (UID and APIC ID = index: one socket, cores
 * first; enabled when present), the I/O APIC at 0xFEC00000, ISA IRQ 0 → GSI 2, IRQs 5, 9, 10,
 * 11 level-triggered active-high (flags 0x0D), and LINT1 as NMI for all processors.
 */
export function madt(vm: Qemu72AcpiVm): Uint8Array {
  const parts: Uint8Array[] = [encode(MadtFixed, { localApicAddress: 0xfee00000, flags: 1 })];
  const max = vm.maxCpus ?? vm.cpus;
  for (let i = 0; i < max; i++) parts.push(encode(MadtLocalApic, { type: 0, length: 8, processorUid: i, apicId: i, flags: i < vm.cpus ? 1 : 0 }));
  parts.push(encode(MadtIoApic, { type: 1, length: 12, ioApicId: 0, reserved: 0, address: 0xfec00000, gsiBase: 0 }));
  parts.push(encode(MadtInterruptOverride, { type: 2, length: 10, bus: 0, source: 0, gsi: 2, flags: 0 }));
  for (const irq of [5, 9, 10, 11]) parts.push(encode(MadtInterruptOverride, { type: 2, length: 10, bus: 0, source: irq, gsi: irq, flags: 0x0d }));
  parts.push(encode(MadtLocalApicNmi, { type: 4, length: 6, processorUid: 0xff, flags: 0, lint: 1 }));
  return acpiTable('APIC', 1, concatBytes(...parts));
}

/** HPET: Intel's event timer block ID 0x8086A201 at 0xFED00000. */
export function hpet(): Uint8Array {
  return acpiTable('HPET', 1, encode(HpetBody, {
    eventTimerBlockId: 0x8086a201, baseAddress: { ...NO_GAS, address: 0xfed00000n }, hpetNumber: 0, minimumTick: 0, pageProtection: 0,
  }));
}

/** TPM2 revision 4: TIS (start method 6) or CRB (7, control area at 0xFED40040); a 64 KiB log area. */
export function tpm2(vm: Pick<Qemu72AcpiVm, 'tpm'>): Uint8Array {
  const crb = vm.tpm === 'crb';
  return acpiTable('TPM2', 4, encode(Tpm2Body, {
    platformClass: 0, reserved: 0, controlAreaAddress: crb ? 0xfed40040n : 0n, startMethod: crb ? 7 : 6,
    startMethodParameters: new Uint8Array(12), logAreaMinimumLength: TPM_LOG_SIZE, logAreaStartAddress: 0n,
  }));
}
/** The size of etc/tpm/log (TPM_LOG_AREA_MINIMUM_SIZE). */
export const TPM_LOG_SIZE = 0x10000;

/** MCFG: segment 0, buses 0-255 at the PCIEXBAR base (256 MiB). */
export function mcfg(base: number): Uint8Array {
  return acpiTable('MCFG', 1, encode(McfgBody, { reserved: 0n, baseAddress: BigInt(base), segment: 0, startBus: 0, endBus: 0xff, reserved2: 0 }));
}

/** WAET: ACPI_PM_TIMER_GOOD (the PM timer needs one read). */
export function waet(): Uint8Array {
  return acpiTable('WAET', 1, encode(WaetBody, { flags: 2 }));
}

/** RSDT of the tables at those offsets. */
export function rsdt(offsets: readonly number[]): Uint8Array {
  const body = new Uint8Array(offsets.length * 4);
  const view = new DataView(body.buffer);
  offsets.forEach((o, i) => view.setUint32(i * 4, o, true));
  return acpiTable('RSDT', 1, body);
}

/** RSDP (revision 0): the RSDT's offset in etc/acpi/tables. */
export function rsdp(rsdtOffset: number): Uint8Array {
  return encode(Rsdp10, { signature: ascii('RSD PTR '), checksum: 0, oemId: ascii(OEM_ID), revision: 0, rsdtAddress: rsdtOffset });
}
