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
  /** QEMU passed a bootorder file (bootindex=): BDS connected only the devices it names. */
  readonly bootOrder: boolean;
  /** The NICs and disks sit behind pcie-root-ports (libvirt's placement), not on pcie.0. */
  readonly behindPorts: boolean;
}

/** One measured address: the shape it was measured on and where the buffer was. */
interface Measured {
  readonly what: VirtDeviceBufferContext['what'];
  readonly nics: number;
  readonly disks: readonly VirtDiskInterface[];
  readonly memoryMiB: number;
  readonly address: bigint;
  /** Measured with -cpu max (RNDR: RngDxe runs, and with it NetworkPkg from edk2-stable202405). */
  readonly rng?: boolean;
  /** Measured with a bootorder naming the disk only (bootindex=1 on it). */
  readonly bootOrder?: boolean;
  /** Measured with the devices behind root ports (libvirt's domain: test/vectors devices-libvirt). */
  readonly behindPorts?: boolean;
}

interface BuildCalibration {
  readonly name: string;
  /** Whether the buffers follow the top of RAM (2022.11, 2025.02) or sit at a fixed place above its base (2026.08). */
  readonly anchor: 'top' | 'base';
  readonly measured: readonly Measured[];
}

const m = (what: Measured['what'], nics: number, disks: readonly VirtDiskInterface[], memoryMiB: number, address: bigint, rng = false, bootOrder = false, behindPorts = false): Measured => ({ what, nics, disks, memoryMiB, address, rng, bootOrder, behindPorts });

/** Per build (SHA-256 of FVMAIN): QEMU 7.2 virt, cortex-a57, 1 CPU, all four banks, fresh store. */
export const VIRT_DEVICE_BUFFERS: ReadonlyMap<string, BuildCalibration> = new Map<string, BuildCalibration>([
  ['3dd57eeb7f3cbbb35ab5bc919b1ba1624dc6420a4b6c608f3b9f4a9368c3b506', {
    name: "Debian 12's AAVMF 2022.11",
    anchor: 'top',
    measured: [
      m('rom', 1, [], 1024, 0x7ec17018n),
      m('shell', 1, [], 1024, 0x7e90a018n),
      m('loader', 0, ['virtio'], 1024, 0x7ec64018n),
      m('loader', 0, ['nvme'], 1024, 0x7eb00018n),
      m('loader', 0, ['scsi'], 1024, 0x7eb06018n),
      // bootindex=1 on the disk: the NIC is not connected (no network stack on it)
      m('loader', 1, ['virtio'], 1024, 0x7ec29018n, false, true),
      // libvirt's domain (fixtures/virt-aarch64-disk-net.xml): NIC and disk behind root ports, bootindex=1 on the disk
      m('rom', 1, [], 1024, 0x7ec14018n, false, true, true),
      m('loader', 1, ['virtio'], 1024, 0x7eb9d118n, false, true, true),
    ],
  }],
  ['51bcc2ca5a75f2e214f5afd86597ade9ce9ff8ad349bf2306cf358bb88d33105', {
    name: "Debian 13's AAVMF 2025.02 (secboot)",
    anchor: 'top',
    measured: [
      m('rom', 1, [], 1024, 0x7e98d018n),
      m('rom', 1, [], 2048, 0xbe987018n),
      m('rom', 1, [], 1024, 0x7e74d018n, true),
      m('loader', 0, ['virtio'], 1024, 0x7e941018n),
      m('loader', 0, ['nvme'], 1024, 0x7e9e1018n),
      m('loader', 0, ['scsi'], 1024, 0x7ea92018n),
      m('loader', 1, ['virtio'], 1024, 0x7ea92018n),
      m('loader', 1, ['virtio'], 1024, 0x7ea92298n, false, true, true),
    ],
  }],
  ['b938fb93b28691d8f9d0c6dc425a88b159f9046357d95e4a03d1376b8cd0c30b', {
    name: "Debian sid's AAVMF 2026.08 (secboot)",
    anchor: 'base',
    measured: [
      m('rom', 1, [], 1024, 0x45e89018n),
      m('rom', 1, [], 2048, 0x45e88018n),
      m('rom', 1, [], 1024, 0x45c3c018n, true),
      m('loader', 0, ['virtio'], 1024, 0x45e25018n),
      m('loader', 0, ['nvme'], 1024, 0x45e2d018n),
      m('loader', 0, ['scsi'], 1024, 0x45e33018n),
      m('loader', 1, ['virtio'], 1024, 0x45df3018n),
      // two NICs (both ROM images in one buffer: the first one's pages are freed and reused), NVMe + virtio-blk
      m('rom', 2, ['nvme', 'virtio'], 1024, 0x45e4c018n),
      m('loader', 2, ['nvme', 'virtio'], 1024, 0x45cff018n),
    ],
  }],
]);

