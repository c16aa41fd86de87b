/**
 * The disk loader's buffer (image-buffer.ts diskImageBufferAddress) on a VM that also has NICs,
 * or whose QEMU bootorder file made BDS connect only some devices (boot-order-apply.ts). DXE
 * allocator state again, calibrated on real boots of Debian's OVMF 2022.11-6+deb12u2
 * OVMF_CODE_4M.fd, q35, 512 MiB, 1 CPU, SHA1 active, fresh OVMF_VARS_4M.fd, Debian's shim on a
 * FAT12 ESP on virtio-blk at 02.0, virtio-net-pci at 03.0 (test/boot-order.integration.spec.ts):
 *
 *  - no bootindex (BDS connects everything; the DVD-ROM and the disk fail or boot before any
 *    network attempt): shim at 0x1DF07018, 0x24A000 below the same VM without the NIC: the ROM
 *    copy (61 pages) plus 0x20D000 for the iPXE driver and the network stack above it;
 *  - one virtio-blk disk with bootindex=1 alone (with and without `-boot strict=on`): shim at
 *    0x1E27D018, 0x12C000 above the no-bootindex boot: BDS connected neither q35's ICH9 AHCI nor
 *    the DVD-ROM behind it (only the bootorder devices);
 *  - disk bootindex=1, NIC bootindex=2: shim at 0x1E032018, 0x12B000 above the no-bootindex boot
 *    with the NIC; two virtio-blk disks, bootindex=1 on the second only (the first not connected):
 *    the loader 0x12B000 above the one-connected-disk value. Each has one more PCI device on the
 *    command line than the first boot: fitted as one page less per such device (the AHCI's and the
 *    DVD-ROM's shares: device-footprints.ts, image-buffer.ts diskMachineShift);
 *  - NIC bootindex=1, disk bootindex=2: the five network attempts before the disk leave
 *    NETWORK_ATTEMPTS_SHIFT (0xC000) more below: shim at 0x1E026018.
 */
import type { ImageBufferContext } from './image-buffer.ts';
import type { PointKey } from './device-footprints.ts';
import { connectRank } from './boot-order-apply.ts';
import type { DeviceConnection } from './boot-order-apply.ts';
import { nicPciPath } from './bds-network.ts';
import type { NetworkNic } from './bds-network.ts';
import { pciPathText } from './pci-path.ts';
import type { NicBufferFacts } from './nic-image-buffer.ts';

/** The calibration point of Debian 12's OVMF_CODE_4M.fd, q35 (calibration-point.ts). */
const OVMF_CODE_4M_Q35 = 'x64-4m:q35';

/** Per NIC, besides its ROM copy: what the driver and the network stack allocate above the disk loader's buffer. */
const DISK_NIC_SHIFT: ReadonlyMap<PointKey, bigint> = new Map([[OVMF_CODE_4M_Q35, 0x20d000n]]);
/**
 * A NIC BDS left unconnected (QEMU's bootorder names other devices): its ROM copy and iPXE's
 * driver image and entry-point allocations, no network stack. Measured on q35 OVMF_CODE_4M.fd,
 * 2048 MiB, 2 CPUs, S3 off, libvirt's VM with disk bootindex=1 and a virtio-net-pci NIC behind a
 * root port: shim at 0x7E192018, 0xEC000 below the same VM without the NIC: the ROM copy (0x3D000),
 * this, and the page less the unconnected AHCI gives back with one more PCI device.
 */
const UNCONNECTED_NIC_SHIFT: ReadonlyMap<PointKey, bigint> = new Map([[OVMF_CODE_4M_Q35, 0xae000n]]);
/**
 * A connected NIC behind a pcie-root-port: 0x2000 more than DISK_NIC_SHIFT (measured: libvirt's
 * seven root ports, disk behind one, virtio-net-pci behind another, 2048 MiB, 2 CPUs, S3 off:
 * shim 0x24C000 below the VM without the NIC; the network stack's handles carry one PCI node more).
 */
