import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { captureArguments, describeQemuCommand, parseShellCommand } from '@tcg2sim/qemu-config';
import type { VmDescription } from '@tcg2sim/qemu-config';

const fixture = (name: string): string => readFileSync(new URL(`../../test/fixtures/${name}`, import.meta.url), 'utf8');
const PATHS = { swtpmCtrl: '/cap/swtpm-ctrl.sock', qmp: '/cap/qmp.sock', varsCopy: '/cap/vars.fd' };

/** The VM facts a capture must keep: every device where it was, the machine, memory, CPUs, TPM model. */
function vm(d: VmDescription): unknown {
  return {
    machine: d.machine.name, memoryMiB: d.memoryMiB, smp: d.smp, cpu: d.cpu.model, accel: d.accel, tpm: d.tpm?.model,
    globals: d.globals.map((g) => `${g.driver}.${g.property}=${g.value}`),
    devices: d.devices.map((x) => [x.driver, x.pci?.devicePath, x.bootindex, x.romfile, x.drive?.filename, x.drive?.format]),
    code: d.firmware.kind === 'pflash' ? d.firmware.code.filename : undefined,
  };
}

describe("capture --qemu-cmdline's command line: the user's VM with the capture's plumbing", () => {
  for (const name of ['q35-desktop.virsh-9.0.args', 'q35-virtio-disk-net.virsh-9.0.args']) {
    it(`${name}: same VM; TPM on the capture's swtpm, private VARS, console on stdio, no fds, not paused`, () => {
      const cmd = parseShellCommand(fixture(name));
      const args = captureArguments(cmd, PATHS);
      const text = args.join(' ');
      const after = describeQemuCommand({ env: new Map(), program: cmd.program, args: args.map((t, i) => ({ text: t, offset: i })) });
      expect(vm(after)).to.deep.equal(vm(describeQemuCommand(cmd)));
      expect(after.firmware.kind === 'pflash' ? after.firmware.vars?.filename : undefined).to.equal(PATHS.varsCopy);
      expect(after.tpm?.backend).to.equal('emulator');
      expect(text).to.include(`-chardev socket,id=tcg2sim-tpm,path=${PATHS.swtpmCtrl}`);
      expect(text).to.include(`-qmp unix:${PATHS.qmp},server=on,wait=off`);
      const hasSerial = describeQemuCommand(cmd).devices.some((x) => x.driver === 'isa-serial');
      expect(text).to.include(hasSerial ? '-chardev stdio,id=charserial0,signal=off' : '-serial stdio');
      expect(args).not.to.include('-S');
      expect(text).not.to.match(/fd=\d/);
      expect(text).not.to.include('master-key.aes');
      for (const b of args.filter((_, i) => args[i - 1] === '-blockdev').map((a) => JSON.parse(a) as Record<string, unknown>)) {
        if (String(b['node-name']).startsWith('libvirt-pflash')) continue;
        expect(b['read-only'], `${String(b['node-name'])} is opened read-only`).to.equal(true);
      }
    });
  }

  it('a hand-written line: pflash unit 1 on the copy, -serial stdio added, display and monitor off', () => {
    const args = captureArguments(parseShellCommand('qemu-system-x86_64 -machine q35 -drive if=pflash,format=raw,unit=0,readonly=on,file=/c.fd -drive if=pflash,format=raw,unit=1,file=/v.fd -tpmdev passthrough,id=t0,path=/dev/tpm0 -device tpm-tis,tpmdev=t0 -drive file=/d.img,if=virtio,format=raw -daemonize -pidfile /run/q.pid'), PATHS);
    expect(args).to.deep.equal([
      '-machine', 'q35', '-drive', 'if=pflash,format=raw,unit=0,readonly=on,file=/c.fd', '-drive', 'if=pflash,format=raw,unit=1,file=/cap/vars.fd',
      '-chardev', 'socket,id=tcg2sim-tpm,path=/cap/swtpm-ctrl.sock', '-tpmdev', 'emulator,id=t0,chardev=tcg2sim-tpm', '-device', 'tpm-tis,tpmdev=t0',
      '-drive', 'file=/d.img,if=virtio,format=raw,snapshot=on', '-serial', 'stdio', '-display', 'none', '-monitor', 'none', '-qmp', 'unix:/cap/qmp.sock,server=on,wait=off',
    ]);
  });
});
