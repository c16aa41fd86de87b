import { expect } from 'chai';
import { QemuConfigError, captureArguments, mapToPredict, parseQemuCommandLine, parseShellCommand, requirePredictable } from '@tcg2sim/qemu-config';

/** capture's own virt VM (docs/armvirt.md §1), as a user would write it. */
const VIRT = `qemu-system-aarch64 -machine virt -cpu cortex-a57 -m 2048 -smp 2
 -drive if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/AAVMF/AAVMF_CODE.secboot.fd
 -drive if=pflash,format=raw,unit=1,file=/var/lib/vm/AAVMF_VARS.fd
 -chardev socket,id=chrtpm,path=/run/vm/swtpm.sock -tpmdev emulator,id=tpm0,chardev=chrtpm -device tpm-tis-device,tpmdev=tpm0
 -net none -display none -serial stdio`;

function reasons(line: string): string {
  return mapToPredict(parseQemuCommandLine(line)).findings.map((f) => `${f.origin.text}: ${f.reason}`).join('\n');
}

describe('a qemu-system-aarch64 -M virt command line onto the ArmVirtQemu prediction', () => {
  it('memory, CPUs, pflash units, tpm-tis-device; the machine, CPU and -smp kept for the fw_cfg read', () => {
    const d = parseQemuCommandLine(VIRT);
    expect(d.machine.family).to.equal('virt');
    expect(d.tpm?.model).to.equal('tpm-tis-device');
    expect(d.devices.map((x) => x.driver)).to.deep.equal(['tpm-tis-device']);
    const p = requirePredictable(d);
    expect(p.machine).to.equal('virt');
    expect([p.memoryMiB, p.cpus, p.tpmInterface]).to.deep.equal([2048, 2, 'tis']);
    expect(p.firmware).to.deep.equal({ kind: 'pflash', code: '/usr/share/AAVMF/AAVMF_CODE.secboot.fd', vars: '/var/lib/vm/AAVMF_VARS.fd' });
    expect(p.virt).to.deep.equal({ machine: 'virt', cpu: 'cortex-a57', smp: '2' });
  });

  it('-blockdev pflash nodes, virt-7.2, -cpu max, a -smp topology and -nodefaults', () => {
    const p = requirePredictable(parseQemuCommandLine(`qemu-system-aarch64 -machine virt-7.2,accel=tcg -cpu max -m 1536 -smp 3,sockets=1,cores=3,threads=1 -nodefaults
      -blockdev driver=file,node-name=cf,filename=/fw/CODE.fd,read-only=on -blockdev driver=raw,node-name=c,file=cf,read-only=on
      -blockdev driver=file,node-name=vf,filename=/vm/VARS.fd -blockdev driver=raw,node-name=v,file=vf -machine pflash0=c,pflash1=v
      -chardev socket,id=t,path=/s -tpmdev emulator,id=tpm0,chardev=t -device tpm-tis-device,tpmdev=tpm0 -display none -serial mon:stdio`));
    expect(p.firmware).to.deep.equal({ kind: 'pflash', code: '/fw/CODE.fd', vars: '/vm/VARS.fd' });
    expect(p.virt).to.deep.equal({ machine: 'virt-7.2', cpu: 'max', smp: '3,sockets=1,cores=3,threads=1' });
  });

  it("NICs and disks on virt's pcie.0 from slot 1 (00.0 is the GPEX host bridge): the default NIC, -nic, -drive (virt: if=virtio), nvme, virtio-scsi", () => {
    const nic = requirePredictable(parseQemuCommandLine(VIRT.replace('-net none', '')));
    expect(nic.nics).to.deep.equal([{ model: 'virtio-net-pci', pciPath: 'PciRoot(0x0)/Pci(0x1,0x0)' }]);
    const two = requirePredictable(parseQemuCommandLine(`${VIRT.replace('-net none', '-nic user,model=virtio-net-pci,mac=52:54:00:aa:bb:cc')} -drive file=/vm/disk.img,format=raw`));
    expect(two.nics).to.deep.equal([{ model: 'virtio-net-pci', pciPath: 'PciRoot(0x0)/Pci(0x1,0x0)', mac: '52:54:00:aa:bb:cc' }]);
    expect([two.disk, two.diskInterface, two.diskPlacement]).to.deep.equal(['/vm/disk.img', 'virtio', { pci: 'PciRoot(0x0)/Pci(0x2,0x0)' }]);
    const nvme = requirePredictable(parseQemuCommandLine(`${VIRT} -drive file=/vm/a.img,format=raw,if=none,id=d0 -device nvme,serial=s0,drive=d0`));
    expect([nvme.diskInterface, nvme.diskPlacement]).to.deep.equal(['nvme', { pci: 'PciRoot(0x0)/Pci(0x1,0x0)', serial: 's0' }]);
    const scsi = requirePredictable(parseQemuCommandLine(`${VIRT} -device pcie-root-port,id=rp1,chassis=1 -device virtio-scsi-pci,id=s,bus=rp1 -drive file=/vm/a.img,format=raw,if=none,id=d0 -device scsi-hd,bus=s.0,scsi-id=2,drive=d0`));
    expect([scsi.diskInterface, scsi.diskPlacement]).to.deep.equal(['scsi', { pci: 'PciRoot(0x0)/Pci(0x1,0x0)/Pci(0x0,0x0)', unit: 2 }]);
  });

  it("bootindex on virt: QEMU's bootorder paths under /pci@ffffffffffffffff (read back from QEMU 7.2 over qtest)", () => {
    const p = requirePredictable(parseQemuCommandLine(`${VIRT.replace('-net none', '-netdev user,id=n0 -device virtio-net-pci,netdev=n0,bootindex=2')} -drive file=/vm/a.img,format=raw,if=none,id=d0 -device virtio-blk-pci,drive=d0,bootindex=1 -boot strict=on`));
    expect(Buffer.from(p.qemuBootOrder ?? []).toString('latin1')).to.equal('/pci@ffffffffffffffff/scsi@2/disk@0,0\n/pci@ffffffffffffffff/ethernet@1/ethernet-phy@0\nHALT\0');
  });

  it('refuses by name: other NIC models, bootindex, qcow2 disks, other devices; takes an AHCI controller with SATA disks', () => {
    expect(reasons(VIRT.replace('-net none', '-nic user,model=rtl8139'))).to.match(/^-nic user,model=rtl8139: NIC model rtl8139 on virt: not modelled \(virtio-net-pci, e1000 and e1000e are\)/);
    expect(requirePredictable(parseQemuCommandLine(VIRT.replace('-net none', '-nic user,model=e1000e'))).nics).to.deep.equal([{ model: 'e1000e', pciPath: 'PciRoot(0x0)/Pci(0x1,0x0)' }]);
    expect(reasons(`${VIRT} -device virtio-rng-pci,bootindex=1`)).to.match(/bootindex on virtio-rng-pci: its OpenFirmware path is not modelled/);
    expect(reasons(`${VIRT} -drive file=/vm/disk.qcow2,format=qcow2`)).to.match(/^-drive file=\/vm\/disk.qcow2,format=qcow2: a qcow2 image is not modelled/);
    // an AHCI controller and its SATA disks are taken (no driver in ArmVirtQemu), a bootindex on them is not
    const sata = `${VIRT} -device ahci,id=a -drive file=/vm/a.qcow2,format=qcow2,if=none,id=d0 -device ide-hd,bus=a.0,drive=d0`;
    expect(reasons(sata)).to.equal('');
    expect(requirePredictable(parseQemuCommandLine(sata)).virt?.ahciControllers).to.equal(1);
    expect(requirePredictable(parseQemuCommandLine(sata)).disk).to.equal(undefined);
    expect(reasons(sata.replace('drive=d0', 'drive=d0,bootindex=1'))).to.match(/bootindex on ide-hd on virt: a SATA boot entry is not modelled/);
    expect(reasons(`${VIRT} -device virtio-rng-pci`)).to.match(/^-device virtio-rng-pci: virtio-rng-pci: devices other than tpm-tis-device, virtio-net-pci/);
  });

  it('refuses by name: no -cpu (cortex-a15), an unchecked CPU model, CPU features, machine properties, KVM, -boot, -global, -fw_cfg, -bios, tpm-tis', () => {
    expect(reasons(VIRT.replace('-cpu cortex-a57 ', ''))).to.match(/32-bit cortex-a15/);
    expect(reasons(VIRT.replace('cortex-a57', 'cortex-a72'))).to.match(/^-cpu cortex-a72: CPU model cortex-a72: not checked/);
    expect(reasons(VIRT.replace('cortex-a57', 'cortex-a57,pmu=off'))).to.match(/CPU features pmu/);
    expect(reasons(VIRT.replace('-machine virt', '-machine virt,gic-version=host'))).to.match(/gic-version=host takes the host's GIC under KVM/);
    expect(reasons(VIRT.replace('-machine virt', '-machine virt,gic-version=4,virtualization=on'))).to.match(/gic-version=4 is not modelled on virt \(2, 3 and max are\)[\s\S]*machine property virtualization=on/);
    expect(reasons(VIRT.replace('-machine virt', '-machine virt,its=off'))).to.match(/machine property its=off is not modelled on virt/);
    expect(reasons(VIRT.replace('-machine virt', '-machine virt-7.1'))).to.match(/machine version 7.1/);
    expect(reasons(`${VIRT} -accel kvm`)).to.match(/-accel kvm: ArmVirtQemu is checked under TCG only/);
    expect(reasons(`${VIRT} -boot menu=on`)).to.equal('');
    expect(reasons(`${VIRT} -global virtio-pci.disable-legacy=on`)).to.match(/global virtio-pci.disable-legacy/);
    expect(reasons(`${VIRT} -fw_cfg name=opt/x,string=1`)).to.match(/fw_cfg opt\/x: not modelled on virt/);
    expect(reasons(`${VIRT} -kernel /boot/Image`)).to.match(/^-kernel \/boot\/Image: direct kernel boot/);
    expect(reasons(`${VIRT.replace(/ -drive if=pflash\S+/g, '')} -bios /fw/QEMU_EFI.fd`)).to.match(/give AAVMF as pflash units 0/);
    expect(reasons(VIRT.replace('tpm-tis-device', 'tpm-tis'))).to.match(/tpm-tis on virt: tpm-tis-device is virt's TPM/);
    expect(reasons(VIRT.replace(' -device tpm-tis-device,tpmdev=tpm0', ''))).to.match(/a VM without a TPM measures nothing/);
    expect(() => requirePredictable(parseQemuCommandLine(`${VIRT} -device virtio-gpu-pci`))).to.throw(QemuConfigError, /virtio-gpu-pci/);
  });

  it('gic-version 2, 3 and max and a machine without ACPI (-no-acpi, acpi=off) are taken, and passed on for the fw_cfg read', () => {
    const virt = (line: string): unknown => requirePredictable(parseQemuCommandLine(line)).virt;
    expect(virt(VIRT)).to.deep.equal({ machine: 'virt', cpu: 'cortex-a57', smp: '2' });
    for (const v of ['2', '3', 'max']) expect(virt(VIRT.replace('-machine virt', `-machine virt,gic-version=${v}`))).to.deep.equal({ machine: 'virt', cpu: 'cortex-a57', smp: '2', gicVersion: v });
    expect(virt(`${VIRT} -no-acpi`)).to.deep.equal({ machine: 'virt', cpu: 'cortex-a57', smp: '2', acpi: false });
    expect(virt(VIRT.replace('-machine virt', '-machine virt-7.2,acpi=off,gic-version=3'))).to.deep.equal({ machine: 'virt-7.2', cpu: 'cortex-a57', smp: '2', gicVersion: '3', acpi: false });
    expect(virt(VIRT.replace('-machine virt', '-machine virt,acpi=on'))).to.deep.equal({ machine: 'virt', cpu: 'cortex-a57', smp: '2' });
  });

  it('-no-acpi on an x86 machine is still refused by name', () => {
    const q35 = 'qemu-system-x86_64 -machine q35 -m 512 -drive if=pflash,format=raw,unit=0,readonly=on,file=/c.fd -drive if=pflash,format=raw,unit=1,file=/v.fd -chardev socket,id=c,path=/s -tpmdev emulator,id=t,chardev=c -device tpm-tis,tpmdev=t -no-acpi';
    expect(reasons(q35)).to.match(/^-no-acpi: a machine without ACPI is not modelled$/m);
  });

  it('unknown Arm machines are still refused by name', () => {
    expect(() => parseQemuCommandLine(VIRT.replace('-machine virt', '-machine sbsa-ref'))).to.throw(QemuConfigError, /machine "sbsa-ref" is not modelled/);
  });

  it("capture's rewrite of a virt line: the swtpm socket, the private store, -serial stdio for virt's PL011", () => {
    const a = captureArguments(parseShellCommand(VIRT), { swtpmCtrl: '/c/ctrl', qmp: '/c/qmp', varsCopy: '/c/vars.fd' });
    expect(a.join(' ')).to.include('-drive if=pflash,format=raw,unit=1,file=/c/vars.fd');
    expect(a.join(' ')).to.include('-tpmdev emulator,id=tpm0,chardev=tcg2sim-tpm');
    expect(a.join(' ')).to.include('-device tpm-tis-device,tpmdev=tpm0');
    expect(a.slice(-8)).to.deep.equal(['-serial', 'stdio', '-display', 'none', '-monitor', 'none', '-qmp', 'unix:/c/qmp,server=on,wait=off']);
  });
});
