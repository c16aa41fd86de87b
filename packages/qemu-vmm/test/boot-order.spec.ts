import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readQemuFwCfgFiles } from '@tcg2sim/qemu-fwcfg';
import { VmmError, ofwPath, qemuBootOrderFile } from '@tcg2sim/qemu-vmm';
import type { BootDevice } from '@tcg2sim/qemu-vmm';
import { requirePrerequisites } from '@tcg2sim/test-support';

const text = (b: Uint8Array): string => new TextDecoder('latin1').decode(b);

describe("qemu-vmm: QEMU's bootorder fw_cfg file", function () {
  this.timeout(120_000);

  it('orders by bootindex, ends with NUL, adds HALT for strict=on, and is empty without any bootindex', () => {
    const disk: BootDevice = { kind: 'virtio-blk', pci: { slot: 2 } };
    const nic: BootDevice = { kind: 'nic', pci: { slot: 3 } };
    expect(text(qemuBootOrderFile([{ bootindex: 2, device: disk }, { bootindex: 1, device: nic }]))).to.equal('/pci@i0cf8/ethernet@3/ethernet-phy@0\n/pci@i0cf8/scsi@2/disk@0,0\0');
    expect(text(qemuBootOrderFile([{ bootindex: 0, device: disk }], true))).to.equal('/pci@i0cf8/scsi@2/disk@0,0\nHALT\0');
    expect(qemuBootOrderFile([], true).length).to.equal(0);
    expect(() => qemuBootOrderFile([{ bootindex: 1, device: disk }, { bootindex: 1, device: nic }])).to.throw(VmmError).with.property('code', 'BAD_BOOTINDEX');
    expect(() => qemuBootOrderFile([{ bootindex: -1, device: disk }])).to.throw(VmmError).with.property('code', 'BAD_BOOTINDEX');
    expect(ofwPath({ kind: 'virtio-blk', pci: { bridges: [{ slot: 0x1c, fn: 1 }], slot: 0 } })).to.equal('/pci@i0cf8/pci-bridge@1c,1/scsi@0/disk@0,0');
  });

  // The real producer: QEMU itself, its fw_cfg read over qtest (no firmware runs).
  it('equals the file QEMU 7.2 passes for the same devices (qtest)', async function () {
    requirePrerequisites(this, { tools: ['qemu-system-x86_64'] });
    const dir = mkdtempSync(join(tmpdir(), 'tcg2sim-bootorder-'));
    try {
      const img = join(dir, 'disk.img');
      writeFileSync(img, new Uint8Array(1 << 20));
      const drive = (id: string): string[] => ['-drive', `if=none,id=${id},format=raw,snapshot=on,file=${img}`];
      const cases: { machine: 'q35' | 'pc'; args: string[]; devices: { bootindex: number; device: BootDevice }[]; strict?: boolean }[] = [
        {
          machine: 'q35',
          args: [...drive('d0'), '-device', 'virtio-blk-pci,drive=d0,bootindex=2', '-netdev', 'user,id=n0', '-device', 'virtio-net-pci,netdev=n0,bootindex=1'],
          devices: [{ bootindex: 2, device: { kind: 'virtio-blk', pci: { slot: 2 } } }, { bootindex: 1, device: { kind: 'nic', pci: { slot: 3 } } }],
        },
        {
          machine: 'q35',
          args: [...drive('d0'), '-device', 'nvme,drive=d0,serial=x,bootindex=3', ...drive('d1'), '-device', 'ide-hd,drive=d1,bus=ide.2,bootindex=1', '-device', 'virtio-scsi-pci,id=s', ...drive('d2'), '-device', 'scsi-hd,drive=d2,bus=s.0,scsi-id=3,lun=0,bootindex=2'],
          devices: [
            { bootindex: 3, device: { kind: 'nvme', pci: { slot: 2 } } },
            { bootindex: 1, device: { kind: 'ahci', pci: { slot: 0x1f, fn: 2 }, port: 2 } },
            { bootindex: 2, device: { kind: 'virtio-scsi', pci: { slot: 3 }, target: 3, lun: 0 } },
          ],
        },
        {
          machine: 'q35',
          args: ['-device', 'pcie-root-port,id=rp1,bus=pcie.0,addr=0x1c.0x1,chassis=1', ...drive('d0'), '-device', 'virtio-blk-pci,drive=d0,bus=rp1,bootindex=1', '-netdev', 'user,id=n0', '-device', 'e1000e,netdev=n0,bootindex=5', '-boot', 'strict=on'],
          devices: [{ bootindex: 1, device: { kind: 'virtio-blk', pci: { bridges: [{ slot: 0x1c, fn: 1 }], slot: 0 } } }, { bootindex: 5, device: { kind: 'nic', pci: { slot: 2 } } }],
          strict: true,
        },
        {
          machine: 'pc',
          args: [...drive('d0'), '-device', 'ahci,id=a', '-device', 'ide-hd,drive=d0,bus=a.1,bootindex=1', ...drive('d1'), '-device', 'ide-hd,drive=d1,bus=ide.1,unit=0,bootindex=2'],
          devices: [{ bootindex: 1, device: { kind: 'ahci', pci: { slot: 3 }, port: 1 } }, { bootindex: 2, device: { kind: 'ide', pci: { slot: 1, fn: 1 }, bus: 1, unit: 0 } }],
        },
        // -boot order= and menu= alone pass an empty file: OVMF ignores it.
        { machine: 'q35', args: ['-netdev', 'user,id=n0', '-device', 'virtio-net-pci,netdev=n0', '-boot', 'order=n,menu=on'], devices: [] },
      ];
      for (const c of cases) {
        const files = await readQemuFwCfgFiles({ machine: c.machine, args: ['-machine', c.machine, '-net', 'none', '-display', 'none', ...c.args], names: ['bootorder'], chipset: false });
        expect(text(files.get('bootorder') ?? Uint8Array.of(0xff)), c.args.join(' ')).to.equal(text(qemuBootOrderFile(c.devices, c.strict === true)));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
