/**
 * The modelled fw_cfg files of predict without --fw-cfg-from-qemu (fw-cfg-model.ts: no QEMU)
 * against those --fw-cfg-from-qemu reads (fw-cfg-qemu.ts: the installed QEMU 7.2 under qtest,
 * its PCI hierarchy programmed as OVMF leaves it) for the same --disk/--nic VMs: every file
 * byte-equal. The disk images are empty files (QEMU's ACPI tables do not read them).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { Scenario, decompressMemFvsAsync } from '@tcg2sim/platform-ovmf';
import type { SecOutput } from '@tcg2sim/platform-ovmf';
import { readFileSync } from 'node:fs';
import { requirePrerequisites, tempDir, FIRMWARE_CACHE as CACHE } from '@tcg2sim/test-support';
import { modelledFwCfgFiles } from '../src/commands/fw-cfg-model.ts';
import { vmFwCfgFiles } from '../src/commands/fw-cfg-qemu.ts';

const CODE = join(CACHE, 'debian-trixie', 'usr', 'share', 'OVMF', 'OVMF_CODE_4M.fd');

type Iface = 'virtio' | 'nvme' | 'sata' | 'scsi';
type Nic = 'virtio-net-pci' | 'e1000' | 'e1000e';
interface Vm {
  readonly machine: 'q35' | 'pc';
  readonly memoryMiB: number;
  readonly cpus: number;
  readonly tpmInterface: 'tis' | 'crb';
  readonly disks: readonly Iface[];
  readonly nics: readonly Nic[];
}

const VMS: Vm[] = [];
const IFACES: Iface[] = ['virtio', 'nvme', 'sata', 'scsi'];
const NICS: Nic[] = ['virtio-net-pci', 'e1000', 'e1000e'];
for (const machine of ['q35', 'pc'] as const) {
  IFACES.forEach((iface, i) => VMS.push({ machine, memoryMiB: [512, 2048, 3584, 5120][i] ?? 512, cpus: i + 1, tpmInterface: i % 2 === 0 ? 'tis' : 'crb', disks: [iface], nics: [] }));
  NICS.forEach((nic, i) => VMS.push({ machine, memoryMiB: [1024, 4096, 512][i] ?? 512, cpus: [2, 1, 4][i] ?? 1, tpmInterface: 'tis', disks: [], nics: [nic] }));
  VMS.push({ machine, memoryMiB: 2048, cpus: 2, tpmInterface: 'tis', disks: ['scsi', 'virtio', 'scsi', 'sata', 'nvme', 'sata'], nics: ['e1000', 'virtio-net-pci'] });
  VMS.push({ machine, memoryMiB: 5120, cpus: 3, tpmInterface: 'crb', disks: ['nvme'], nics: ['e1000e', 'e1000', 'virtio-net-pci'] });
}

describe('predict\'s modelled ACPI blobs for --disk/--nic VMs = --fw-cfg-from-qemu\'s @integration', function () {
  this.timeout(180_000);
  const tmp = tempDir('tcg2sim-fwcfg-model-matrix-');
  let sec: SecOutput;
  before(async function () {
    requirePrerequisites(this, { files: [CODE], hint: 'run scripts/fetch-debian-firmware.sh trixie' });
    requirePrerequisites(this, { tools: ['qemu-system-x86_64', 'swtpm'] });
    sec = await decompressMemFvsAsync(new Uint8Array(readFileSync(CODE)));
  });
  after(() => tmp.remove());

  for (const vm of VMS) {
    it(`${vm.machine} ${vm.memoryMiB} MiB ${vm.cpus} CPU tpm-${vm.tpmInterface}: disks ${vm.disks.join(',') || 'none'}, NICs ${vm.nics.join(',') || 'none'}`, async () => {
      const files = vm.disks.map((_, i) => join(tmp.path, `disk${i}.img`));
      for (const f of files) writeFileSync(f, new Uint8Array(1 << 20));
      const [first, ...more] = vm.disks;
      const s = Scenario.parse({
        code: CODE, machine: vm.machine, memoryMiB: vm.memoryMiB, cpus: vm.cpus, tpmInterface: vm.tpmInterface,
        ...(first !== undefined ? { disk: files[0], diskInterface: first, moreDisks: more.map((iface, i) => ({ disk: files[i + 1], diskInterface: iface })) } : {}),
        ...(vm.nics.length > 0 ? { nics: vm.nics } : {}),
      });
      const model = await modelledFwCfgFiles(s, sec, false);
      if ('uncovered' in model) throw new Error(model.uncovered);
      const qemu = await vmFwCfgFiles(s, sec);
      expect(qemu.note).not.to.match(/INCOMPLETE/);
      for (const [name, bytes] of model.files) expect(Buffer.from(bytes).toString('hex'), name).to.equal(Buffer.from(qemu.files.get(name) ?? []).toString('hex'));
    });
  }
});
