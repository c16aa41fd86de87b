/**
 * ImageLocationInMemory with PCI devices on the `virt` VM: the buffers of the NIC option ROM
 * image (PCR2 event), the disk's loader and the Shell (PCR4 events). Event data only, in no
 * digest: where DXE's allocator put them, measured on real boots of each build (1024 MiB, all
 * four banks; the devices-… vectors under test/vectors). A build is named by the facts
 * build-facts.ts reads from its image (version string, build tree), not by a digest of it; what
 * moves a buffer on the VM side is modelled:
 *
 * - the anchor: ArmVirtQemu's DXE allocates top-down from the top of RAM in 2022.11 and 2025.02
 *   (the distance from the top is what the build fixes: 2048 MiB moves 2025.02's ROM image by
 *   exactly 1 GiB less 0x6000, the 2022.11 Shell table's step, image-buffer.ts), and from a fixed
 *   place above the base of RAM in 2026.08 (1024 and 2048 MiB: one page apart), where the
 *   permanent PEI memory and DXE's first region sit low in RAM (the log at 0x45FED000);
 * - the device mix, `-cpu max` (RngDxe, and with it NetworkPkg from 2024.05), bootorder and
 *   root ports: each a measured shape.
 *
 * Another build of a measured release (Ubuntu's 2025.02, sid's strictnx build), RAM size, bank set or
 * device mix gets the nearest measured value and a note calling it an estimate
 * (`--image-buffer-address` gives it outright).
 */
import type { VirtDiskInterface } from './devices.ts';
import { buildDifference, virtBuildCalibration } from './build-facts.ts';
import type { VirtBuildFacts } from './build-facts.ts';
import { virtRamTop } from './machine.ts';
import type { VirtMachine } from './machine.ts';

/** What a buffer's place may depend on. */
export interface VirtDeviceBufferContext {
  readonly machine: VirtMachine;
  /** The image's build (build-facts.ts). */
  readonly build: VirtBuildFacts;
  readonly activePcrBanks: number;
  readonly what: 'rom' | 'loader' | 'shell';
  /** The image's index (ROM images in PCI order; the disk's command-line index). */
  readonly index: number;
  readonly nics: number;
  /** The NICs' models (default all virtio-net-pci): another model's ROM image and driverless NIC move the buffers. */
  readonly nicModels?: readonly string[];
  readonly disks: readonly VirtDiskInterface[];
  /** QEMU passed a bootorder file (bootindex=): BDS connected only the devices it names. */
  readonly bootOrder: boolean;
  /** The NICs and disks sit behind pcie-root-ports (libvirt's placement), not on pcie.0. */
  readonly behindPorts: boolean;
  /** Secure Boot refused a NIC's option ROM image (bds-devices.ts): what that leaves moves later buffers on 2025.02. */
  readonly romRefused?: boolean;
  /** The loader's file size (what: 'loader'): the measured loaders fit one pool page. */
  readonly fileSize?: number;
  /** AHCI controllers without a driver (devices.ts): PciBusDxe's allocations for them move later buffers. */
  readonly ahci?: number;
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
  /** Measured with Secure Boot on, the NIC's ROM image refused (test/vectors devices-secboot-*). */
  readonly romRefused?: boolean;
  /** Measured with this many AHCI controllers (no driver binds them: test/vectors shape-sata). */
  readonly ahci?: number;
  /** Measured with NICs of this model (default virtio-net-pci: test/vectors shape-e1000, shape-e1000e). */
  readonly nicModel?: string;
}

interface BuildCalibration {
  readonly name: string;
  /** The build measured (its facts as virtBuildFacts reads them). */
  readonly build: VirtBuildFacts;
  /** Whether the buffers follow the top of RAM (2022.11, 2025.02) or sit at a fixed place above its base (2026.08). */
  readonly anchor: 'top' | 'base';
  readonly measured: readonly Measured[];
}

const m = (what: Measured['what'], nics: number, disks: readonly VirtDiskInterface[], memoryMiB: number, address: bigint, rng = false, bootOrder = false, behindPorts = false): Measured => ({ what, nics, disks, memoryMiB, address, rng, bootOrder, behindPorts });
/** A shape measured with Secure Boot on and the NIC's ROM image refused. */
const refused = (x: Measured): Measured => ({ ...x, romRefused: true });

/**
 * The largest loader file the measured boots had (a signed test loader: 0xB38 bytes; unsigned:
 * 0x400). Up to a page less DXE's pool overhead the buffer is the same (2022.11 and 2025.02: the
 * unsigned and the signed loader at one address); a larger file gets its own pages, not measured.
 */
const MEASURED_LOADER_PAGE = 0x1000 - 0x20;

