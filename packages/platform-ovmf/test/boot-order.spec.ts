import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromHex, toHex } from '@tcg2sim/binary-codec';
import { EV, decodeEventLog, diffEventLogs, replayEventLog } from '@tcg2sim/event-log';
import { hashAlgInfo } from '@tcg2sim/hash-lib';
import { SoftTpmBackend, SwtpmBackend } from '@tcg2sim/tpm-backends';
import type { TpmBackend } from '@tcg2sim/tpm-backends';
import { bytesDiskSource, findDiskBootLoader } from '@tcg2sim/uefi';
import { MachineDescription, diskPciSlotCount, predict } from '@tcg2sim/platform-ovmf';
import type { Prediction } from '@tcg2sim/platform-ovmf';
import { DEFAULT_ROM_DIRS, qemuNics } from '@tcg2sim/qemu-vmm';
import { OVMF_DIR, requirePrerequisites } from '@tcg2sim/test-support';
import { BOOT_ORDER_DISKS, SHIM } from './boot-order-disks.ts';
import {
  BOOTORDER_DISK_FIRST_BOOT_ORDER_HEX, BOOTORDER_DISK_FIRST_LOG_HEX, BOOTORDER_DISK_NIC_BOOT_ORDER_HEX, BOOTORDER_DISK_NIC_LOG_HEX, BOOTORDER_NIC_FIRST_BOOT_ORDER_HEX,
  BOOTORDER_NIC_FIRST_LOG_HEX, BOOTORDER_SECOND_DISK_BOOT_ORDER_HEX, BOOTORDER_SECOND_DISK_LOG_HEX,
} from './vectors/ovmf-2022.11-bootorder.ts';

const CODE = join(OVMF_DIR, 'OVMF_CODE_4M.fd');
const VARS = join(OVMF_DIR, 'OVMF_VARS_4M.fd');
const ROM = join(DEFAULT_ROM_DIRS[DEFAULT_ROM_DIRS.length - 1] ?? '/usr/lib/ipxe/qemu', 'efi-virtio.rom');

/** A captured VM (see the vectors file): disks in command-line order, then at most one virtio-net-pci NIC. */
export interface BootOrderVm {
  readonly name: string;
  /** Which of BOOT_ORDER_DISKS each virtio-blk disk holds, with its bootindex. */
  readonly disks: readonly { readonly image: number; readonly bootIndex?: number }[];
  readonly nic?: { readonly bootIndex?: number };
  /** What the firmware started. */
  readonly started: RegExp;
}

export const BOOT_ORDER_VMS: readonly (BootOrderVm & { readonly log: string; readonly bootOrder: string })[] = [
  { name: 'disk bootindex=1, NIC bootindex=2', disks: [{ image: 0, bootIndex: 1 }], nic: { bootIndex: 2 }, started: /^started Boot0001 /, log: BOOTORDER_DISK_FIRST_LOG_HEX, bootOrder: BOOTORDER_DISK_FIRST_BOOT_ORDER_HEX },
  { name: 'NIC bootindex=1 (five network attempts first), disk bootindex=2', disks: [{ image: 0, bootIndex: 2 }], nic: { bootIndex: 1 }, started: /^started Boot0001 /, log: BOOTORDER_NIC_FIRST_LOG_HEX, bootOrder: BOOTORDER_NIC_FIRST_BOOT_ORDER_HEX },
  { name: 'two disks, bootindex=1 on the second only', disks: [{ image: 0 }, { image: 1, bootIndex: 1 }], started: /^started Boot0001 /, log: BOOTORDER_SECOND_DISK_LOG_HEX, bootOrder: BOOTORDER_SECOND_DISK_BOOT_ORDER_HEX },
  { name: 'disk and NIC, no bootindex', disks: [{ image: 0 }], nic: {}, started: /^started Boot0002 /, log: BOOTORDER_DISK_NIC_LOG_HEX, bootOrder: BOOTORDER_DISK_NIC_BOOT_ORDER_HEX },
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
    });
  } finally {
    await backend.close();
  }
}

/** Every event up to and including the loader's image event byte for byte, and PCR 0-7 of every bank equal to the real log's replay. */
export function expectRealPrefix(p: Prediction, real: Uint8Array): void {
  const log = p.boot.eventLog;
  const prefix = real.subarray(0, log.length);
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

// The captured logs were cut after the loader's image event (shim measures more itself), so the
// whole predicted log must equal the whole vector.
describe("prediction with QEMU's bootorder (bootindex), a disk and a NIC = real OVMF 2022.11 boots", function () {
  this.timeout(600_000);
  let images: Uint8Array[] = [];
  before(function () {
    requirePrerequisites(this, { files: [CODE, VARS, SHIM, ROM], hint: 'apt-get install -y ovmf ipxe-qemu shim-signed' });
    images = BOOT_ORDER_DISKS();
  });

  for (const vm of BOOT_ORDER_VMS) {
    for (const tpm of ['soft', 'swtpm'] as const) {
      it(`${vm.name}: the captured log byte for byte, PCR 0-7 of every bank (${tpm} TPM)`, async function () {
        if (tpm === 'swtpm') requirePrerequisites(this, { tools: ['swtpm', 'swtpm_setup'] });
        const p = await predictBootOrderVm(vm, images, tpm === 'soft' ? new SoftTpmBackend() : await SwtpmBackend.start());
        expect(p.boot.eventLog.length).to.equal(fromHex(vm.log).length);
        expectRealPrefix(p, fromHex(vm.log));
        expect(p.boot.endState).to.match(vm.started);
        // BootOrder as the firmware left it in the store is the one measured in PCR1.
        const measured = decodeEventLog(p.boot.eventLog).events.filter((e) => e.pcrIndex === 1 && e.eventType === EV.EFI_VARIABLE_BOOT);
        expect(measured.some((e) => toHex(e.eventData).endsWith(vm.bootOrder))).to.equal(true);
        expect(p.boot.notes.join('\n')).to.not.match(/not calibrated|guess/);
      });
    }
  }
});
