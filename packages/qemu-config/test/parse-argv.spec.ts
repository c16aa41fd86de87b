import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { QemuConfigError, mapToPredict, parseKeyval, parseQemuCommandLine, parseSize, requirePredictable } from '@tcg2sim/qemu-config';
import type { VmDescription } from '@tcg2sim/qemu-config';

const fixture = (name: string): string => readFileSync(new URL(`../../test/fixtures/${name}`, import.meta.url), 'utf8');

/** The simple q35 VM of the real-boot test, as a hand-written line. */
const SIMPLE = `qemu-system-x86_64 -machine pc-q35-7.2,smm=off -accel tcg -m 1024 -smp 2
 -drive if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd
 -drive if=pflash,format=raw,unit=1,file=/var/lib/vm/OVMF_VARS_4M.fd
 -global ICH9-LPC.disable_s3=1 -global ICH9-LPC.disable_s4=1
 -chardev socket,id=chrtpm,path=/run/vm/swtpm.sock -tpmdev emulator,id=tpm0,chardev=chrtpm -device tpm-crb,tpmdev=tpm0
 -net none -display none -serial stdio`;

function paths(d: VmDescription): string[] {
  return d.devices.map((x) => `${x.driver}@${x.pci?.devicePath ?? x.busProperty ?? '-'}`);
}

function reasons(line: string): string {
  return mapToPredict(parseQemuCommandLine(line)).findings.map((f) => `${f.origin.text}: ${f.reason}`).join('\n');
}

describe('QEMU option syntax', () => {
  it('keyval: implied first key, ",," as a literal comma, bare keys as on', () => {
    expect({ ...parseKeyval('pc-q35-7.2,usb=off,smm', 'type', 'x') }).to.deep.equal({ type: 'pc-q35-7.2', usb: 'off', smm: 'on' });
    expect({ ...parseKeyval('if=pflash,file=/a,,b.fd', undefined, 'x') }).to.deep.equal({ if: 'pflash', file: '/a,b.fd' });
    expect(() => parseKeyval('a=1,a=2', undefined, 'x')).to.throw(QemuConfigError, /given twice/);
  });

  it('sizes with suffixes, -m in MiB by default', () => {
    expect(parseSize('2048', 'x', 1n << 20n)).to.equal(2048n << 20n);
    expect(parseSize('2097152k', 'x', 1n << 20n)).to.equal(2048n << 20n);
    expect(parseSize('2G', 'x')).to.equal(2n << 30n);
    expect(() => parseSize('2X', 'x')).to.throw(QemuConfigError);
  });
});