/** Per build: QEMU 7.2 virt, cortex-a57, 1 CPU, all four banks, fresh store. */
export const VIRT_DEVICE_BUFFERS: readonly BuildCalibration[] = [
  {
    name: "Debian 12's AAVMF 2022.11",
    build: { version: '', release: 202211, buildTree: '/build/reproducible-path/edk2-2022.11/Build/ArmVirtQemu-AARCH64/RELEASE_GCC5/AARCH64' },
    anchor: 'top',
    measured: [
      m('rom', 1, [], 1024, 0x7ec17018n),
      m('shell', 1, [], 1024, 0x7e90a018n),
      m('loader', 0, ['virtio'], 1024, 0x7ec64018n),
      m('loader', 0, ['nvme'], 1024, 0x7eb00018n),
      m('loader', 0, ['scsi'], 1024, 0x7eb06018n),
      // bootindex=1 on the disk: the NIC is not connected (no network stack on it)
      m('loader', 1, ['virtio'], 1024, 0x7ec29018n, false, true),
      // NIC and disk without bootindex (the NIC connected): the same with Secure Boot on (ROM refused)
      m('loader', 1, ['virtio'], 1024, 0x7e94d018n),
      refused(m('loader', 1, ['virtio'], 1024, 0x7e94d018n)),
      // libvirt's domain (fixtures/virt-aarch64-disk-net.xml): NIC and disk behind root ports, bootindex=1 on the disk
      m('rom', 1, [], 1024, 0x7ec14018n, false, true, true),
      m('loader', 1, ['virtio'], 1024, 0x7eb9d118n, false, true, true),
      // an AHCI controller with a SATA disk, nothing else: the Shell one page below where it is without (image-buffer.ts)
      { ...m('shell', 0, [], 1024, 0x7ead0018n), ahci: 1 },
      // an e1000 or e1000e NIC: their ROMs' x64 image (174536 bytes each, a page more than virtio's
      // 173512) one page lower, and no network stack on the NIC: the Shell higher than with virtio-net
      ...(['e1000', 'e1000e'] as const).flatMap((nicModel) => [{ ...m('rom', 1, [], 1024, 0x7ec16018n), nicModel }, { ...m('shell', 1, [], 1024, 0x7ea8f018n), nicModel }]),
    ],
  },
  {
    // AAVMF_CODE.secboot.fd; the .secboot.strictnx.fd build has the same facts and puts a
    // virtio-blk disk's loader at the same 0x7E941018 (real boot, test/vectors devices-disk-strictnx).
    name: "Debian 13's AAVMF 2025.02 (secboot)",
    build: { version: '2025.02-8+deb13u1', release: 202502, buildTree: '/build/reproducible-path/edk2-2025.02/Build/ArmVirtQemu-AARCH64/RELEASE_GCC5/AARCH64' },
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
      m('loader', 1, ['nvme'], 1024, 0x7ea92018n),
      // Secure Boot on: the refused ROM image's path leaves 0x19B000 more allocated before BDS
      // (the loader's own verification does not move it: disk-only boots with Secure Boot on
      // put it where they do without)
      refused(m('loader', 1, ['nvme'], 1024, 0x7e8f7018n)),
      ...(['e1000', 'e1000e'] as const).map((nicModel) => ({ ...m('rom', 1, [], 1024, 0x7e98c018n), nicModel })),
      // e1000e at 02.0 and a virtio-blk disk at 01.0: the loader where it is with virtio-net (no network stack without RNG either)
      { ...m('loader', 1, ['virtio'], 1024, 0x7ea92018n), nicModel: 'e1000e' },
    ],
  },
  {
    name: "Debian sid's AAVMF 2026.08 (secboot)",
    build: { version: '2026.08+ds-2', release: 202608, buildTree: '/build/reproducible-path/edk2-2026.08+ds/debian/build/qemu-efi-aarch64/secboot/Build/ArmVirtQemu-AArch64/RELEASE_GCC/AARCH64' },
    anchor: 'base',
    measured: [
      m('rom', 1, [], 1024, 0x45e89018n),
      m('rom', 1, [], 2048, 0x45e88018n),
      m('rom', 1, [], 1024, 0x45c3c018n, true),
      m('loader', 0, ['virtio'], 1024, 0x45e25018n),
      m('loader', 0, ['nvme'], 1024, 0x45e2d018n),
      m('loader', 0, ['scsi'], 1024, 0x45e33018n),
      m('loader', 1, ['virtio'], 1024, 0x45df3018n),
      refused(m('loader', 1, ['virtio'], 1024, 0x45df3018n)),
      // two NICs (both ROM images in one buffer: the first one's pages are freed and reused), NVMe + virtio-blk
      m('rom', 2, ['nvme', 'virtio'], 1024, 0x45e4c018n),
      m('loader', 2, ['nvme', 'virtio'], 1024, 0x45cff018n),
      // an e1000 NIC: efi-e1000.rom's image a page below virtio's, as on 2022.11 and 2025.02
      { ...m('rom', 1, [], 1024, 0x45e88018n), nicModel: 'e1000' },
      // e1000e with -cpu max (RngDxe runs; NetworkPkg has no NIC it drives): a page below virtio-net's with -cpu max
      { ...m('rom', 1, [], 1024, 0x45c3b018n, true), nicModel: 'e1000e' },
    ],
  },
];

