/**
 * ImageLocationInMemory with PCI devices on the `virt` VM: the buffers of the NIC option ROM
 * image (PCR2 event), the disk's loader and the Shell (PCR4 events). Event data only, in no
 * digest: where DXE's allocator put them, measured on real boots of each build (1024 MiB, all
 * four banks; the devices-… vectors under test/vectors). Other RAM sizes, bank sets and device mixes get the
 * nearest measured value and a note.
 */
import type { VirtDiskInterface } from './devices.ts';
import { virtRamTop } from './machine.ts';
import type { VirtMachine } from './machine.ts';

/** What a buffer's place may depend on. */
export interface VirtDeviceBufferContext {
  readonly machine: VirtMachine;
  readonly dxeFvSha256: string;
  readonly activePcrBanks: number;
  readonly what: 'rom' | 'loader' | 'shell';
  /** The image's index (ROM images in PCI order; the disk's command-line index). */
  readonly index: number;
  readonly nics: number;
  readonly disks: readonly VirtDiskInterface[];
}

/** One measured address: the shape it was measured on and where the buffer was. */
interface Measured {
  readonly what: VirtDeviceBufferContext['what'];
  readonly nics: number;
  readonly disks: readonly VirtDiskInterface[];
  readonly memoryMiB: number;
  readonly address: bigint;
}

interface BuildCalibration {
  readonly name: string;
  /** Whether the buffers follow the top of RAM (2022.11, 2025.02) or sit at a fixed place above its base (2026.08). */
  readonly anchor: 'top' | 'base';
  readonly measured: readonly Measured[];
}

/** Per build (SHA-256 of FVMAIN). */
export const VIRT_DEVICE_BUFFERS: ReadonlyMap<string, BuildCalibration> = new Map<string, BuildCalibration>([
]);

function sameDisks(a: readonly VirtDiskInterface[], b: readonly VirtDiskInterface[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The buffer's address, or undefined when this build has no measurement of that kind. */
export function virtDeviceBuffer(ctx: VirtDeviceBufferContext): { address: bigint; calibrated: boolean; why: string } | undefined {
  const cal = VIRT_DEVICE_BUFFERS.get(ctx.dxeFvSha256);
  if (cal === undefined) return undefined;
  const kind = cal.measured.filter((m) => m.what === ctx.what);
  const best = kind.find((m) => m.nics === ctx.nics && sameDisks(m.disks, ctx.disks)) ?? kind.find((m) => m.nics === ctx.nics) ?? kind[0];
  if (best === undefined) return undefined;
  const shapeKnown = best.nics === ctx.nics && sameDisks(best.disks, ctx.disks) && ctx.index === 0;
  const ramKnown = cal.anchor === 'base' || best.memoryMiB === ctx.machine.memoryMiB;
  const banksKnown = ctx.activePcrBanks === 0xf;
  const base = { memoryMiB: best.memoryMiB, cpus: 1 };
  const address = cal.anchor === 'top' ? virtRamTop(ctx.machine) - (virtRamTop(base) - best.address) : best.address;
  const shape = `${best.nics} NIC(s), disks [${best.disks.join(', ')}]`;
  const calibrated = shapeKnown && ramKnown && banksKnown;
  const why = calibrated
    ? `measured on a real boot of ${cal.name} with ${shape}`
    : `${cal.name}: nearest measured shape ${shape}, ${best.memoryMiB} MiB, all four banks (this VM: ${ctx.nics} NIC(s), disks [${ctx.disks.join(', ')}], ${ctx.machine.memoryMiB} MiB, banks 0x${ctx.activePcrBanks.toString(16)}${ctx.index > 0 ? `, image ${ctx.index}` : ''})`;
  return { address, calibrated, why };
}