describe('a QEMU command line into a VM description', () => {
  it('the simple q35 VM: machine, memory, CPUs, S3 off, pflash, tpm-crb, default VGA/CD-ROM, no NIC', () => {
    const d = parseQemuCommandLine(SIMPLE);
    expect(d.machine).to.include({ name: 'pc-q35-7.2', family: 'q35', version: '7.2', smm: false });
    expect(d.memoryMiB).to.equal(1024);
    expect(d.smp).to.include({ cpus: 2, maxCpus: 2 });
    expect(d.tpm).to.include({ model: 'tpm-crb', backend: 'emulator' });
    expect(paths(d)).to.deep.equal([
      'mch@PciRoot(0x0)/Pci(0x0,0x0)', 'ICH9-LPC@PciRoot(0x0)/Pci(0x1F,0x0)', 'ich9-ahci@PciRoot(0x0)/Pci(0x1F,0x2)', 'ICH9-SMB@PciRoot(0x0)/Pci(0x1F,0x3)',
      'VGA@PciRoot(0x0)/Pci(0x1,0x0)', 'tpm-crb@-', 'ide-cd@ide.2',
    ]);
    expect(requirePredictable(d)).to.deep.equal({
      machine: 'q35', memoryMiB: 1024, cpus: 2, maxCpus: 2, smm: false, s3: false,
      cpu: { vendor: 'AuthenticAMD', physBits: 40, page1g: false }, defaultCdrom: true, tpmInterface: 'crb',
      firmware: { kind: 'pflash', code: '/usr/share/OVMF/OVMF_CODE_4M.fd', vars: '/var/lib/vm/OVMF_VARS_4M.fd' }, disk: undefined, qemuBootOrder: undefined,
    });
  });

  it('-m size=…k, -smp with topology and maxcpus, -machine q35 alias, pc PIIX4_PM.disable_s3', () => {
    const d = parseQemuCommandLine('qemu -machine q35 -m size=2097152k,slots=1,maxmem=2097152k -smp 2,sockets=1,cores=2,threads=2 -bios /x/OVMF.fd');
    expect(d.memoryMiB).to.equal(2048);
    expect(d.smp).to.include({ cpus: 2, maxCpus: 4 });
    expect(d.machine.version).to.equal(undefined);
    const pc = requirePredictable(parseQemuCommandLine('qemu -M pc -bios /x/OVMF.fd -net none -tpmdev emulator,id=t,chardev=c -chardev socket,id=c,path=/s -device tpm-tis,tpmdev=t -global PIIX4_PM.disable_s3=1'));
    expect(pc).to.include({ machine: 'pc', s3: false, tpmInterface: 'tis', memoryMiB: 128 });
  });

  it("places devices as QEMU does: -drive if=virtio after the key=value -devices, JSON -devices last, bridges' buses", () => {
    const d = parseQemuCommandLine(`qemu -machine q35 -nodefaults -drive if=virtio,file=/d.img,format=raw
      -device '{"driver":"virtio-rng-pci","id":"rng0"}' -device virtio-balloon-pci -device pcie-root-port,id=rp1,chassis=1,addr=0x4
      -device virtio-serial-pci,bus=rp1 -device pci-bridge,id=br,chassis_nr=2 -device virtio-scsi-pci,bus=br,addr=0x5`);
    expect(paths(d).slice(4)).to.deep.equal([
      'virtio-balloon-pci@PciRoot(0x0)/Pci(0x1,0x0)', 'pcie-root-port@PciRoot(0x0)/Pci(0x4,0x0)', 'virtio-serial-pci@PciRoot(0x0)/Pci(0x4,0x0)/Pci(0x0,0x0)',
      'pci-bridge@PciRoot(0x0)/Pci(0x2,0x0)', 'virtio-scsi-pci@PciRoot(0x0)/Pci(0x2,0x0)/Pci(0x5,0x0)',
      'virtio-blk-pci@PciRoot(0x0)/Pci(0x3,0x0)', 'virtio-rng-pci@PciRoot(0x0)/Pci(0x5,0x0)',
    ]);
    expect(() => parseQemuCommandLine('qemu -machine q35 -device virtio-blk-pci,bus=nope')).to.throw(QemuConfigError, /no PCI bus "nope"/);
    expect(() => parseQemuCommandLine('qemu -machine q35 -device VGA,addr=0x1f')).to.throw(QemuConfigError, /taken by ICH9-LPC/);
    expect(() => parseQemuCommandLine('qemu -machine q35 -device pcie-root-port,id=rp -device VGA,bus=rp,addr=1')).to.throw(QemuConfigError, /only slot 0/);
  });

  it('a raw virtio disk keeps its slot; with the default NIC QEMU adds, both are predicted in their places', () => {
    const base = SIMPLE.replace(' -net none', '');
    expect(requirePredictable(parseQemuCommandLine(`${SIMPLE} -drive if=virtio,format=raw,file=/d.img`)).disk).to.equal('/d.img');
    const withNic = requirePredictable(parseQemuCommandLine(`${base} -drive if=virtio,format=raw,file=/d.img`));
    expect(withNic.nics).to.deep.equal([{ model: 'e1000e', pciPath: 'PciRoot(0x0)/Pci(0x2,0x0)' }]);
    expect(withNic.diskPlacement).to.deep.equal({ pci: 'PciRoot(0x0)/Pci(0x3,0x0)' });
    expect(reasons(`${SIMPLE} -drive if=virtio,file=/d.qcow2`)).to.match(/probed \(no format=\) image is not modelled/);
  });

  it('names every option that changes measurements and is not modelled', () => {
    const r = reasons(`${SIMPLE} -device e1000e,netdev=n0 -netdev user,id=n0 -device VGA,romfile=/x/efi.rom,id=v2 -device nvme,serial=1,drive=d1 -drive if=none,id=d1,file=/n.img
      -fw_cfg name=opt/ovmf/X-PciMmio64Mb,string=65536 -fw_cfg name=opt/com.coreos/config,file=/ign.json -kernel /vmlinuz -device virtio-blk-pci,drive=d2,bootindex=1 -drive if=none,id=d2,file=/b.img,format=raw
      -device foo-device -global virtio-pci.disable-legacy=on -machine max-ram-below-4g=2G`);
    expect(r).not.to.include('-device e1000e,netdev=n0'); // NICs are modelled (predict-devices.spec.ts)
    expect(r).to.include('-device VGA,romfile=/x/efi.rom,id=v2: romfile=/x/efi.rom');
    expect(r).to.include('-device nvme,serial=1,drive=d1: a probed (no format=) image is not modelled');
    expect(r).to.include('-fw_cfg name=opt/ovmf/X-PciMmio64Mb,string=65536: fw_cfg opt/ovmf/X-PciMmio64Mb is read by OVMF');
    expect(r).not.to.include('opt/com.coreos/config');
    expect(r).to.include('-kernel /vmlinuz: direct kernel boot');
    expect(r).not.to.include('bootindex=1: bootindex'); // QEMU's bootorder file is modelled (boot-order.spec.ts)
    expect(r).to.include('-device foo-device: foo-device: a device tcg2sim does not know');
    expect(r).to.include('global virtio-pci.disable-legacy');
    expect(r).to.include('machine property max-ram-below-4g=2G');
    expect(() => requirePredictable(parseQemuCommandLine(`${SIMPLE} -device rtl8139`))).to.throw(QemuConfigError, /^-device rtl8139 \(offset \d+\): NIC model rtl8139 is not modelled/);
  });

  it('accepts silently what does not change measurements', () => {
    const line = `${SIMPLE} -name guest=vm1,debug-threads=on -S -uuid 1b0e3a44-8f2b-4c8e-9d2a-5e6f7a8b9c0d -no-user-config -rtc base=utc,driftfix=slew
      -global kvm-pit.lost_tick_policy=delay -no-hpet -no-shutdown -boot strict=on -device qemu-xhci,id=usb -device usb-tablet,bus=usb.0
      -device virtio-serial-pci,id=vs0 -device virtserialport,bus=vs0.0,nr=1,name=org.qemu.guest_agent.0 -device isa-serial,chardev=s0
      -sandbox on,obsolete=deny -msg timestamp=on -object '{"qom-type":"rng-random","id":"objrng0","filename":"/dev/urandom"}'`;
    expect(mapToPredict(parseQemuCommandLine(line)).findings).to.deep.equal([]);
  });

  it('KVM: the CPUID vendor and address width are the host CPU’s unless pinned on -cpu', () => {
    expect(reasons(SIMPLE.replace('-accel tcg', '-accel kvm'))).to.match(/with -accel kvm the CPUID vendor/);
    const pinned = requirePredictable(parseQemuCommandLine(SIMPLE.replace('-accel tcg', '-enable-kvm -cpu qemu64,vendor=GenuineIntel,phys-bits=39,+pdpe1gb')));
    expect(pinned.cpu).to.deep.equal({ vendor: 'GenuineIntel', physBits: 39, page1g: true });
    expect(reasons(SIMPLE.replace('-accel tcg', '-cpu host'))).to.match(/CPU model host/);
    expect(requirePredictable(parseQemuCommandLine(SIMPLE.replace('-accel tcg', '-cpu qemu64,pdpe1gb=on,phys-bits=44'))).cpu).to.deep.equal({ vendor: 'AuthenticAMD', physBits: 44, page1g: true });
    expect(requirePredictable(parseQemuCommandLine(SIMPLE.replace(' -net none', ' -nic user,model=virtio'))).nics).to.deep.equal([{ model: 'virtio-net-pci', pciPath: 'PciRoot(0x0)/Pci(0x2,0x0)' }]);
  });

  it('reads the command line libvirt 9.0 wrote for a q35 VM (virsh domxml-to-native) and names what is not modelled', () => {
    const d = parseQemuCommandLine(fixture('q35-virtio-disk-net.virsh-9.0.args'));
    expect(d.env['LC_ALL']).to.equal('C');
    expect(d.machine.name).to.equal('pc-q35-7.2');
    expect(d.firmware).to.deep.include({ kind: 'pflash' });
    expect(d.firmware.kind === 'pflash' ? [d.firmware.code.filename, d.firmware.code.readOnly, d.firmware.vars?.filename] : []).to.deep.equal(['/usr/share/OVMF/OVMF_CODE_4M.fd', true, '/var/lib/libvirt/qemu/nvram/vm1_VARS.fd']);
    expect(d.globals.map((g) => `${g.driver}.${g.property}=${g.value}`)).to.deep.equal(['ICH9-LPC.disable_s3=1', 'ICH9-LPC.disable_s4=1']);
    const disk = d.devices.find((x) => x.driver === 'virtio-blk-pci');
    expect(disk?.pci?.devicePath).to.equal('PciRoot(0x0)/Pci(0x1,0x2)/Pci(0x0,0x0)');
    expect(disk?.bootindex).to.equal(1);
    expect(disk?.drive).to.include({ filename: '/var/lib/libvirt/images/vm1.qcow2', format: 'qcow2' });
    const r = mapToPredict(d).findings.map((f) => f.reason);
    expect(r).to.deep.equal(['with -accel kvm the CPUID vendor and physical-address width PlatformPei reads (PCR0) are the host CPU\'s, which tcg2sim cannot see: pin them with -cpu qemu64,vendor=…,phys-bits=… or use -accel tcg', 'a qcow2 image is not modelled (predict reads raw images; give format=raw)']);
    expect(mapToPredict(d).input?.defaultCdrom).to.equal(false);
  });
});