function sameDisks(a: readonly VirtDiskInterface[], b: readonly VirtDiskInterface[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The buffer's address, or undefined when this build has no measurement of that kind. */
export function virtDeviceBuffer(ctx: VirtDeviceBufferContext): { address: bigint; calibrated: boolean; why: string } | undefined {
  const cal = VIRT_DEVICE_BUFFERS.get(ctx.dxeFvSha256);
  if (cal === undefined) return undefined;
  const rng = ctx.machine.rng === true;
  // the ROM image is copied when the root bridges are connected, before the bootorder matters
  const sameSetup = (x: Measured): boolean => (x.rng === true) === rng && (x.behindPorts === true) === ctx.behindPorts && (ctx.what === 'rom' || (x.bootOrder === true) === ctx.bootOrder);
  const ofWhat = cal.measured.filter((x) => x.what === ctx.what);
  // nothing measured with this CPU, placement and bootorder: the nearest other measurement
  const kind = ofWhat.some(sameSetup) ? ofWhat.filter(sameSetup) : ofWhat;
  const sameShape = (x: Measured): boolean => (ctx.what === 'rom' || sameDisks(x.disks, ctx.disks)) && x.nics === ctx.nics;
  // the same shape (a ROM image: the same NIC count) at the nearest RAM size, else the nearest shape
  const byRam = (xs: readonly Measured[]): Measured | undefined => [...xs].sort((a, b) => Math.abs(a.memoryMiB - ctx.machine.memoryMiB) - Math.abs(b.memoryMiB - ctx.machine.memoryMiB))[0];
  const best = byRam(kind.filter(sameShape)) ?? byRam(kind.filter((x) => sameDisks(x.disks, ctx.disks))) ?? byRam(kind.filter((x) => x.nics === ctx.nics)) ?? byRam(kind);
  if (best === undefined) return undefined;
  // every ROM image of a measured NIC count was in the same buffer; a loader's index is the disk's
  const shapeKnown = sameShape(best) && sameSetup(best) && (ctx.index === 0 || ctx.what === 'rom');
  const ramKnown = best.memoryMiB === ctx.machine.memoryMiB;
  const banksKnown = ctx.activePcrBanks === 0xf;
  const base = { memoryMiB: best.memoryMiB, cpus: 1 };
  const address = cal.anchor === 'top' ? virtRamTop(ctx.machine) - (virtRamTop(base) - best.address) : best.address;
  const shape = `${best.nics} NIC(s), disks [${best.disks.join(', ')}]${rng ? ', -cpu max' : ''}${best.bootOrder === true ? ', bootindex' : ''}${best.behindPorts === true ? ', behind root ports' : ''}`;
  const calibrated = shapeKnown && ramKnown && banksKnown;
  const why = calibrated
    ? `measured on a real boot of ${cal.name} with ${shape}`
    : `${cal.name}: nearest measured shape ${shape}, ${best.memoryMiB} MiB, all four banks (this VM: ${ctx.nics} NIC(s), disks [${ctx.disks.join(', ')}], ${ctx.machine.memoryMiB} MiB, banks 0x${ctx.activePcrBanks.toString(16)}${ctx.index > 0 ? `, image ${ctx.index}` : ''})`;
  return { address, calibrated, why };
}
