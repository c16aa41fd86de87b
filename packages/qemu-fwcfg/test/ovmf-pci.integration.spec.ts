import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeEventLog } from '@tcg2sim/event-log';
import { qemuTpmArgs, requirePrerequisites, swtpmPerTest } from '@tcg2sim/test-support';
import { OVMF_2025_02_CHIPSET_STATE, QtestSession, ovmfPciApertures, programFirmwareChipset, programOvmfPci, qtestConfigSpace, readQemuFwCfgFiles } from '@tcg2sim/qemu-fwcfg';
import type { PlacedResource } from '@tcg2sim/qemu-fwcfg';
import { parseInfoPci } from './info-pci.ts';

// Truth: real boots of Debian trixie's OVMF 2025.02 and sid's ovmf-generic 2026.08 (OVMF_CODE_4M.fd, fresh OVMF_VARS_4M.fd)
// under QEMU 7.2 with swtpm (`tcg2sim capture`): the event log and QEMU's HMP `info pci` after
// the boot (test/vectors/ovmf-2025.02-pci/, README there). No firmware runs here: QEMU under qtest.
const VECTORS = new URL('../../test/vectors/ovmf-2025.02-pci/', import.meta.url);
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('OVMF 2025.02 and 2026.08 PCI enumeration under qtest = the real boots\' BARs, windows, buses and ACPI DATA @integration', function () {
  this.timeout(60_000);
  const swtpm = swtpmPerTest('tcg2sim-ovmf-pci-');
  let sock = '';
  const disk = join(swtpm.dir, 'disk.img');

  before(function () {
    requirePrerequisites(this, { tools: ['qemu-system-x86_64', 'swtpm'] });
    writeFileSync(disk, new Uint8Array(1 << 20));
  });
  beforeEach(async () => {
    sock = await swtpm.start();
  });

  const tpm = (iface: string): string[] => qemuTpmArgs(sock, iface);
  // The captures' VMs (the captured command lines without firmware, display and sockets).
  const VMS: Readonly<Record<string, { memMiB: number; machine?: 'pc'; args: () => string[] }>> = {
    nic: { memMiB: 512, args: () => ['-machine', 'q35', '-m', '512', '-smp', '1', ...tpm('tpm-tis'), '-net', 'none', '-serial', 'null', '-netdev', 'user,id=n0', '-device', 'virtio-net-pci,netdev=n0'] },
    disk: { memMiB: 512, args: () => ['-machine', 'q35', '-m', '512', '-smp', '1', ...tpm('tpm-tis'), '-net', 'none', '-serial', 'null', '-drive', `if=none,id=d0,format=raw,snapshot=on,file=${disk}`, '-device', 'virtio-blk-pci,drive=d0'] },
    'pc-disk': { memMiB: 512, machine: 'pc', args: () => ['-machine', 'pc', '-m', '512', '-smp', '1', ...tpm('tpm-tis'), '-net', 'none', '-serial', 'null', '-drive', `if=none,id=d0,format=raw,snapshot=on,file=${disk}`, '-device', 'virtio-blk-pci,drive=d0'] },
    // packages/qemu-config/test/fixtures/q35-libvirt-vm.virsh-9.0.args, libvirt 9.0's line for a
    // q35 domain: seven pcie-root-ports, qemu-xhci, virtio-serial, virtio-blk, virtio-net, balloon, rng
    lv: {
      memMiB: 2048,
      args: () => [
        '-machine', 'pc-q35-7.2,usb=off,dump-guest-core=off', '-accel', 'tcg', '-cpu', 'qemu64', '-m', '2048', '-smp', '2,sockets=2,cores=1,threads=1', '-nodefaults',
        '-global', 'ICH9-LPC.disable_s3=1', '-global', 'ICH9-LPC.disable_s4=1',
        ...[0, 1, 2, 3, 4, 5, 6].flatMap((i) => ['-device', `pcie-root-port,port=${8 + i},chassis=${i + 1},id=pci.${i + 1},bus=pcie.0,${i === 0 ? 'multifunction=on,' : ''}addr=0x1.0x${i}`]),
        '-device', 'qemu-xhci,id=usb,bus=pci.2,addr=0x0',
        '-device', 'virtio-serial-pci,id=virtio-serial0,bus=pci.3,addr=0x0',
        '-drive', `if=none,id=d0,format=raw,snapshot=on,file=${disk}`, '-device', 'virtio-blk-pci,bus=pci.4,addr=0x0,drive=d0,bootindex=1',
        '-netdev', 'user,id=hostnet0', '-device', 'virtio-net-pci,netdev=hostnet0,id=net0,mac=52:54:00:6b:3c:58,bus=pci.1,addr=0x0',
        '-chardev', 'null,id=charserial0', '-device', 'isa-serial,chardev=charserial0,id=serial0,index=0',
        '-chardev', 'null,id=charchannel0', '-device', 'virtserialport,bus=virtio-serial0.0,nr=1,chardev=charchannel0,id=channel0,name=org.qemu.guest_agent.0',
        ...tpm('tpm-crb'),
        '-device', 'virtio-balloon-pci,id=balloon0,bus=pci.5,addr=0x0',
        '-object', 'rng-random,id=objrng0,filename=/dev/urandom', '-device', 'virtio-rng-pci,rng=objrng0,id=rng0,bus=pci.6,addr=0x0',
      ],
    },
  };
  const apertures = (memMiB: number, machine: 'q35' | 'pc' = 'q35'): ReturnType<typeof ovmfPciApertures> => {
    const ram = BigInt(memMiB) << 20n;
    const below = ram >= 0xb000_0000n ? 0x8000_0000n : ram;
    return ovmfPciApertures({ machine, belowFourG: below, aboveFourG: ram - below, pciExpressBase: 0xe000_0000 });
  };

  // trixie's 2025.02 boots, then sid's ovmf-generic 2026.08 boots of the same VMs
  for (const name of [...Object.keys(VMS), ...['nic', 'disk', 'lv'].map((k) => `sid-${k}`)]) {
    const vm = VMS[name.replace(/^sid-/, '')] as (typeof VMS)[string];
    it(`${name}: every BAR, bridge window and bus number where the real boot's \`info pci\` shows them`, async () => {
      const qt = await QtestSession.start({ args: vm.args() });
      try {
        const machine = vm.machine ?? 'q35';
        await programFirmwareChipset(qt, machine, OVMF_2025_02_CHIPSET_STATE[machine]);
        const cs = qtestConfigSpace(qt);
        const placed: PlacedResource[] = await programOvmfPci(cs, apertures(vm.memMiB, machine));
        const real = parseInfoPci(readFileSync(new URL(`${name}.info-pci.txt`, VECTORS), 'utf8'));
        let checked = 0;
        for (const e of real) {
          for (const [bar, base] of e.bars) {
            const p = placed.find((x) => x.function === e.fn && x.what === `bar@0x${(0x10 + 4 * bar).toString(16)}`);
            expect(p?.base, `${e.fn} BAR${bar}`).to.equal(base);
            checked++;
          }
          const windows = placed.filter((x) => x.function === e.fn && x.what.startsWith('window:'));
          expect(windows.length, `${e.fn} windows`).to.equal(e.windows.size);
          for (const [w, r] of e.windows) {
            const p = windows.find((x) => (w === 'pmem' ? x.what.startsWith('window:pmem') : x.what === `window:${w}`));
            expect([p?.base, p !== undefined ? p.base + p.length - 1n : undefined], `${e.fn} ${w} window`).to.deep.equal([r.base, r.limit]);
            checked++;
          }
          if (e.secondary !== undefined) {
            const [bus, dev, fn] = e.fn.split(/[:.]/).map((x) => Number.parseInt(x, 16)) as [number, number, number];
            expect(await cs.read({ bus, dev, fn }, 0x19, 1), `${e.fn} secondary bus`).to.equal(e.secondary);
            expect(await cs.read({ bus, dev, fn }, 0x1a, 1), `${e.fn} subordinate bus`).to.equal(e.subordinate);
          }
        }
        const mapped = real.reduce((a, e) => a + e.bars.size, 0);
        expect(placed.filter((x) => x.what.startsWith('bar@')).length).to.equal(mapped);
        expect(checked).to.be.greaterThan(5);
      } finally {
        await qt.close();
      }
    });

    it(`${name}: then the four blobs have the digests of the real boot's "ACPI DATA" events`, async () => {
      const names = ['etc/table-loader', 'etc/acpi/rsdp', 'etc/tpm/log', 'etc/acpi/tables'];
      const log = decodeEventLog(readFileSync(new URL(`${name}.eventlog.bin`, VECTORS)));
      const acpi = log.events.filter((e) => e.pcrIndex === 1 && Buffer.from(e.eventData).toString('latin1') === 'ACPI DATA');
      const want = acpi.map((e) => Buffer.from(e.digests.find((d) => d.digest.length === 32)?.digest ?? new Uint8Array()).toString('hex'));
      const machine = vm.machine ?? 'q35';
      const files = await readQemuFwCfgFiles({ machine, args: vm.args(), names, chipset: OVMF_2025_02_CHIPSET_STATE[machine], pci: apertures(vm.memMiB, machine) });
      expect(want).to.have.length(4);
      expect([...want].sort()).to.deep.equal(names.map((x) => sha256(files.get(x) ?? new Uint8Array())).sort());
    });

    it(`${name}: without the programming (QEMU's reset state) etc/acpi/tables is not what the firmware measured`, async () => {
      const log = decodeEventLog(readFileSync(new URL(`${name}.eventlog.bin`, VECTORS)));
      const want = log.events.filter((e) => e.pcrIndex === 1).map((e) => Buffer.from(e.digests.find((d) => d.digest.length === 32)?.digest ?? new Uint8Array()).toString('hex'));
      const machine = vm.machine ?? 'q35';
      const unprogrammed = await readQemuFwCfgFiles({ machine, args: vm.args(), names: ['etc/acpi/tables'], chipset: OVMF_2025_02_CHIPSET_STATE[machine] });
      expect(want).to.not.include(sha256(unprogrammed.get('etc/acpi/tables') ?? new Uint8Array()));
    });
  }
});
