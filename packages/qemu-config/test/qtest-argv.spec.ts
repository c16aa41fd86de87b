import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { describeQemuCommand, parseShellCommand, qtestArguments } from '@tcg2sim/qemu-config';

const fixture = (name: string): string => readFileSync(new URL(`../../test/fixtures/${name}`, import.meta.url), 'utf8');
const PATHS = { swtpmCtrl: '/q/swtpm-ctrl.sock', varsCopy: '/q/vars.fd', scratchSocket: '/q/qmp.sock' };

describe('predict --fw-cfg-from-qemu: the command line read under qtest', () => {
  for (const name of ['q35-libvirt-vm.virsh-9.0.args', 'q35-virtio-disk-net.virsh-9.0.args', 'pc-pflash-minimal.virsh-9.0.args']) {
    it(`${name}: the same devices where they were; nothing on stdio (qtest's channel), no QMP socket`, () => {
      const cmd = parseShellCommand(fixture(name));
      const args = qtestArguments(cmd, PATHS);
      const after = describeQemuCommand({ env: new Map(), program: cmd.program, args: args.map((t, i) => ({ text: t, offset: i })) });
      const devices = (d: ReturnType<typeof describeQemuCommand>): unknown => d.devices.map((x) => [x.driver, x.pci?.devicePath, x.romfile]);
      expect(devices(after)).to.deep.equal(devices(describeQemuCommand(cmd)));
      expect(after.machine.name).to.equal(describeQemuCommand(cmd).machine.name);
      expect(args).not.to.include('-qmp');
      expect(args.join(' ')).not.to.include('stdio');
      expect(args.join(' ')).to.include(`path=${PATHS.swtpmCtrl}`);
    });
  }
});
