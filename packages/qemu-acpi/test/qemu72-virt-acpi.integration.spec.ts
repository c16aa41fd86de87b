import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { readVirtFwCfgFiles } from '@tcg2sim/qemu-fwcfg';
import { ACPI_RSDP_FILE, ACPI_TABLES_FILE, TABLE_LOADER_FILE, TPM_LOG_FILE, qemu72VirtAcpiFiles } from '@tcg2sim/qemu-acpi';
import type { Qemu72VirtVm } from '@tcg2sim/qemu-acpi';
import { qemuTpmArgs, requirePrerequisites, swtpmPerTest } from '@tcg2sim/test-support';

/** PCI devices on pcie.0 (QEMU places them on the next free slots); a scratch disk image backs the disks. */
type Device = 'none' | 'virtio-net-pci' | 'e1000' | 'e1000e' | 'virtio-blk-pci' | 'virtio-scsi-pci' | 'nvme' | 'ich9-ahci' | 'all';
const DEVICES: readonly Device[] = ['none', 'virtio-net-pci', 'e1000', 'e1000e', 'virtio-blk-pci', 'virtio-scsi-pci', 'nvme', 'ich9-ahci', 'all'];

interface Shape {
  readonly cpus: number;
  readonly mib: number;
  readonly gic: '2' | '3' | 'max';
  readonly cpu: 'cortex-a57' | 'max';
  readonly tpm: boolean;
  readonly device: Device;
  /** `-smp` as written (default the CPU count). */
  readonly smp?: string;
  readonly machine?: string;
}

function deviceArgs(d: Device, disk: string): string[] {
  const drive = (id: string): string[] => ['-drive', `if=none,id=${id},format=raw,file=${disk},file.locking=off`];
  switch (d) {
    case 'none': return [];
    case 'virtio-net-pci': case 'e1000': case 'e1000e': return ['-netdev', 'user,id=n0,restrict=on', '-device', `${d},netdev=n0`];
    case 'virtio-blk-pci': return [...drive('d0'), '-device', 'virtio-blk-pci,drive=d0'];
    case 'virtio-scsi-pci': return [...drive('d0'), '-device', 'virtio-scsi-pci,id=s0', '-device', 'scsi-hd,bus=s0.0,drive=d0'];
    case 'nvme': return [...drive('d0'), '-device', 'nvme,serial=n0,drive=d0'];
    case 'ich9-ahci': return [...drive('d0'), '-device', 'ich9-ahci,id=a0', '-device', 'ide-hd,bus=a0.0,drive=d0'];
    case 'all': return DEVICES.filter((x) => x !== 'none' && x !== 'all' && x !== 'e1000' && x !== 'e1000e').flatMap((x, i) => deviceArgs(x, disk).map((a) => a.replace(/\bd0\b/g, `d${i}`).replace(/\bs0\b/g, `s${i}`).replace(/\ba0\b/g, `a${i}`)));
  }
}

// CPUs 1/2/4 × RAM 512/2048/4096 MiB (4096: RAM above 4 GiB, highmem's windows) × gic-version
// 2/3/max, each with one CPU model, TPM or none and a device set in rotation; then each device set
// on the default VM, and the edges: 8 CPUs on GICv2, 20 on GICv3 (a second MPIDR cluster), an
// explicit topology, virt-7.2.
const SHAPES: Shape[] = [];
let k = 0;
for (const cpus of [1, 2, 4]) {
  for (const mib of [512, 2048, 4096]) {
    for (const gic of ['2', '3', 'max'] as const) {
      SHAPES.push({ cpus, mib, gic, cpu: k % 2 === 0 ? 'cortex-a57' : 'max', tpm: k % 3 !== 2, device: DEVICES[k % DEVICES.length] ?? 'none' });
      k++;
    }
  }
}
for (const device of DEVICES) SHAPES.push({ cpus: 1, mib: 1024, gic: '2', cpu: 'cortex-a57', tpm: true, device });
SHAPES.push({ cpus: 8, mib: 1024, gic: '2', cpu: 'cortex-a57', tpm: true, device: 'none' });
SHAPES.push({ cpus: 20, mib: 1024, gic: '3', cpu: 'max', tpm: true, device: 'none' });
SHAPES.push({ cpus: 3, mib: 1536, gic: '2', cpu: 'max', tpm: true, device: 'none', smp: '3,sockets=1,cores=3,threads=1', machine: 'virt-7.2' });

const label = (s: Shape): string => `${s.machine ?? 'virt'} gic-version=${s.gic} -cpu ${s.cpu} -smp ${s.smp ?? s.cpus} -m ${s.mib}${s.tpm ? ' tpm-tis-device' : ' no TPM'}${s.device !== 'none' ? ` ${s.device}` : ''}`;

// Truth: the installed qemu-system-aarch64 (7.2)'s own fw_cfg files for each VM, read under qtest
// with a 64 MiB pflash unit 0 (as on any boot). Every ACPI file must be byte-equal, and a VM
// without a TPM has an empty etc/tpm/log and no TPM2 table.
describe('qemu72VirtAcpiFiles = the installed qemu-system-aarch64 7.2\'s ACPI files @integration', function () {
  this.timeout(180_000);
  before(function () {
    requirePrerequisites(this, { tools: ['qemu-system-aarch64', 'swtpm'] });
  });
  const swtpm = swtpmPerTest('tcg2sim-virt-acpi72-');
  let flash = '';
  let disk = '';
  before(() => {
    flash = join(swtpm.dir, 'pflash0.fd');
    writeFileSync(flash, new Uint8Array());
    truncateSync(flash, 64 << 20);
    disk = join(swtpm.dir, 'disk.img');
    writeFileSync(disk, new Uint8Array());
    truncateSync(disk, 1 << 20);
  });

  for (const s of SHAPES) {
    it(label(s), async () => {
      const tpmArgs = s.tpm ? qemuTpmArgs(await swtpm.start(), 'tpm-tis-device') : [];
      const qemu = await readVirtFwCfgFiles({
        args: [
          '-machine', `${s.machine ?? 'virt'},gic-version=${s.gic}`, '-cpu', s.cpu, '-m', String(s.mib), '-smp', s.smp ?? String(s.cpus),
          '-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${flash}`, ...tpmArgs, ...(s.device === 'none' ? ['-net', 'none'] : []),
          ...deviceArgs(s.device, disk), '-serial', 'null',
        ],
      });
      const vm: Qemu72VirtVm = { cpus: s.cpus, memoryMiB: s.mib, cpu: s.cpu, gicVersion: s.gic === '2' ? 2 : 3, tpm: s.tpm };
      const ours = qemu72VirtAcpiFiles(vm);
      for (const name of [TABLE_LOADER_FILE, ACPI_RSDP_FILE, TPM_LOG_FILE, ACPI_TABLES_FILE]) {
        expect(ours.has(name), name).to.equal(qemu.has(name));
        expect(Buffer.from(ours.get(name) ?? []).toString('hex'), name).to.equal(Buffer.from(qemu.get(name) ?? []).toString('hex'));
      }
    });
  }
});
