import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toHex } from '@tcg2sim/binary-codec';
import { SoftTpmBackend, SwtpmBackend } from '@tcg2sim/tpm-backends';
import { getVariable } from '@tcg2sim/uefi';
import { captureBoot } from '@tcg2sim/platform-ovmf';
import type { CaptureResult } from '@tcg2sim/platform-ovmf';
import { OVMF_DIR, requirePrerequisites, tempDir } from '@tcg2sim/test-support';
import { BOOT_ORDER_DISKS, BOOT_ORDER_VMS, SHIM, expectRealPrefix, predictBootOrderVm } from './boot-order-vms.ts';
import type { BootOrderVm } from './boot-order-vms.ts';

const EFI_GLOBAL_VARIABLE = '8BE4DF61-93CA-11D2-AA0D-00E098032B8C';

/** The QEMU arguments of `vm`: virtio-blk disks first (02.0, 03.0, …), then the NIC. */
function qemuArgs(vm: BootOrderVm, dir: string): string[] {
  const args: string[] = [];
  vm.disks.forEach((d, i) => {
    args.push('-drive', `if=none,id=tcg2sim-disk${i},format=raw,snapshot=on,file=${join(dir, `disk${d.image}.img`)}`);
    args.push('-device', `virtio-blk-pci,drive=tcg2sim-disk${i}${d.bootIndex !== undefined ? `,bootindex=${d.bootIndex}` : ''}`);
  });
  if (vm.nic !== undefined) args.push('-netdev', 'user,id=n0', '-device', `virtio-net-pci,netdev=n0${vm.nic.bootIndex !== undefined ? `,bootindex=${vm.nic.bootIndex}` : ''}`);
  if (vm.strict === true) args.push('-boot', 'strict=on');
  return args;
}

// The boots of boot-order.spec.ts's vectors, captured again (concurrently; the NIC-first boot
// waits out five network attempts, ~10 minutes under TCG) and predicted with both backends.
describe("prediction = real OVMF boots with QEMU's bootorder, several disks, a disk and a NIC @integration", function () {
  this.timeout(1_800_000);
  const tmp = tempDir('tcg2sim-bootorder-');
  const real = new Map<string, CaptureResult>();
  let images: Uint8Array[] = [];

  before(async function () {
    const code = join(OVMF_DIR, 'OVMF_CODE_4M.fd');
    const vars = join(OVMF_DIR, 'OVMF_VARS_4M.fd');
    requirePrerequisites(this, { tools: ['qemu-system-x86_64', 'swtpm', 'swtpm_setup'], files: [code, vars, SHIM] });
    images = BOOT_ORDER_DISKS();
    images.forEach((d, i) => writeFileSync(join(tmp.path, `disk${i}.img`), d));
    const results = await Promise.all(BOOT_ORDER_VMS.map((vm) => captureBoot({
      code, vars, machine: 'q35', memoryMiB: 512, timeoutSeconds: 1500, stopWhen: 'BdsDxe: starting Boot', extraQemuArgs: qemuArgs(vm, tmp.path),
    })));
    BOOT_ORDER_VMS.forEach((vm, i) => {
      const r = results[i];
      if (r !== undefined) real.set(vm.name, r);
    });
  });
  after(() => tmp.remove());

  for (const vm of BOOT_ORDER_VMS) {
    for (const tpm of ['soft', 'swtpm'] as const) {
      it(`${vm.name}: every event up to and including the loader's image event, PCR 0-7 of every bank (${tpm} TPM)`, async () => {
        const r = real.get(vm.name);
        if (r === undefined) throw new Error('no capture');
        const p = await predictBootOrderVm(vm, images, tpm === 'soft' ? new SoftTpmBackend() : await SwtpmBackend.start());
        expectRealPrefix(p, r.eventLog);
        expect(p.boot.endState).to.match(vm.started);
        if (tpm === 'soft') {
          // The store the firmware left holds the BootOrder the prediction measured.
          const after = r.varsAfter;
          expect(toHex(after === undefined ? new Uint8Array() : getVariable(after, 'BootOrder', EFI_GLOBAL_VARIABLE)?.data ?? new Uint8Array())).to.equal(vm.bootOrder);
        }
      });
    }
  }
});
