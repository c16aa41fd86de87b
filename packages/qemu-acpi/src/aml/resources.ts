/**
 * Resource descriptors (ACPI 6.5 §6.4) as QEMU's q35/pc DSDT uses them, and ResourceTemplate:
 * a Buffer of the descriptors and an End Tag with checksum 0.
 */
import { buffer, cat } from './aml.ts';
import type { Aml } from './aml.ts';

const u16 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff];
const u32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
const u64 = (v: bigint): number[] => Array.from({ length: 8 }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn));

export const resourceTemplate = (...descriptors: Aml[]): Aml => buffer(cat(...descriptors, [0x79, 0x00]));
/** I/O Port, 16-bit decode (§6.4.2.5). */
export const io = (min: number, max: number, align: number, length: number): Aml => Uint8Array.from([0x47, 0x01, ...u16(min), ...u16(max), align, length]);
/** IRQ without flags (§6.4.2.1). */
export const irqNoFlags = (irq: number): Aml => Uint8Array.from([0x22, ...u16(1 << irq)]);
/** Extended Interrupt (§6.4.3.6) with its flags byte (bit 0 consumer, 1 edge, 2 active low, 3 shared). */
export const interruptWith = (flags: number, irqs: readonly number[]): Aml => Uint8Array.from([0x89, ...u16(2 + 4 * irqs.length), flags, irqs.length, ...irqs.flatMap(u32)]);
/** Extended Interrupt: consumer, level, active high, shared. */
export const interrupt = (irqs: readonly number[]): Aml => interruptWith(0x09, irqs);
/** Extended Interrupt flags: consumer, level-triggered, active high, exclusive; the same edge-triggered. */
export const IRQ_LEVEL_EXCLUSIVE = 0x01;
export const IRQ_EDGE_EXCLUSIVE = 0x03;
/** 32-bit Fixed Memory Range (§6.4.3.4). */
export const memory32Fixed = (writable: boolean, base: number, length: number): Aml => Uint8Array.from([0x86, ...u16(9), writable ? 1 : 0, ...u32(base), ...u32(length)]);
/** Producer, MinFixed, MaxFixed, PosDecode (general flags 0x0C). */
const GENERAL = 0x0c;
/** DWord memory range (§6.4.3.5.2): `cacheable` 1, non-cacheable 0; read-write. */
export const dwordMemory = (cacheable: boolean, min: number, max: number): Aml =>
  Uint8Array.from([0x87, ...u16(0x17), 0, GENERAL, cacheable ? 0x03 : 0x01, ...u32(0), ...u32(min), ...u32(max), ...u32(0), ...u32(max - min + 1)]);
/** QWord memory range (§6.4.3.5.1), read-write. */
export const qwordMemory = (cacheable: boolean, min: bigint, max: bigint): Aml =>
  Uint8Array.from([0x8a, ...u16(0x2b), 0, GENERAL, cacheable ? 0x03 : 0x01, ...u64(0n), ...u64(min), ...u64(max), ...u64(0n), ...u64(max - min + 1n)]);
/** Word I/O range, entire range (§6.4.3.5.3). */
export const wordIo = (min: number, max: number): Aml => Uint8Array.from([0x88, ...u16(0x0d), 1, GENERAL, 0x03, ...u16(0), ...u16(min), ...u16(max), ...u16(0), ...u16(max - min + 1)]);
/** DWord I/O range (§6.4.3.5.2), entire range, static, translation `offset` (a CPU MMIO window onto port space). */
export const dwordIo = (min: number, max: number, offset: number): Aml =>
  Uint8Array.from([0x87, ...u16(0x17), 1, GENERAL, 0x03, ...u32(0), ...u32(min), ...u32(max), ...u32(offset), ...u32(max - min + 1)]);
/** Word bus number range. */
export const wordBusNumber = (min: number, max: number): Aml => Uint8Array.from([0x88, ...u16(0x0d), 2, GENERAL, 0x00, ...u16(0), ...u16(min), ...u16(max), ...u16(0), ...u16(max - min + 1)]);
/** DMA (§6.4.2.2): compatibility timing, not bus master, 8-bit transfers. */
export const dma = (channel: number): Aml => Uint8Array.from([0x2a, 1 << channel, 0x00]);
