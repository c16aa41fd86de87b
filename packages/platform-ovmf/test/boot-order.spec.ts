import { expect } from 'chai';
import { fromHex, toHex } from '@tcg2sim/binary-codec';
import { EV, decodeEventLog } from '@tcg2sim/event-log';
import { SoftTpmBackend, SwtpmBackend } from '@tcg2sim/tpm-backends';
import { requirePrerequisites } from '@tcg2sim/test-support';
import { BOOT_ORDER_DISKS, BOOT_ORDER_VMS, CODE, ROM, SHIM, VARS, expectRealPrefix, predictBootOrderVm } from './boot-order-vms.ts';

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
