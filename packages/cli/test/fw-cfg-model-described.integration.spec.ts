/**
 * predict's modelled ACPI blobs for VMs given as a QEMU command line (fw-cfg-model-described.ts,
 * no QEMU) against what --fw-cfg-from-qemu reads for the same line (the installed QEMU 7.2 under
 * qtest, the PCI hierarchy programmed as OVMF leaves it): byte-equal when the model covers the
 * line; a line outside the model is uncovered (predict then says INCOMPLETE). The lines: the
 * libvirt-shaped VMs of test/vectors/libvirt-vm/ and lines made for the serial port, the default
 * NIC and pc.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { decompressMemFvsAsync } from '@tcg2sim/platform-ovmf';
import type { SecOutput } from '@tcg2sim/platform-ovmf';
import { requirePrerequisites, tempDir, FIRMWARE_CACHE as CACHE } from '@tcg2sim/test-support';
import { modelledFwCfgFiles } from '../src/commands/fw-cfg-model.ts';
import { vmFwCfgFiles } from '../src/commands/fw-cfg-qemu.ts';
import { scenarioOf } from '../src/commands/predict-boot.ts';
import { vmCommand, vmPredictInput } from '../src/vm-input.ts';

const DIR = join(CACHE, 'debian-trixie', 'usr', 'share', 'OVMF');
const CODE = join(DIR, 'OVMF_CODE_4M.fd');
const VARS = join(DIR, 'OVMF_VARS_4M.fd');
const vectors = new URL('../../test/vectors/libvirt-vm/', import.meta.url);

interface Line {
  readonly name: string;
  readonly line: string;
  /** Part of the reason the model gives when the line is outside it. */
  readonly uncovered?: string;
}

const FW = `-drive if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd -drive if=pflash,format=raw,unit=1,file=@VARS_COPY@`;
const TPM = (model: string): string => `-chardev socket,id=chrtpm,path=/run/swtpm.sock -tpmdev emulator,id=tpm0,chardev=chrtpm -device ${model},tpmdev=tpm0`;
const MADE: Line[] = [
  { name: 'q35 default NIC (e1000e), TIS', line: `qemu-system-x86_64 -machine q35 -m 1024 -smp 2 ${FW} ${TPM('tpm-tis')}` },
  { name: 'pc default NIC (e1000), CRB', line: `qemu-system-x86_64 -machine pc-i440fx-7.2 -m 3072 ${FW} ${TPM('tpm-crb')}` },
  { name: '-serial none', line: `qemu-system-x86_64 -machine pc -m 512 ${FW} ${TPM('tpm-crb')} -serial none`, uncovered: 'no serial port' },
  { name: 'q35 -nodefaults, isa-serial after tpm-tis, NIC on bus 0', line: `qemu-system-x86_64 -machine pc-q35-7.2 -m 512 -nodefaults ${FW} ${TPM('tpm-tis')} -chardev null,id=s0 -device isa-serial,chardev=s0 -netdev user,id=n0 -device virtio-net-pci,netdev=n0` },
  { name: 'pc -nodefaults, isa-serial before tpm-tis, two NICs', line: `qemu-system-x86_64 -machine pc -m 2048 -nodefaults ${FW} -chardev null,id=s0 -device isa-serial,chardev=s0 ${TPM('tpm-tis')} -netdev user,id=n0 -device e1000,netdev=n0 -netdev user,id=n1 -device virtio-net-pci,netdev=n1,addr=0x7` },
  { name: 'q35 root ports with nvme and e1000e, 4 CPUs, 5 GiB, S3/S4 off', line: `qemu-system-x86_64 -machine q35 -m 5120 -smp 4,sockets=1,cores=4 ${FW} ${TPM('tpm-tis')} -global ICH9-LPC.disable_s3=1 -global ICH9-LPC.disable_s4=1 -net none -device pcie-root-port,id=rp1,chassis=1 -drive if=none,id=d0,format=raw,file=@DISK@ -device nvme,bus=rp1,serial=x,drive=d0 -device pcie-root-port,id=rp2,chassis=2,addr=0x9 -netdev user,id=n0 -device e1000e,netdev=n0,bus=rp2` },
  { name: 'acpi-index', line: `qemu-system-x86_64 -machine q35 -m 512 ${FW} ${TPM('tpm-tis')} -net none -netdev user,id=n0 -device virtio-net-pci,netdev=n0,acpi-index=3`, uncovered: 'acpi-index' },
  { name: 'root port reservation', line: `qemu-system-x86_64 -machine q35 -m 512 ${FW} ${TPM('tpm-tis')} -net none -device pcie-root-port,id=rp1,chassis=1,pref64-reserve=1G`, uncovered: 'pref64-reserve' },
  { name: 'virtio without its legacy interface', line: `qemu-system-x86_64 -machine q35 -m 512 ${FW} ${TPM('tpm-tis')} -net none -netdev user,id=n0 -device virtio-net-pci,netdev=n0,disable-legacy=on`, uncovered: 'disable-legacy' },
  { name: '-parallel', line: `qemu-system-x86_64 -machine q35 -m 512 -parallel none ${FW} ${TPM('tpm-tis')} -net none`, uncovered: '-parallel' },
  { name: '-no-hpet', line: `qemu-system-x86_64 -machine q35 -m 512 -no-hpet ${FW} ${TPM('tpm-tis')} -net none`, uncovered: '-no-hpet' },
];

