/**
 * The fixed-layout tables QEMU 7.2 builds for `virt` (hw/arm/virt-acpi-build.c; the common
 * builders in hw/acpi/aml-build.c: build_fadt, build_pptt, build_xsdt, build_rsdp), with every
 * checksum 0 and every pointer an offset in etc/acpi/tables, as QEMU hands them over. The header's
 * OEM fields are QEMU's defaults, as on q35/pc (../tables.ts acpiTable).
 */
import { concatBytes, encode } from '@tcg2sim/binary-codec';
import { FadtV1, FadtV3Extension, GenericAddress } from '../layouts.ts';
import { OEM_ID, acpiTable } from '../tables.ts';
import {
  Dbg2Body, Dbg2DeviceInfo, FadtV6Extension, GtdtBody, IortBody, IortIdMapping, IortNodeHeader, IortRootComplex, MadtGicIts, MadtGicMsiFrame, MadtGicc,
  MadtGicd, MadtGicr, PpttProcessor, Rsdp20, SpcrBody,
} from './layouts.ts';
import { ARM_SPI_BASE, GICV2M_SPIS, VIRT_IRQ, VIRT_MEMMAP, virtMpidr } from './vm.ts';
import type { Qemu72VirtVm } from './vm.ts';

const ascii = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));
const NO_GAS = { addressSpaceId: 0, registerBitWidth: 0, registerBitOffset: 0, accessSize: 0, address: 0n };
/** The PL011's registers as a Generic Address: system memory, 8-bit, byte access. */
const UART_GAS = { addressSpaceId: 0, registerBitWidth: 8, registerBitOffset: 0, accessSize: 1, address: BigInt(VIRT_MEMMAP.UART[0]) };
const UART_GSI = VIRT_IRQ.UART + ARM_SPI_BASE;

/**
 * FADT revision 6, minor 0 (276 bytes): HW_REDUCED_ACPI (flag bit 20), ARM_BOOT_ARCH PSCI
 * compliant and using HVC (TCG without EL2/EL3: QEMU's PSCI conduit is HVC), the DSDT in X_DSDT
 * only, no FACS, hypervisor vendor "QEMU".
 */
export function virtFadt(dsdtOffset: number): Uint8Array {
  const v1 = encode(FadtV1, {
    firmwareCtrl: 0, dsdt: 0, intModel: 0, preferredPmProfile: 0, sciInt: 0, smiCmd: 0, acpiEnable: 0, acpiDisable: 0, s4BiosReq: 0, pstateCnt: 0,
    pm1aEvtBlk: 0, pm1bEvtBlk: 0, pm1aCntBlk: 0, pm1bCntBlk: 0, pm2CntBlk: 0, pmTmrBlk: 0, gpe0Blk: 0, gpe1Blk: 0, pm1EvtLen: 0, pm1CntLen: 0,
    pm2CntLen: 0, pmTmrLen: 0, gpe0BlkLen: 0, gpe1BlkLen: 0, gpe1Base: 0, cstCnt: 0, pLvl2Lat: 0, pLvl3Lat: 0, flushSize: 0, flushStride: 0,
    dutyOffset: 0, dutyWidth: 0, dayAlrm: 0, monAlrm: 0, century: 0, iapcBootArch: 0, reserved: 0, flags: 1 << 20,
  });
  const v3 = encode(FadtV3Extension, {
    resetReg: NO_GAS, resetValue: 0, armBootArch: 0x3, minorVersion: 0, xFirmwareCtrl: 0n, xDsdt: BigInt(dsdtOffset), xPm1aEvtBlk: NO_GAS, xPm1bEvtBlk: NO_GAS,
    xPm1aCntBlk: NO_GAS, xPm1bCntBlk: NO_GAS, xPm2CntBlk: NO_GAS, xPmTmrBlk: NO_GAS, xGpe0Blk: NO_GAS, xGpe1Blk: NO_GAS,
  });
  const v6 = encode(FadtV6Extension, { sleepControlReg: NO_GAS, sleepStatusReg: NO_GAS, hypervisorVendorId: ascii('QEMU\0\0\0\0') });
  return acpiTable('FACP', 6, concatBytes(v1, v3, v6));
}

