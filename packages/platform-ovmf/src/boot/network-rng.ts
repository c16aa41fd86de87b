/**
 * Whether NetworkPkg's drivers run at all. Since the "PixieFail" fixes (edk2-stable202405),
 * DxeNetLib takes its random numbers from EFI_RNG_PROTOCOL and every driver linking it has the
 * protocol in its dependency expression (NetworkPkg/Library/DxeNetLib/DxeNetLib.inf [Depex]):
 * without an RNG the DXE dispatcher never starts MnpDxe, Ip4Dxe, UefiPxeBcDxe or HttpBootDxe, so
 * a NIC gets only the boot option its option ROM driver (iPXE) makes. OVMF installs the protocol
 * through VirtioRngDxe for a virtio-rng device (RngDxe needs RDRAND, which QEMU's default qemu64
 * CPU does not have). Seen on Debian trixie's 2025.02: a virtio-net NIC alone gives one option,
 * with virtio-rng-pci beside it the five of 2022.11.
 */
import { findFileByGuid, walkFv } from '@tcg2sim/uefi';
import type { MemoryFv } from '../sec.ts';
import type { PlatformDevice } from './device-footprints.ts';

const MNP_DXE = '025BBFC7-E6A9-4B8B-82AD-6815A1AEAF4A';
const EFI_RNG_PROTOCOL = '3152BCA5-EADE-433D-862E-C01CDC291F44';

/** The build's MnpDxe waits for EFI_RNG_PROTOCOL (its DXE dependency expression pushes it). */
export function networkStackNeedsRng(dxeFv: MemoryFv): boolean {
  const mnp = findFileByGuid(dxeFv.volume, MNP_DXE);
  if (mnp === undefined) return false;
  for (const n of walkFv(mnp)) {
    if (n.kind === 'section' && n.depex?.some((op) => 'guid' in op && op.op === 'PUSH' && op.guid.toUpperCase() === EFI_RNG_PROTOCOL) === true) return true;
  }
  return false;
}

/** The VM gives OVMF an RNG: a virtio-rng PCI device. */
export function vmHasRng(devices: readonly PlatformDevice[] | undefined): boolean {
  return (devices ?? []).some((d) => d.driver === 'virtio-rng-pci' || d.driver === 'virtio-rng-pci-non-transitional' || d.driver === 'virtio-rng-pci-transitional');
}