const BRIDGED_NIC_EXTRA: ReadonlyMap<PointKey, bigint> = new Map([[OVMF_CODE_4M_Q35, 0x2000n]]);
/** What failed network attempts before the disk's option leave below the free point, per NIC. */
const NETWORK_ATTEMPTS_SHIFT: ReadonlyMap<PointKey, bigint> = new Map([[OVMF_CODE_4M_Q35, 0xc000n]]);

const POOL_OVERHEAD = 0x20n;

/** The entry of `table` for the calibration point the image's facts name (calibration-point.ts) and the machine. */
function cal(table: ReadonlyMap<PointKey, bigint>, ctx: ImageBufferContext): bigint | undefined {
  return ctx.calibration === undefined ? undefined : table.get(`${ctx.calibration}:${ctx.machine.machine}`);
}

function romCopyBytes(n: NicBufferFacts): bigint {
  return ((BigInt(n.romCopySize) + POOL_OVERHEAD + 0xfffn) / 0x1000n) * 0x1000n;
}

/** What the disk-loader model adds for NICs and partial connection (a positive value: lower). */
export function diskNicBootOrderShift(ctx: ImageBufferContext): bigint {
  const nics = ctx.nics ?? [];
  let shift = 0n;
  const unconnected = ctx.unconnectedNics ?? 0;
  nics.forEach((n, i) => {
    // which NICs are unconnected does not matter for the sum, only how many
    shift += romCopyBytes(n) + (i < unconnected ? (cal(UNCONNECTED_NIC_SHIFT, ctx) ?? 0xae000n) : (cal(DISK_NIC_SHIFT, ctx) ?? 0x20d000n));
  });
  shift += BigInt(ctx.nicsBehindBridges ?? 0) * (cal(BRIDGED_NIC_EXTRA, ctx) ?? 0n);
  if ((ctx.networkAttemptsBefore ?? 0) > 0) shift += cal(NETWORK_ATTEMPTS_SHIFT, ctx) ?? 0n;
  return shift;
}

/**
 * A NIC BDS connected because bootorder lists it: the network stack works (timers, received
 * frames) while BDS reads the loader, so the buffer moves with timing. Four real boots of the
 * disk-first VM above: 0x1E032018 (a loaded host, 119 s), 0x1E034018, 0x1E042018 twice (8 s); the
 * model gives the first. The NIC-first VM (five failed network attempts before the disk): three
 * boots on a quiet host and the stored capture at 0x1E026018, a boot under CI load elsewhere. Under
 * CI load (many concurrent boots) the disk + NIC VM without bootindex and the libvirt-shaped VM
 * (NIC not in bootorder) moved too: with any NIC beside the disk the address is timing-dependent.
 */
export function diskLoaderAddressVaries(ctx: ImageBufferContext): boolean {
  return (ctx.nics ?? []).length > 0;
}

/** Whether {@link diskNicBootOrderShift} was measured for this build, machine and shape. */
export function diskNicBootOrderCalibrated(ctx: ImageBufferContext): boolean {
  const nics = ctx.nics ?? [];
  if (nics.length > 1 || (nics.length === 1 && (cal(DISK_NIC_SHIFT, ctx) === undefined || nics[0]?.model !== 'virtio-net-pci'))) return false;
  if ((ctx.unconnectedNics ?? 0) > 0 && cal(UNCONNECTED_NIC_SHIFT, ctx) === undefined) return false;
  if (ctx.unconnectedAhci === true && (ctx.pciDevices ?? 1) > 2) return false;
  if ((ctx.networkAttemptsBefore ?? 0) > 0 && cal(NETWORK_ATTEMPTS_SHIFT, ctx) === undefined) return false;
  return true;
}

/** How many of `nics` BDS left unconnected, and how many connected ones sit behind a bridge. */
export function nicConnectionFacts(nics: readonly NetworkNic[], connection: DeviceConnection): { unconnectedNics: number; nicsBehindBridges: number } {
  let unconnectedNics = 0;
  let nicsBehindBridges = 0;
  for (const n of nics) {
    const path = nicPciPath(n);
    if (connectRank(connection, pciPathText(path)) === undefined) unconnectedNics++;
    else if (path.length > 1) nicsBehindBridges++;
  }
  return { unconnectedNics, nicsBehindBridges };
}