function sameDisks(a: readonly VirtDiskInterface[], b: readonly VirtDiskInterface[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The buffer's address, or undefined when no build of a known release was measured. */
export function virtDeviceBuffer(ctx: VirtDeviceBufferContext): { address: bigint; calibrated: boolean; why: string } | undefined {
  const found = virtBuildCalibration(VIRT_DEVICE_BUFFERS, ctx.build);
  if (found === undefined) return undefined;
  const cal = found.cal;
  const rng = ctx.machine.rng === true;
  // the measured shapes have NICs of one model; a mix is compared by its first NIC's model (and is not calibrated)
  const models = [...new Set(ctx.nicModels ?? [])];
  const nicModel = models[0] ?? 'virtio-net-pci';
  // the ROM image is copied when the root bridges are connected, before the bootorder matters
  const romRefused = ctx.romRefused === true;
  const sameSetup = (x: Measured): boolean => (x.rng === true) === rng && (x.behindPorts === true) === ctx.behindPorts && (x.ahci ?? 0) === (ctx.ahci ?? 0)
    && (ctx.nics === 0 || x.nics === 0 || (x.nicModel ?? 'virtio-net-pci') === nicModel)
    && (ctx.what === 'rom' || ((x.bootOrder === true) === ctx.bootOrder && (x.romRefused === true) === romRefused));
  const ofWhat = cal.measured.filter((x) => x.what === ctx.what);
  // nothing measured with this CPU, placement and bootorder: the nearest other measurement
  const kind = ofWhat.some(sameSetup) ? ofWhat.filter(sameSetup) : ofWhat;
  const sameShape = (x: Measured): boolean => (ctx.what === 'rom' || sameDisks(x.disks, ctx.disks)) && x.nics === ctx.nics;
  // the same shape (a ROM image: the same NIC count) at the nearest RAM size, else the nearest shape
  const byRam = (xs: readonly Measured[]): Measured | undefined => [...xs].sort((a, b) => Math.abs(a.memoryMiB - ctx.machine.memoryMiB) - Math.abs(b.memoryMiB - ctx.machine.memoryMiB))[0];
  const best = byRam(kind.filter(sameShape)) ?? byRam(kind.filter((x) => sameDisks(x.disks, ctx.disks))) ?? byRam(kind.filter((x) => x.nics === ctx.nics)) ?? byRam(kind);
  if (best === undefined) return undefined;
  // every ROM image of a measured NIC count was in the same buffer; a loader's index is the disk's
  const shapeKnown = sameShape(best) && sameSetup(best) && (ctx.index === 0 || ctx.what === 'rom') && models.length <= 1;
  const ramKnown = best.memoryMiB === ctx.machine.memoryMiB;
  const banksKnown = ctx.activePcrBanks === 0xf;
  const base = { memoryMiB: best.memoryMiB, cpus: 1 };
  const shape = `${best.nics} ${best.nicModel ?? 'virtio-net-pci'} NIC(s), disks [${best.disks.join(', ')}]${rng ? ', -cpu max' : ''}${best.bootOrder === true ? ', bootindex' : ''}${best.behindPorts === true ? ', behind root ports' : ''}${best.romRefused === true ? ', ROM image refused by Secure Boot' : ''}${(best.ahci ?? 0) > 0 ? `, ${best.ahci ?? 0} AHCI controller(s)` : ''}`;
  // A loader larger than a pool page gets pages of its own below the measured one (an estimate).
  const extraPages = ctx.what === 'loader' && ctx.fileSize !== undefined && ctx.fileSize > MEASURED_LOADER_PAGE ? Math.ceil((ctx.fileSize + 0x20) / 0x1000) - 1 : 0;
  const sizeKnown = extraPages === 0;
  const address = (cal.anchor === 'top' ? virtRamTop(ctx.machine) - (virtRamTop(base) - best.address) : best.address) - BigInt(extraPages) * 0x1000n;
  const calibrated = found.same && shapeKnown && ramKnown && banksKnown && sizeKnown;
  const other = found.same ? '' : `another build (${buildDifference(cal.build, ctx.build)}): `;
  const why = calibrated
    ? `measured on a real boot of ${cal.name} with ${shape}`
    : `${other}${cal.name}: nearest measured shape ${shape}, ${best.memoryMiB} MiB, all four banks (this VM: ${ctx.nics} NIC(s)${models.length > 0 ? ` (${models.join(', ')})` : ''}, disks [${ctx.disks.join(', ')}]${(ctx.ahci ?? 0) > 0 ? `, ${ctx.ahci ?? 0} AHCI controller(s)` : ''}, ${ctx.machine.memoryMiB} MiB, banks 0x${ctx.activePcrBanks.toString(16)}${ctx.index > 0 ? `, image ${ctx.index}` : ''}${sizeKnown ? '' : `, a ${ctx.fileSize ?? 0}-byte loader: ${extraPages} pages lower`})`;
  return { address, calibrated, why };
}