describe('predict\'s modelled ACPI blobs for --qemu-cmdline VMs = --fw-cfg-from-qemu\'s @integration', function () {
  this.timeout(180_000);
  const tmp = tempDir('tcg2sim-fwcfg-described-');
  let sec: SecOutput;
  before(async function () {
    requirePrerequisites(this, { files: [CODE, VARS], hint: 'run scripts/fetch-debian-firmware.sh trixie' });
    requirePrerequisites(this, { tools: ['qemu-system-x86_64', 'swtpm'] });
    sec = await decompressMemFvsAsync(new Uint8Array(readFileSync(CODE)));
    writeFileSync(join(tmp.path, 'disk.img'), new Uint8Array(4 << 20));
    copyFileSync(VARS, join(tmp.path, 'vars.fd'));
  });
  after(() => tmp.remove());

  const captured = JSON.parse(readFileSync(new URL('command-lines.json', vectors), 'utf8')) as Array<{ name: string; line: string }>;
  for (const c of [...captured.map((x): Line => ({ ...x, ...(x.name === 'BR' ? { uncovered: 'pci-bridge' } : {}) })), ...MADE]) {
    it(`${c.name}: ${c.uncovered !== undefined ? `uncovered (${c.uncovered})` : 'byte-equal'}`, async () => {
      const text = c.line.replaceAll('/usr/share/OVMF/OVMF_CODE_4M.fd', CODE).replaceAll('@DISK@', join(tmp.path, 'disk.img')).replaceAll('@VARS_COPY@', join(tmp.path, 'vars.fd'))
        .replaceAll('/usr/share/OVMF/OVMF_VARS_4M.fd', join(tmp.path, 'vars.fd'));
      const o = { qemuCmdline: text };
      const vm = await vmPredictInput(o);
      if (vm === undefined) throw new Error('no VM');
      const s = await scenarioOf(o, vm);
      const { cmd } = await vmCommand(o);
      const model = await modelledFwCfgFiles(s, sec, cmd);
      if (c.uncovered !== undefined) {
        expect('uncovered' in model ? model.uncovered : 'covered').to.include(c.uncovered);
        return;
      }
      if ('uncovered' in model) throw new Error(model.uncovered);
      const qemu = await vmFwCfgFiles(s, sec, { cmd, flag: '--qemu-cmdline', cpu: vm.cpu });
      expect(qemu.note).not.to.match(/INCOMPLETE/);
      for (const [name, bytes] of model.files) expect(Buffer.from(bytes).toString('hex'), name).to.equal(Buffer.from(qemu.files.get(name) ?? []).toString('hex'));
    });
  }
});
