import { expect } from 'chai';
import { QemuConfigError, parseShellCommand, splitShellWords } from '@tcg2sim/qemu-config';

function fails(text: string, offset: number): void {
  try {
    splitShellWords(text);
  } catch (e) {
    expect(e).to.be.instanceOf(QemuConfigError);
    expect((e as QemuConfigError).code).to.equal('BAD_SHELL');
    expect((e as QemuConfigError).offset).to.equal(offset);
    return;
  }
  expect.fail(`no error for ${JSON.stringify(text)}`);
}

describe('shell words (command lines as libvirt logs them)', () => {
  it("splits libvirt's log layout: env assignments, backslash-newline continuations, single-quoted JSON", () => {
    const text = [
      'LC_ALL=C \\',
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin \\',
      'HOME=/var/lib/libvirt/qemu/domain-1-vm1 \\',
      '/usr/bin/qemu-system-x86_64 \\',
      '-name guest=vm1,debug-threads=on \\',
      `-blockdev '{"driver":"file","filename":"/var/lib/libvirt/images/a b.qcow2","node-name":"libvirt-1-storage"}' \\`,
      '-msg timestamp=on',
    ].join('\n');
    const cmd = parseShellCommand(text);
    expect([...cmd.env.keys()]).to.deep.equal(['LC_ALL', 'PATH', 'HOME']);
    expect(cmd.program.text).to.equal('/usr/bin/qemu-system-x86_64');
    expect(cmd.args.map((w) => w.text)).to.deep.equal([
      '-name', 'guest=vm1,debug-threads=on', '-blockdev',
      '{"driver":"file","filename":"/var/lib/libvirt/images/a b.qcow2","node-name":"libvirt-1-storage"}', '-msg', 'timestamp=on',
    ]);
    expect(cmd.args[0]?.offset).to.equal(text.indexOf('-name'));
  });

  it('takes double quotes with their four escapes, backslash escapes and comments', () => {
    expect(splitShellWords('a "b \\" \\\\ \\x" c\\ d # comment\ne').map((w) => w.text)).to.deep.equal(['a', 'b " \\ \\x', 'c d', 'e']);
    expect(splitShellWords("''").map((w) => w.text)).to.deep.equal(['']);
  });

  it('takes /proc/PID/cmdline (NUL-separated words)', () => {
    expect(parseShellCommand('qemu-system-x86_64\0-m\0' + '1024\0').args.map((w) => w.text)).to.deep.equal(['-m', '1024']);
  });

  it("takes `ps -o args` output, where libvirt's JSON arguments are not quoted", () => {
    const ps = '/usr/bin/qemu-system-x86_64 -name guest=vm1,debug-threads=on -device {"driver":"virtio-blk-pci","bus":"pci.3","addr":"0x0","drive":"libvirt-1-format"} -m 1024';
    expect(splitShellWords(ps).map((w) => w.text)).to.deep.equal(['/usr/bin/qemu-system-x86_64', '-name', 'guest=vm1,debug-threads=on', '-device', '{"driver":"virtio-blk-pci","bus":"pci.3","addr":"0x0","drive":"libvirt-1-format"}', '-m', '1024']);
  });

  it('names the offset of what it will not do: unterminated quotes, expansions, operators', () => {
    fails("a 'b", 2);
    fails('a "b', 2);
    fails('a $HOME', 2);
    fails('a "x$y"', 4);
    fails('a | b', 2);
    fails('a `b`', 2);
    fails('a\\', 1);
  });

  it('needs a program', () => {
    expect(() => parseShellCommand('A=1 B=2')).to.throw(QemuConfigError, /no program/);
  });
});
