import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { QemuConfigError, bootOrderOf, mapToPredict, parseQemuCommandLine, requirePredictable } from '@tcg2sim/qemu-config';
import type { BootOrderFinding } from '@tcg2sim/qemu-config';
import { describeQemuCommand } from '@tcg2sim/qemu-config';
import { domainToQemuCommand } from '@tcg2sim/qemu-config/libvirt';

const fixture = (name: string): string => readFileSync(new URL(`../../test/fixtures/${name}`, import.meta.url), 'utf8');
const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder('latin1').decode(b));
const VM = `qemu-system-x86_64 -machine q35 -m 512 -net none -drive if=pflash,format=raw,unit=0,readonly=on,file=/c.fd -drive if=pflash,format=raw,unit=1,file=/v.fd
  -chardev socket,id=c,path=/s -tpmdev emulator,id=t,chardev=c -device tpm-tis,tpmdev=t`;

// The expected files are what QEMU 7.2 passed for these devices (read back over qtest; the
// qemu-vmm spec checks its path builder against QEMU itself).
describe("qemu-config: bootindex and -boot into QEMU's bootorder file", () => {
  it('a virtio-blk disk with bootindex: predictable, with the file QEMU passes', () => {
    const p = requirePredictable(parseQemuCommandLine(`${VM} -drive if=none,id=d0,format=raw,file=/d.img -device virtio-blk-pci,drive=d0,bootindex=1`));
    expect(text(p.qemuBootOrder)).to.equal('/pci@i0cf8/scsi@2/disk@0,0\0');
    expect(requirePredictable(parseQemuCommandLine(`${VM} -drive if=virtio,format=raw,file=/d.img`)).qemuBootOrder).to.equal(undefined);
  });

  it('-boot order=, once= and menu= add nothing (QEMU passes an empty file); strict=on adds HALT after the entries', () => {
    const d = (boot: string): string | undefined => text(bootOrderOf(parseQemuCommandLine(`${VM} -drive if=none,id=d0,format=raw,file=/d.img -device virtio-blk-pci,drive=d0${boot}`), []));
    expect(d(' -boot order=n,once=c,menu=on')).to.equal(undefined);
    expect(d(',bootindex=3 -boot strict=on')).to.equal('/pci@i0cf8/scsi@2/disk@0,0\nHALT\0');
    expect(mapToPredict(parseQemuCommandLine(`${VM} -boot order=n,menu=on,splash-time=3000`)).findings).to.deep.equal([]);
  });

  it('every disk kind and NICs, in bootindex order; SCSI, SATA and IDE through their controllers', () => {
    const line = `${VM} -drive if=none,id=d0,format=raw,file=/a -device nvme,drive=d0,serial=x,bootindex=3 -drive if=none,id=d1,format=raw,file=/b
      -device ide-hd,drive=d1,bus=ide.2,bootindex=1 -device virtio-scsi-pci,id=s -drive if=none,id=d2,format=raw,file=/c -device scsi-hd,drive=d2,bus=s.0,scsi-id=3,lun=0,bootindex=2
      -netdev user,id=n0 -device e1000e,netdev=n0,bootindex=4`;
    expect(text(bootOrderOf(parseQemuCommandLine(line), []))).to.equal(
      '/pci@i0cf8/pci8086,2922@1f,2/drive@2/disk@0\n/pci@i0cf8/scsi@3/channel@0/disk@3,0\n/pci@i0cf8/pci1b36,0010@2/namespace@1,0\n/pci@i0cf8/ethernet@4/ethernet-phy@0\0',
    );
    const pc = `${VM.replace('-machine q35', '-machine pc')} -drive if=none,id=d0,format=raw,file=/a -device ahci,id=a -device ide-hd,drive=d0,bus=a.1,bootindex=1 -drive if=none,id=d1,format=raw,file=/b -device ide-hd,drive=d1,bus=ide.1,unit=0,bootindex=2`;
    expect(text(bootOrderOf(parseQemuCommandLine(pc), []))).to.equal('/pci@i0cf8/pci8086,2922@3/drive@1/disk@0\n/pci@i0cf8/ide@1,1/drive@1/disk@0\0');
  });

  it("libvirt's <boot order='1'/> on a disk behind a pcie-root-port (virsh 9.0's command line)", () => {
    const d = parseQemuCommandLine(fixture('q35-desktop.virsh-9.0.args'));
    const findings: BootOrderFinding[] = [];
    const file = text(bootOrderOf(d, findings));
    expect(findings).to.deep.equal([]);
    expect(d.devices.find((x) => x.bootindex === 1)?.pci?.devicePath).to.equal('PciRoot(0x0)/Pci(0x2,0x3)/Pci(0x0,0x0)');
    expect(file).to.equal('/pci@i0cf8/pci-bridge@2,3/scsi@0/disk@0,0\nHALT\0');
  });

  it("libvirt XML: <boot order='1'/> and <os><boot dev='hd'/> give the same file as libvirt's own command line", () => {
    for (const f of ['q35-desktop', 'q35-virtio-disk-net']) {
      const ours = bootOrderOf(describeQemuCommand(domainToQemuCommand(fixture(`${f}.xml`), `${f}.xml`)), []);
      const libvirt = bootOrderOf(parseQemuCommandLine(fixture(`${f}.virsh-9.0.args`)), []);
      expect(text(ours), f).to.equal(text(libvirt));
      expect(text(ours), f).to.match(/^\/pci@i0cf8\/pci-bridge@[0-9a-f,]+\/scsi@0\/disk@0,0\nHALT\0$/);
    }
  });

  it('names a bootindex whose path is not modelled, and refuses one bootindex used twice as QEMU does', () => {
    const findings: BootOrderFinding[] = [];
    bootOrderOf(parseQemuCommandLine(`${VM} -device qemu-xhci,id=x -drive if=none,id=u,format=raw,file=/u -device usb-storage,drive=u,bus=x.0,bootindex=1`), findings);
    expect(findings.map((f) => f.reason)).to.deep.equal(['bootindex: bootindex on usb-storage: its OpenFirmware path is not modelled']);
    const twice = `${VM} -drive if=none,id=d0,format=raw,file=/a -device virtio-blk-pci,drive=d0,bootindex=1 -netdev user,id=n0 -device e1000,netdev=n0,bootindex=1`;
    expect(() => bootOrderOf(parseQemuCommandLine(twice), [])).to.throw(QemuConfigError, /The bootindex 1 has already been used/);
  });
});
