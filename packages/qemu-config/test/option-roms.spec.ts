import { execFileSync } from 'node:child_process';
import { normalize } from 'node:path';
import { expect } from 'chai';
import { optionRomOf, parseQemuCommandLine, qemuDataDirs } from '@tcg2sim/qemu-config';
import { requirePrerequisites } from '@tcg2sim/test-support';

describe('option ROMs: which file QEMU loads for a device', () => {
  it('romfile= as given, empty disables, rombar=0 hides the BAR, --option-rom-dir replaces the search', () => {
    const d = parseQemuCommandLine('/opt/q/bin/qemu-system-x86_64 -machine q35 -nodefaults -L /my/roms -device e1000e,romfile=/x/e.rom -device e1000,romfile= -device virtio-net-pci,rombar=0 -device VGA');
    const [e1000e, e1000, virtio, vga] = ['e1000e', 'e1000', 'virtio-net-pci', 'VGA'].map((n) => d.devices.find((x) => x.driver === n));
    expect(optionRomOf(e1000e!, d)).to.deep.equal({ name: '/x/e.rom', path: undefined, source: 'romfile', exposed: true });
    expect(optionRomOf(e1000!, d)).to.equal(undefined);
    expect(optionRomOf(virtio!, d)).to.include({ name: 'efi-virtio.rom', source: 'default', exposed: false });
    expect(optionRomOf(vga!, d, '/nowhere')).to.include({ name: 'vgabios-stdvga.bin', path: undefined });
  });

  describe("against Debian's QEMU 7.2 data directories", () => {
    before(function () {
      requirePrerequisites(this, { tools: ['qemu-system-x86_64'], files: ['/usr/lib/ipxe/qemu/efi-virtio.rom', '/usr/share/seabios/vgabios-stdvga.bin'], hint: 'apt-get install -y qemu-system-x86' });
    });
    it('searches the directories `qemu-system-x86_64 -L help` lists, after the -L ones', () => {
      const listed = execFileSync('qemu-system-x86_64', ['-L', 'help'], { encoding: 'utf8' }).trim().split('\n').map((l) => normalize(l.trim()));
      expect(qemuDataDirs('/usr/bin/qemu-system-x86_64', ['/my/roms'])).to.deep.equal(['/my/roms', ...listed]);
    });

    it('finds efi-*.rom in ../lib/ipxe/qemu and vgabios-*.bin in ../share/seabios next to the binary', () => {
      const d = parseQemuCommandLine('/usr/bin/qemu-system-x86_64 -machine q35 -device virtio-net-pci -device e1000e -device qxl-vga -net none');
      const path = (n: string): string | undefined => optionRomOf(d.devices.find((x) => x.driver === n)!, d)?.path;
      expect(path('virtio-net-pci')).to.equal('/usr/lib/ipxe/qemu/efi-virtio.rom');
      expect(path('e1000e')).to.equal('/usr/lib/ipxe/qemu/efi-e1000e.rom');
      expect(path('qxl-vga')).to.equal('/usr/share/seabios/vgabios-qxl.bin');
      expect(path('VGA')).to.equal('/usr/share/seabios/vgabios-stdvga.bin');
    });
  });
});
