/**
 * The wire layouts of the ACPI tables QEMU 7.2 builds for q35 and pc, from the ACPI
 * specification (6.5: §5.2.5.3 RSDP, §5.2.6 the system description table header, §5.2.3.2 the
 * Generic Address Structure, §5.2.7 RSDT, §5.2.9 FADT, §5.2.10 FACS, §5.2.12 MADT and its
 * entries), the IA-PC HPET specification 1.0a §3.2.4 (HPET), the TCG ACPI specification 1.3
 * §8.3 (TPM2, revision 4 with the log area), the PCI Firmware specification 3.2 §4.1.2 (MCFG)
 * and Microsoft's WAET specification. Each layout is declared once; the builders encode them.
 */
import { fixedBytes, struct, u16le, u32le, u64le, u8 } from '@tcg2sim/binary-codec';

/** The 36-byte header every table but the FACS starts with (§5.2.6). */
export const AcpiTableHeader = struct('AcpiTableHeader', {
  signature: fixedBytes('signature', 4),
  length: u32le,
  revision: u8,
  checksum: u8,
  oemId: fixedBytes('oemId', 6),
  oemTableId: fixedBytes('oemTableId', 8),
  oemRevision: u32le,
  creatorId: fixedBytes('creatorId', 4),
  creatorRevision: u32le,
});
export const ACPI_TABLE_HEADER_SIZE = 36;

/** Generic Address Structure (§5.2.3.2), 12 bytes. */
export const GenericAddress = struct('GenericAddress', {
  addressSpaceId: u8,
  registerBitWidth: u8,
  registerBitOffset: u8,
  accessSize: u8,
  address: u64le,
});

/** RSDP, ACPI 1.0 form (revision 0, 20 bytes: QEMU's q35 and pc machines give no XSDT). */
export const Rsdp10 = struct('Rsdp10', {
  signature: fixedBytes('signature', 8),
  checksum: u8,
  oemId: fixedBytes('oemId', 6),
  revision: u8,
  rsdtAddress: u32le,
});

/** FACS (§5.2.10), 64 bytes; no header of the common form. */
export const Facs = struct('Facs', {
  signature: fixedBytes('signature', 4),
  length: u32le,
  hardwareSignature: u32le,
  firmwareWakingVector: u32le,
  globalLock: u32le,
  flags: u32le,
  xFirmwareWakingVector: u64le,
  version: u8,
  reserved: fixedBytes('reserved', 3),
  ospmFlags: u32le,
  reserved2: fixedBytes('reserved2', 24),
});

/** FADT fields of ACPI 1.0 (revision 1, 116 bytes with the header). */
export const FadtV1 = struct('FadtV1', {
  firmwareCtrl: u32le,
  dsdt: u32le,
  intModel: u8,
  preferredPmProfile: u8,
  sciInt: u16le,
  smiCmd: u32le,
  acpiEnable: u8,
  acpiDisable: u8,
  s4BiosReq: u8,
  pstateCnt: u8,
  pm1aEvtBlk: u32le,
  pm1bEvtBlk: u32le,
  pm1aCntBlk: u32le,
  pm1bCntBlk: u32le,
  pm2CntBlk: u32le,
  pmTmrBlk: u32le,
  gpe0Blk: u32le,
  gpe1Blk: u32le,
  pm1EvtLen: u8,
  pm1CntLen: u8,
  pm2CntLen: u8,
  pmTmrLen: u8,
  gpe0BlkLen: u8,
  gpe1BlkLen: u8,
  gpe1Base: u8,
  cstCnt: u8,
  pLvl2Lat: u16le,
  pLvl3Lat: u16le,
  flushSize: u16le,
  flushStride: u16le,
  dutyOffset: u8,
  dutyWidth: u8,
  dayAlrm: u8,
  monAlrm: u8,
  century: u8,
  iapcBootArch: u16le,
  reserved: u8,
  flags: u32le,
});

/** The FADT fields revision 3 adds (ACPI 2.0), up to X_GPE1_BLK: 244 bytes with the header. */
export const FadtV3Extension = struct('FadtV3Extension', {
  resetReg: GenericAddress,
  resetValue: u8,
  armBootArch: u16le,
  minorVersion: u8,
  xFirmwareCtrl: u64le,
  xDsdt: u64le,
  xPm1aEvtBlk: GenericAddress,
  xPm1bEvtBlk: GenericAddress,
  xPm1aCntBlk: GenericAddress,
  xPm1bCntBlk: GenericAddress,
  xPm2CntBlk: GenericAddress,
  xPmTmrBlk: GenericAddress,
  xGpe0Blk: GenericAddress,
  xGpe1Blk: GenericAddress,
});
/** Offsets in the FADT (with its header) of the fields the loader patches. */
export const FADT_FIRMWARE_CTRL = 36;
export const FADT_DSDT = 40;
export const FADT_X_DSDT = 140;

/** MADT fields after the header (§5.2.12). */
export const MadtFixed = struct('MadtFixed', { localApicAddress: u32le, flags: u32le });
/** Processor Local APIC (type 0, 8 bytes). */
export const MadtLocalApic = struct('MadtLocalApic', { type: u8, length: u8, processorUid: u8, apicId: u8, flags: u32le });
/** I/O APIC (type 1, 12 bytes). */
export const MadtIoApic = struct('MadtIoApic', { type: u8, length: u8, ioApicId: u8, reserved: u8, address: u32le, gsiBase: u32le });
/** Interrupt Source Override (type 2, 10 bytes). */
export const MadtInterruptOverride = struct('MadtInterruptOverride', { type: u8, length: u8, bus: u8, source: u8, gsi: u32le, flags: u16le });
/** Local APIC NMI (type 4, 6 bytes). */
export const MadtLocalApicNmi = struct('MadtLocalApicNmi', { type: u8, length: u8, processorUid: u8, flags: u16le, lint: u8 });

/** HPET description table body (HPET specification §3.2.4). */
export const HpetBody = struct('HpetBody', {
  eventTimerBlockId: u32le,
  baseAddress: GenericAddress,
  hpetNumber: u8,
  minimumTick: u16le,
  pageProtection: u8,
});

/** TPM2 table body, revision 4 with LAML/LASA (TCG ACPI specification §8.3). */
export const Tpm2Body = struct('Tpm2Body', {
  platformClass: u16le,
  reserved: u16le,
  controlAreaAddress: u64le,
  startMethod: u32le,
  startMethodParameters: fixedBytes('startMethodParameters', 12),
  logAreaMinimumLength: u32le,
  logAreaStartAddress: u64le,
});
/** Offset of LASA in the TPM2 table (with its header). */
export const TPM2_LASA = 68;

/** MCFG: 8 reserved bytes, then one allocation per segment (PCI Firmware specification §4.1.2). */
export const McfgBody = struct('McfgBody', {
  reserved: u64le,
  baseAddress: u64le,
  segment: u16le,
  startBus: u8,
  endBus: u8,
  reserved2: u32le,
});

/** WAET body: the emulated device flags. */
export const WaetBody = struct('WaetBody', { flags: u32le });
