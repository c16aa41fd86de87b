/**
 * The wire layouts of the tables QEMU 7.2 builds for `virt` beyond those ../layouts.ts declares
 * for q35/pc: ACPI 6.5 §5.2.5.3 (RSDP revision 2), §5.2.8 (XSDT), §5.2.9 (the FADT fields after
 * X_GPE1_BLK), §5.2.12.14-18 (GIC CPU interface, distributor, MSI frame, redistributor, ITS),
 * §5.2.24 (GTDT), §5.2.30 (PPTT processor node); Microsoft's SPCR (revision 2) and DBG2
 * specifications; Arm's IORT specification (DEN 0049E.b: ITS group and root complex nodes, ID
 * mapping). Each layout is declared once; ./tables.ts encodes them.
 */
import { fixedBytes, struct, u16le, u32le, u64le, u8 } from '@tcg2sim/binary-codec';
import { GenericAddress } from '../layouts.ts';

/** RSDP revision 2 (36 bytes): the XSDT's address and the extended checksum. */
export const Rsdp20 = struct('Rsdp20', {
  signature: fixedBytes('signature', 8),
  checksum: u8,
  oemId: fixedBytes('oemId', 6),
  revision: u8,
  rsdtAddress: u32le,
  length: u32le,
  xsdtAddress: u64le,
  extendedChecksum: u8,
  reserved: fixedBytes('reserved', 3),
});
export const RSDP20_XSDT_ADDRESS = 24;
export const RSDP20_EXTENDED_CHECKSUM = 32;

/** The FADT fields after X_GPE1_BLK (revision 6: 276 bytes with the header). */
export const FadtV6Extension = struct('FadtV6Extension', {
  sleepControlReg: GenericAddress,
  sleepStatusReg: GenericAddress,
  hypervisorVendorId: fixedBytes('hypervisorVendorId', 8),
});

/** MADT: GIC CPU interface (GICC, type 0x0B, 80 bytes). */
export const MadtGicc = struct('MadtGicc', {
  type: u8, length: u8, reserved: u16le, cpuInterfaceNumber: u32le, processorUid: u32le, flags: u32le, parkingProtocolVersion: u32le,
  performanceInterrupt: u32le, parkedAddress: u64le, baseAddress: u64le, gicvBaseAddress: u64le, gichBaseAddress: u64le,
  vgicMaintenanceInterrupt: u32le, gicrBaseAddress: u64le, mpidr: u64le, efficiencyClass: u8, reserved2: u8, speOverflowInterrupt: u16le,
});
/** MADT: GIC distributor (GICD, type 0x0C, 24 bytes). */
export const MadtGicd = struct('MadtGicd', {
  type: u8, length: u8, reserved: u16le, gicId: u32le, baseAddress: u64le, systemVectorBase: u32le, gicVersion: u8, reserved2: fixedBytes('reserved2', 3),
});
/** MADT: GIC MSI frame (type 0x0D, 24 bytes). */
export const MadtGicMsiFrame = struct('MadtGicMsiFrame', {
  type: u8, length: u8, reserved: u16le, msiFrameId: u32le, baseAddress: u64le, flags: u32le, spiCount: u16le, spiBase: u16le,
});
/** MADT: GIC redistributor range (GICR, type 0x0E, 16 bytes). */
export const MadtGicr = struct('MadtGicr', { type: u8, length: u8, reserved: u16le, baseAddress: u64le, length2: u32le });
/** MADT: GIC ITS (type 0x0F, 20 bytes). */
export const MadtGicIts = struct('MadtGicIts', { type: u8, length: u8, reserved: u16le, translationId: u32le, baseAddress: u64le, reserved2: u32le });

/** PPTT processor hierarchy node (type 0) without private resources (20 bytes). */
export const PpttProcessor = struct('PpttProcessor', { type: u8, length: u8, reserved: u16le, flags: u32le, parent: u32le, acpiProcessorId: u32le, privateResources: u32le });

/** GTDT body (revision 2, 96 bytes with the header; no platform timers). */
export const GtdtBody = struct('GtdtBody', {
  cntControlBase: u64le, reserved: u32le, secureEl1Gsiv: u32le, secureEl1Flags: u32le, nonSecureEl1Gsiv: u32le, nonSecureEl1Flags: u32le,
  virtualTimerGsiv: u32le, virtualTimerFlags: u32le, el2Gsiv: u32le, el2Flags: u32le, cntReadBase: u64le, platformTimerCount: u32le, platformTimerOffset: u32le,
});

/** SPCR body (revision 2, 80 bytes with the header). */
export const SpcrBody = struct('SpcrBody', {
  interfaceType: u8, reserved: fixedBytes('reserved', 3), baseAddress: GenericAddress, interruptType: u8, irq: u8, gsi: u32le, baudRate: u8,
  parity: u8, stopBits: u8, flowControl: u8, terminalType: u8, language: u8, pciDeviceId: u16le, pciVendorId: u16le, pciBus: u8, pciDevice: u8,
  pciFunction: u8, pciFlags: u32le, pciSegment: u8, reserved2: u32le,
});

/** DBG2: the table's fixed part (offset and count of the device information structures). */
export const Dbg2Body = struct('Dbg2Body', { infoOffset: u32le, infoCount: u32le });
/** DBG2 device information structure, up to its Generic Address registers. */
export const Dbg2DeviceInfo = struct('Dbg2DeviceInfo', {
  revision: u8, length: u16le, registerCount: u8, namespaceStringLength: u16le, namespaceStringOffset: u16le, oemDataLength: u16le,
  oemDataOffset: u16le, portType: u16le, portSubtype: u16le, reserved: u16le, baseAddressOffset: u16le, addressSizeOffset: u16le,
});

/** IORT: the node count and offset after the header. */
export const IortBody = struct('IortBody', { nodeCount: u32le, nodeOffset: u32le, reserved: u32le });
/** IORT node header (type, length, revision, identifier, ID mappings). */
export const IortNodeHeader = struct('IortNodeHeader', { type: u8, length: u16le, revision: u8, identifier: u32le, mappingCount: u32le, mappingOffset: u32le });
/** IORT root complex node fields after the node header. */
export const IortRootComplex = struct('IortRootComplex', {
  cacheCoherency: u32le, hints: u8, reserved: u16le, memoryFlags: u8, atsAttribute: u32le, pciSegment: u32le, memoryAddressSizeLimit: u8, reserved2: fixedBytes('reserved2', 3),
});
/** IORT ID mapping (20 bytes). */
export const IortIdMapping = struct('IortIdMapping', { inputBase: u32le, idCount: u32le, outputBase: u32le, outputReference: u32le, flags: u32le });