/**
 * MADT revision 4: the GIC distributor, one GICC per CPU (enabled; the PMU's PPI 7 = INTID 23,
 * which both CPU models have; on GICv2 the CPU interface, GICV and GICH bases), then GICv2's MSI
 * frame (GICv2m: 64 SPIs from INTID 80), or GICv3's redistributor range and ITS.
 */
export function virtMadt(vm: Qemu72VirtVm): Uint8Array {
  const v2 = vm.gicVersion === 2;
  const parts: Uint8Array[] = [
    new Uint8Array(8), // local interrupt controller address 0, flags 0
    encode(MadtGicd, { type: 0x0c, length: 24, reserved: 0, gicId: 0, baseAddress: BigInt(VIRT_MEMMAP.GIC_DIST[0]), systemVectorBase: 0, gicVersion: vm.gicVersion, reserved2: new Uint8Array(3) }),
  ];
  for (let i = 0; i < vm.cpus; i++) {
    parts.push(encode(MadtGicc, {
      type: 0x0b, length: 80, reserved: 0, cpuInterfaceNumber: i, processorUid: i, flags: 1, parkingProtocolVersion: 0, performanceInterrupt: 16 + 7, parkedAddress: 0n,
      baseAddress: v2 ? BigInt(VIRT_MEMMAP.GIC_CPU[0]) : 0n, gicvBaseAddress: v2 ? BigInt(VIRT_MEMMAP.GIC_VCPU[0]) : 0n, gichBaseAddress: v2 ? BigInt(VIRT_MEMMAP.GIC_HYP[0]) : 0n,
      vgicMaintenanceInterrupt: 0, gicrBaseAddress: 0n, mpidr: virtMpidr(vm, i), efficiencyClass: 0, reserved2: 0, speOverflowInterrupt: 0,
    }));
  }
  if (v2) {
    parts.push(encode(MadtGicMsiFrame, { type: 0x0d, length: 24, reserved: 0, msiFrameId: 0, baseAddress: BigInt(VIRT_MEMMAP.GIC_V2M[0]), flags: 1, spiCount: GICV2M_SPIS, spiBase: VIRT_IRQ.GIC_V2M + ARM_SPI_BASE }));
  } else {
    parts.push(encode(MadtGicr, { type: 0x0e, length: 16, reserved: 0, baseAddress: BigInt(VIRT_MEMMAP.GIC_REDIST[0]), length2: VIRT_MEMMAP.GIC_REDIST[1] }));
    parts.push(encode(MadtGicIts, { type: 0x0f, length: 20, reserved: 0, translationId: 0, baseAddress: BigInt(VIRT_MEMMAP.GIC_ITS[0]), reserved2: 0 }));
  }
  return acpiTable('APIC', 4, concatBytes(...parts));
}

/**
 * PPTT revision 2 (build_pptt): one socket node (physical package), one cluster node under it,
 * then a leaf per CPU (ACPI processor ID valid, leaf) under the cluster: `-smp N` on virt-7.2 is
 * one socket of N cores, one thread each.
 */
export function virtPptt(vm: Qemu72VirtVm): Uint8Array {
  const node = (flags: number, parent: number, id: number): Uint8Array =>
    encode(PpttProcessor, { type: 0, length: 20, reserved: 0, flags, parent, acpiProcessorId: id, privateResources: 0 });
  const socket = 36;
  const cluster = socket + 20;
  const parts = [node(0x1, 0, 0), node(0, socket, 0)];
  for (let i = 0; i < vm.cpus; i++) parts.push(node(0x2 | 0x8, cluster, i));
  return acpiTable('PPTT', 2, concatBytes(...parts));
}

/**
 * GTDT revision 2: no memory-mapped counter, the architected timers' PPIs (secure EL1 29,
 * non-secure EL1 30 always-on, virtual 27, EL2 26), level-triggered, active high.
 */
export function virtGtdt(): Uint8Array {
  const NONE = 0xffff_ffff_ffff_ffffn;
  return acpiTable('GTDT', 2, encode(GtdtBody, {
    cntControlBase: NONE, reserved: 0, secureEl1Gsiv: 29, secureEl1Flags: 0, nonSecureEl1Gsiv: 30, nonSecureEl1Flags: 0x4, virtualTimerGsiv: 27,
    virtualTimerFlags: 0, el2Gsiv: 26, el2Flags: 0, cntReadBase: NONE, platformTimerCount: 0, platformTimerOffset: 0,
  }));
}

