/** The boot-order VMs the real captures were taken of, and how predictions are compared with them. */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { toHex } from '@tcg2sim/binary-codec';
import { EV, decodeEventLog, diffEventLogs, replayEventLog } from '@tcg2sim/event-log';
import { hashAlgInfo } from '@tcg2sim/hash-lib';
import type { TpmBackend } from '@tcg2sim/tpm-backends';
import { bytesDiskSource, findDiskBootLoader } from '@tcg2sim/uefi';
import { MachineDescription, diskPciSlotCount, predict } from '@tcg2sim/platform-ovmf';
import type { Prediction } from '@tcg2sim/platform-ovmf';
import { DEFAULT_ROM_DIRS, qemuNics } from '@tcg2sim/qemu-vmm';
import { OVMF_DIR, buildEfiApplication, buildEspDisk } from '@tcg2sim/test-support';
import {
  BOOTORDER_DISK_ALONE_BOOT_ORDER_HEX, BOOTORDER_DISK_ALONE_LOG_HEX, BOOTORDER_DISK_FIRST_BOOT_ORDER_HEX, BOOTORDER_DISK_FIRST_LOG_HEX, BOOTORDER_DISK_NIC_BOOT_ORDER_HEX, BOOTORDER_DISK_NIC_LOG_HEX, BOOTORDER_NIC_FIRST_BOOT_ORDER_HEX,
  BOOTORDER_NIC_FIRST_LOG_HEX, BOOTORDER_SECOND_DISK_BOOT_ORDER_HEX, BOOTORDER_SECOND_DISK_LOG_HEX,
} from './vectors/ovmf-2022.11-bootorder.ts';

/** Debian's signed shim (package shim-signed). */
export const SHIM = '/usr/lib/shim/shimx64.efi.signed';

/** The repo's own loader (~100 KiB, parks the CPU). */
function ownLoader(): Uint8Array {
  const body = new Uint8Array(100 * 1024);
  body.set([0xf4, 0xeb, 0xfd]);
  for (let i = 3; i < body.length; i++) body[i] = (i * 37) & 0xff;
  return buildEfiApplication(body);
}

/** The boot-order captures' disks: [0] shim on a FAT12 ESP, [1] the repo's own loader (other disk and ESP GUIDs). */
export function BOOT_ORDER_DISKS(): Uint8Array[] {
  return [
    buildEspDisk({ fatType: 'FAT12', files: [{ path: 'EFI/BOOT/BOOTX64.EFI', data: readFileSync(SHIM) }] }),
    buildEspDisk({
      fatType: 'FAT12', diskGuid: '11111111-2222-4333-8444-555555555555', espGuid: '66666666-7777-4888-9999-AAAAAAAAAAAA',
      files: [{ path: 'EFI/BOOT/BOOTX64.EFI', data: ownLoader() }],
    }),
  ];
}

export const CODE = join(OVMF_DIR, 'OVMF_CODE_4M.fd');
export const VARS = join(OVMF_DIR, 'OVMF_VARS_4M.fd');
export const ROM = join(DEFAULT_ROM_DIRS[DEFAULT_ROM_DIRS.length - 1] ?? '/usr/lib/ipxe/qemu', 'efi-virtio.rom');

/** A captured VM (see the vectors file): disks in command-line order, then at most one virtio-net-pci NIC. */
export interface BootOrderVm {
  readonly name: string;
  /** Which of BOOT_ORDER_DISKS each virtio-blk disk holds, with its bootindex. */
  readonly disks: readonly { readonly image: number; readonly bootIndex?: number }[];
  readonly nic?: { readonly bootIndex?: number };
  /** What the firmware started. */
  readonly started: RegExp;
  /** `-boot strict=on`. */
  readonly strict?: boolean;
  /**
   * The loader's ImageLocationInMemory moves with timing on real boots of this VM (a NIC's
   * network stack runs while BDS reads the loader): the observed range (disk-nic-image-buffer.ts);
   * for the NIC-first VM, whose quiet boots all gave one value and a loaded CI boot another, the
   * disk-first VM's 64 KiB spread around it.
   */
  readonly loaderAddressRange?: readonly [bigint, bigint];
}

