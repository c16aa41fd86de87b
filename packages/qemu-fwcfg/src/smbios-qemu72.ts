/**
 * QEMU 7.2's SMBIOS fw_cfg files for the VMs tcg2sim supports, as hw/smbios/smbios.c builds them
 * for `-machine q35|pc` (pc-q35-7.2 / pc-i440fx-7.2) without -smbios options, TCG's default
 * qemu64 CPU, one socket: an SMBIOS 2.8 entry point ("_SM_"; the checksums and the table
 * address left 0 for the firmware to fill) and the structures 1, 3, 4, 16, 17 (one per 16 GiB DIMM), 19 (one per RAM region of
 * the e820 map), 32, 127 with QEMU's fixed handles (type << 8, plus the instance).
 * Checked against the installed QEMU's own files (qemu-fwcfg's integration spec).
 */
import { encode } from '@tcg2sim/binary-codec';
import { SmbiosEntryPoint21 } from './smbios.ts';

/** The VM shape the tables depend on. */
export interface Qemu72SmbiosVm {
  readonly machine: 'q35' | 'pc';
  /** RAM below 4 GiB and above it, in bytes (QEMU's low/high split). */
  readonly belowFourG: number;
  readonly aboveFourG: bigint;
  /** vCPUs, all in one socket (QEMU 7.2 machine types prefer cores). */
  readonly cpus: number;
}

const MACHINE = {
  q35: { product: 'Standard PC (Q35 + ICH9, 2009)', version: 'pc-q35-7.2' },
  pc: { product: 'Standard PC (i440FX + PIIX, 1996)', version: 'pc-i440fx-7.2' },
} as const;

/** CPUID leaf 1 EAX and EDX of TCG's qemu64 model: type 4's ProcessorId. */
const QEMU64_PROCESSOR_ID = [0xb1, 0x0f, 0x06, 0x00, 0xfd, 0xfb, 0x8b, 0x07];
const DIMM_BYTES = 16n << 30n;
const KiB = 1024n;

const u16 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff];
const u32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
const zeros = (n: number): number[] => new Array<number>(n).fill(0);

/** A structure: the formatted area (its length byte set here) and its strings. */
function structure(type: number, handle: number, body: readonly number[], strings: readonly string[]): number[] {
  const head = [type, 4 + body.length, ...u16(handle), ...body];
  const tail = strings.length === 0 ? [0, 0] : [...strings.flatMap((s) => [...Buffer.from(s, 'latin1'), 0]), 0];
  return [...head, ...tail];
}

/** `etc/smbios/smbios-anchor` and `etc/smbios/smbios-tables` of that VM. */
export function qemu72SmbiosFiles(vm: Qemu72SmbiosVm): { anchor: Uint8Array; tables: Uint8Array } {
  if (!Number.isInteger(vm.cpus) || vm.cpus < 1 || vm.cpus > 255) throw new RangeError(`qemu72SmbiosFiles: cpus ${vm.cpus} outside 1..255`);
  const m = MACHINE[vm.machine];
  const ram = BigInt(vm.belowFourG) + vm.aboveFourG;
  const parts: number[][] = [];
  parts.push(structure(1, 0x100, [1, 2, 3, 0, ...zeros(16), 6, 0, 0], ['QEMU', m.product, m.version]));
  parts.push(structure(3, 0x300, [1, 1, 2, 0, 0, 3, 3, 3, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0], ['QEMU', m.version]));
  parts.push(structure(4, 0x400, [
    1, 3, 1, 2, ...QEMU64_PROCESSOR_ID, 3, 0, ...u16(0), ...u16(2000), ...u16(2000), 0x41, 1, ...u16(0xffff), ...u16(0xffff), ...u16(0xffff),
    0, 0, 0, vm.cpus, vm.cpus, vm.cpus, ...u16(0x0002), ...u16(0x0001),
  ], ['CPU 0', 'QEMU', m.version]));
  const dimms = Number((ram + DIMM_BYTES - 1n) / DIMM_BYTES);
  parts.push(structure(16, 0x1000, [1, 3, 6, ...u32(Number(ram / KiB)), ...u16(0xfffe), ...u16(dimms), ...zeros(8)], []));
  for (let i = 0; i < dimms; i++) {
    const size = ram - BigInt(i) * DIMM_BYTES < DIMM_BYTES ? ram - BigInt(i) * DIMM_BYTES : DIMM_BYTES;
    parts.push(structure(17, 0x1100 + i, [
      ...u16(0x1000), ...u16(0xfffe), ...u16(0xffff), ...u16(0xffff), ...u16(Number(size >> 20n)), 9, 0, 1, 0, 7, ...u16(0x0002), ...u16(0), 2, 0, 0, 0, 0,
      ...zeros(4), ...u16(0), ...u16(0), ...u16(0), ...u16(0),
    ], [`DIMM ${i}`, 'QEMU']));
  }
  const regions: [bigint, bigint][] = [[0n, BigInt(vm.belowFourG)]];
  if (vm.aboveFourG > 0n) regions.push([1n << 32n, vm.aboveFourG]);
  regions.forEach(([start, length], i) => {
    parts.push(structure(19, 0x1300 + i, [...u32(Number(start / KiB)), ...u32(Number((start + length) / KiB - 1n)), ...u16(0x1000), 1, ...zeros(16)], []));
  });
  parts.push(structure(32, 0x2000, [...zeros(6), 0], []));
  parts.push(structure(127, 0x7f00, [], []));
  const tables = Uint8Array.from(parts.flat());
  const anchor = encode(SmbiosEntryPoint21, {
    anchorString: Uint8Array.from(Buffer.from('_SM_', 'latin1')),
    entryPointStructureChecksum: 0,
    entryPointLength: 0x1f,
    majorVersion: 2,
    minorVersion: 8,
    maxStructureSize: Math.max(...parts.map((p) => p.length)),
    entryPointRevision: 0,
    formattedArea: new Uint8Array(5),
    intermediateAnchorString: Uint8Array.from(Buffer.from('_DMI_', 'latin1')),
    intermediateChecksum: 0,
    tableLength: tables.length,
    tableAddress: 0,
    numberOfSmbiosStructures: parts.length,
    smbiosBcdRevision: 0x28,
  });
  return { anchor, tables };
}
