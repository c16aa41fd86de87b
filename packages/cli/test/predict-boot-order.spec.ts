import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeEventLog, EV } from '@tcg2sim/event-log';
import { OVMF_DIR, buildEfiApplication, buildEspDisk, requirePrerequisites, tempDir } from '@tcg2sim/test-support';
import { runCli } from './harness.ts';

const CODE = join(OVMF_DIR, 'OVMF_CODE_4M.fd');
const VARS = join(OVMF_DIR, 'OVMF_VARS_4M.fd');

/** BootOrder (UINT16 LE) of the PCR1 BootOrder event of a binary log. */
function measuredBootOrder(log: Uint8Array): string {
  const e = decodeEventLog(log).events.find((x) => x.pcrIndex === 1 && x.eventType === EV.EFI_VARIABLE_BOOT && Buffer.from(x.eventData).includes(Buffer.from('BootOrder', 'utf16le')));
  if (e === undefined) return '';
  const d = Buffer.from(e.eventData);
  // UEFI_VARIABLE_DATA: GUID, UINT64 name length, UINT64 data length, name, data.
  const nameLen = Number(d.readBigUInt64LE(16));
  return d.subarray(32 + 2 * nameLen).toString('hex');
}

// BootOrder values as the real OVMF 2022.11 boots left them (packages/platform-ovmf/test/boot-order.spec.ts
// checks these predictions byte for byte against those boots' logs).
describe('tcg2sim predict: several --disk, --disk with --nic, and a scenario bootOrder', function () {
  this.timeout(300_000);
  const tmp = tempDir('tcg2sim-cli-bootorder-');
  let disks: string[] = [];
  before(function () {
    requirePrerequisites(this, { files: [CODE, VARS] });
    disks = [0, 1].map((i) => {
      const p = join(tmp.path, `disk${i}.img`);
      writeFileSync(p, buildEspDisk({ fatType: 'FAT12', diskGuid: `1111111${i}-2222-4333-8444-555555555555`, espGuid: `6666666${i}-7777-4888-9999-AAAAAAAAAAAA`, files: [{ path: 'EFI/BOOT/BOOTX64.EFI', data: buildEfiApplication(new Uint8Array(70_000 + i).fill(0x90)) }] }));
      return p;
    });
  });
  after(() => tmp.remove());

  it('two --disk: both registered, the first boots; bootOrder [disk1] in a scenario boots the second alone', async () => {
    const log = join(tmp.path, 'two.bin');
    const r = await runCli('predict', '--code', CODE, '--vars', VARS, '--disk', disks[0] ?? '', '--disk', disks[1] ?? '', '--log-out', log, '--json');
    expect(r.status, r.err).to.equal(0);
    expect((JSON.parse(r.out) as { endState: string }).endState).to.match(/^started Boot0002 "UEFI Misc Device"/);
    expect(measuredBootOrder(readFileSync(log))).to.equal('00000100020003000400'); // UiApp, DVD-ROM, two disks, Shell
    const scenario = join(tmp.path, 's.yaml');
    writeFileSync(scenario, 'bootOrder: [disk1]\n');
    const log2 = join(tmp.path, 'second.bin');
    const r2 = await runCli('predict', '--scenario', scenario, '--code', CODE, '--vars', VARS, '--disk', disks[0] ?? '', '--disk', disks[1] ?? '', '--log-out', log2, '--json');
    expect(r2.status, r2.err).to.equal(0);
    // Only the second disk is connected: Boot0001 is it, then UiApp and the Shell (real boot: 0001,0000,0002).
    expect(measuredBootOrder(readFileSync(log2))).to.equal('010000000200');
    const j = JSON.parse(r2.out) as { endState: string; notes: string[] };
    expect(j.endState).to.match(/^started Boot0001 "UEFI Misc Device"/);
    expect(j.notes.join('\n')).to.include('ConnectDevicesFromQemu connects only PciRoot(0x0)/Pci(0x3,0x0)');
  });

  it('--disk with --nic: the NIC after the disk, network options after the disk option (real boot: 0000..0008)', async () => {
    const log = join(tmp.path, 'nic.bin');
    const r = await runCli('predict', '--code', CODE, '--vars', VARS, '--disk', disks[0] ?? '', '--nic', 'virtio-net-pci', '--log-out', log, '--json');
    expect(r.status, r.err).to.equal(0);
    expect(measuredBootOrder(readFileSync(log))).to.equal('000001000200030004000500060007000800');
    expect((JSON.parse(r.out) as { endState: string }).endState).to.match(/^started Boot0002 "UEFI Misc Device"/);
    const scenario = join(tmp.path, 'n.yaml');
    writeFileSync(scenario, 'bootOrder: [nic0, disk0]\n');
    const r2 = await runCli('predict', '--scenario', scenario, '--code', CODE, '--vars', VARS, '--disk', disks[0] ?? '', '--nic', 'virtio-net-pci', '--log-out', log, '--json');
    expect(r2.status, r2.err).to.equal(0);
    expect(measuredBootOrder(readFileSync(log))).to.equal('02000300040005000600010000000700');
  });

  it('--qemu-cmdline: bootindex=1 on the one disk (-boot strict=on): only it connected, BootOrder 0001,0000,0002 as the real boot', async () => {
    const log = join(tmp.path, 'cmdline.bin');
    const line = `qemu-system-x86_64 -machine q35 -m 512 -net none -drive if=pflash,format=raw,unit=0,readonly=on,file=${CODE} -drive if=pflash,format=raw,unit=1,file=${VARS}
      -chardev socket,id=c,path=/run/x.sock -tpmdev emulator,id=t,chardev=c -device tpm-tis,tpmdev=t
      -drive if=none,id=d0,format=raw,file=${disks[0] ?? ''} -device virtio-blk-pci,drive=d0,bootindex=1 -boot strict=on`;
    const r = await runCli('predict', '--qemu-cmdline', line, '--log-out', log, '--json');
    expect(r.status, r.err).to.equal(0);
    expect(measuredBootOrder(readFileSync(log))).to.equal('010000000200');
    expect((JSON.parse(r.out) as { endState: string }).endState).to.match(/^started Boot0001 "UEFI Misc Device"/);
  });

  it('exits 2 with one line for a --disk-interface count that fits neither rule, or a bootOrder naming a missing device', async () => {
    const r = await runCli('predict', '--disk', disks[0] ?? '', '--disk', disks[1] ?? '', '--disk-interface', 'nvme', '--disk-interface', 'sata', '--disk-interface', 'scsi');
    expect(r.status).to.equal(2);
    expect(r.err.trim().split('\n')).to.have.length(1);
    expect(r.err).to.include('--disk-interface: given 3 times for 2 --disk');
    const scenario = join(tmp.path, 'bad.yaml');
    writeFileSync(scenario, 'bootOrder: [nic0]\n');
    const r2 = await runCli('predict', '--scenario', scenario, '--disk', disks[0] ?? '');
    expect(r2.status).to.equal(2);
    expect(r2.err).to.include('bootOrder');
  });
});