export const BOOT_ORDER_VMS: readonly (BootOrderVm & { readonly log: string; readonly bootOrder: string })[] = [
  { name: 'disk bootindex=1, NIC bootindex=2', disks: [{ image: 0, bootIndex: 1 }], nic: { bootIndex: 2 }, started: /^started Boot0001 /, loaderAddressRange: [0x1e032018n, 0x1e042018n], log: BOOTORDER_DISK_FIRST_LOG_HEX, bootOrder: BOOTORDER_DISK_FIRST_BOOT_ORDER_HEX },
  { name: 'NIC bootindex=1 (five network attempts first), disk bootindex=2', disks: [{ image: 0, bootIndex: 2 }], nic: { bootIndex: 1 }, started: /^started Boot0001 /, loaderAddressRange: [0x1e016018n, 0x1e036018n], log: BOOTORDER_NIC_FIRST_LOG_HEX, bootOrder: BOOTORDER_NIC_FIRST_BOOT_ORDER_HEX },
  { name: 'two disks, bootindex=1 on the second only', disks: [{ image: 0 }, { image: 1, bootIndex: 1 }], started: /^started Boot0001 /, log: BOOTORDER_SECOND_DISK_LOG_HEX, bootOrder: BOOTORDER_SECOND_DISK_BOOT_ORDER_HEX },
  { name: 'one disk bootindex=1 alone, -boot strict=on', disks: [{ image: 0, bootIndex: 1 }], strict: true, started: /^started Boot0001 /, log: BOOTORDER_DISK_ALONE_LOG_HEX, bootOrder: BOOTORDER_DISK_ALONE_BOOT_ORDER_HEX },
  { name: 'disk and NIC, no bootindex', disks: [{ image: 0 }], nic: {}, started: /^started Boot0002 /, loaderAddressRange: [0x1def7018n, 0x1df17018n], log: BOOTORDER_DISK_NIC_LOG_HEX, bootOrder: BOOTORDER_DISK_NIC_BOOT_ORDER_HEX },
];

/** predict for `vm` (OVMF_CODE_4M.fd, fresh OVMF_VARS_4M.fd, q35, 512 MiB, TIS), the devices' bootIndex giving QEMU's bootorder file. */
export async function predictBootOrderVm(vm: BootOrderVm, images: readonly Uint8Array[], backend: TpmBackend): Promise<Prediction> {
  const machine = MachineDescription.parse({ machine: 'q35', memoryMiB: 512 });
  const loaders = vm.disks.map((d) => findDiskBootLoader(bytesDiskSource(images[d.image] ?? new Uint8Array())));
  const [first, ...more] = loaders;
  const nics = vm.nic === undefined ? [] : qemuNics('q35', ['virtio-net-pci'], { slotsBefore: diskPciSlotCount('q35', vm.disks.map(() => 'virtio')) })
    .map((n) => (vm.nic?.bootIndex === undefined ? n : { ...n, bootIndex: vm.nic.bootIndex }));
  try {
    return await predict({
      code: new Uint8Array(readFileSync(CODE)), vars: new Uint8Array(readFileSync(VARS)), machine, tpmInterface: 'tis', backend,
      ...(first !== undefined ? { disk: first } : {}),
      ...(vm.disks[0]?.bootIndex !== undefined ? { diskBootIndex: vm.disks[0].bootIndex } : {}),
      moreDisks: more.map((loader, i) => {
        const bootIndex = vm.disks[i + 1]?.bootIndex;
        return bootIndex === undefined ? { loader } : { loader, bootIndex };
      }),
      nics,
      ...(vm.strict === true ? { bootStrict: true } : {}),
    });
  } finally {
    await backend.close();
  }
}

/**
 * Every event up to and including the loader's image event byte for byte, and PCR 0-7 of every
 * bank equal to the real log's replay. With `loaderAddressRange`, the loader's ImageLocationInMemory
 * (the first 8 bytes of the last event's data: in no digest) need only lie in that range.
 */
export function expectRealPrefix(p: Prediction, real: Uint8Array, loaderAddressRange?: readonly [bigint, bigint]): void {
  const log = p.boot.eventLog;
  const prefix = real.slice(0, log.length);
  if (loaderAddressRange !== undefined) {
    const data = decodeEventLog(prefix).events.at(-1)?.eventData ?? new Uint8Array();
    const at = prefix.length - data.length;
    const address = new DataView(prefix.buffer, prefix.byteOffset + at, 8).getBigUint64(0, true);
    expect(address >= loaderAddressRange[0] && address <= loaderAddressRange[1], `ImageLocationInMemory 0x${address.toString(16)}`).to.equal(true);
    prefix.set(log.subarray(at, at + 8), at);
  }
  if (toHex(log) !== toHex(prefix)) expect(diffEventLogs(decodeEventLog(log), decodeEventLog(prefix)).divergence?.explanation ?? 'equal').to.equal('equal');
  expect(toHex(log)).to.equal(toHex(prefix));
  const events = decodeEventLog(log).events;
  expect(events.at(-1)?.eventType).to.equal(EV.EFI_BOOT_SERVICES_APPLICATION);
  const replay = replayEventLog(decodeEventLog(prefix));
  expect(replay.banks.size).to.equal(4);
  for (const [alg, m] of replay.banks) {
    for (let i = 0; i <= 7; i++) expect(toHex(p.tpmPcrs.get(alg)?.get(i) ?? new Uint8Array()), `${hashAlgInfo(alg).name} PCR${i}`).to.equal(toHex(m.get(i) ?? new Uint8Array()));
  }
  expect(p.mismatches).to.deep.equal([]);
}