/** SPCR revision 2: the PL011 (interface type 3), GIC interrupt 33, 9600 baud, 8N1, RTS/CTS, VT100, not PCI. */
export function virtSpcr(): Uint8Array {
  return acpiTable('SPCR', 2, encode(SpcrBody, {
    interfaceType: 3, reserved: new Uint8Array(3), baseAddress: UART_GAS, interruptType: 1 << 3, irq: 0, gsi: UART_GSI, baudRate: 3, parity: 0, stopBits: 1,
    flowControl: 1 << 1, terminalType: 0, language: 0, pciDeviceId: 0xffff, pciVendorId: 0xffff, pciBus: 0, pciDevice: 0, pciFunction: 0, pciFlags: 0, pciSegment: 0, reserved2: 0,
  }));
}

/** DBG2 revision 0: one serial debug port, the PL011 (port type 0x8000, subtype 3), its 4 KiB and namespace path "COM0". */
export function virtDbg2(): Uint8Array {
  const info = 22;
  const namePath = ascii('COM0\0');
  const device = concatBytes(
    encode(Dbg2DeviceInfo, {
      revision: 0, length: info + 12 + 4 + namePath.length, registerCount: 1, namespaceStringLength: namePath.length, namespaceStringOffset: info + 12 + 4,
      oemDataLength: 0, oemDataOffset: 0, portType: 0x8000, portSubtype: 0x3, reserved: 0, baseAddressOffset: info, addressSizeOffset: info + 12,
    }),
    encode(GenericAddress, UART_GAS),
    Uint8Array.from([0x00, 0x10, 0x00, 0x00]), // address size: 0x1000
    namePath,
  );
  return acpiTable('DBG2', 0, concatBytes(encode(Dbg2Body, { infoOffset: 36 + 8, infoCount: 1 }), device));
}

/**
 * IORT revision 3 (E.b), no SMMU: an ITS group node (identifier 0, one ITS, ID 0) and the PCI root
 * complex node (identifier 1, coherent, CCA|CPM|DACS memory flags, segment 0, 64-bit addresses)
 * mapping RIDs 0-0xFFFF one to one onto the ITS group.
 */
export function virtIort(): Uint8Array {
  const itsAt = 48;
  const its = concatBytes(encode(IortNodeHeader, { type: 0, length: 24, revision: 1, identifier: 0, mappingCount: 0, mappingOffset: 0 }), Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 0]));
  const rc = concatBytes(
    encode(IortNodeHeader, { type: 2, length: 56, revision: 3, identifier: 1, mappingCount: 1, mappingOffset: 36 }),
    encode(IortRootComplex, { cacheCoherency: 1, hints: 0, reserved: 0, memoryFlags: 0x3, atsAttribute: 0, pciSegment: 0, memoryAddressSizeLimit: 64, reserved2: new Uint8Array(3) }),
    encode(IortIdMapping, { inputBase: 0, idCount: 0xffff, outputBase: 0, outputReference: itsAt, flags: 0 }),
  );
  return acpiTable('IORT', 3, concatBytes(encode(IortBody, { nodeCount: 2, nodeOffset: itsAt, reserved: 0 }), its, rc));
}

/** XSDT of the tables at those offsets. */
export function xsdt(offsets: readonly number[]): Uint8Array {
  const body = new Uint8Array(offsets.length * 8);
  const view = new DataView(body.buffer);
  offsets.forEach((o, i) => view.setBigUint64(i * 8, BigInt(o), true));
  return acpiTable('XSDT', 1, body);
}

/** RSDP revision 2: the XSDT's offset in etc/acpi/tables, no RSDT. */
export function rsdp20(xsdtOffset: number): Uint8Array {
  return encode(Rsdp20, {
    signature: ascii('RSD PTR '), checksum: 0, oemId: ascii(OEM_ID), revision: 2, rsdtAddress: 0, length: 36, xsdtAddress: BigInt(xsdtOffset), extendedChecksum: 0, reserved: new Uint8Array(3),
  });
}
