/**
 * `predict` WITHOUT --fw-cfg-from-qemu for VMs with a NIC or a disk: QEMU 7.2's ACPI blobs are
 * modelled (qemu-acpi with the PCI devices, their resources placed by qemu-fwcfg's model of
 * OVMF's PciBusDxe over a modelled configuration space: no QEMU runs). Truth: real boots of
 * Debian's OVMF (qemu-fwcfg test/vectors/ovmf-2025.02-pci/): the four "ACPI DATA" events, every
 * other event and PCRs 0-7.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { EXIT } from '@tcg2sim/cli';
import { decodeEventLog } from '@tcg2sim/event-log';
import { requirePrerequisites, tempDir } from '@tcg2sim/test-support';
import { runCli } from './harness.ts';
import { PCI_BUILDS, SHIM, expectSameLog, libvirtFixture, pciVector, writeShimDiskAndNvram } from './ovmf-pci-vectors.ts';

for (const build of PCI_BUILDS) {
  const CODE = build.code;
  const VARS = build.vars;
  const vector = (name: string): Uint8Array => pciVector(build, name);
  describe(`predict without --fw-cfg-from-qemu, a NIC or a disk (Debian ${build.name}) = real boots`, function () {
    this.timeout(180_000);
    const tmp = tempDir('tcg2sim-fwcfg-model-devices-');
    let disk = '';
    let nvram = '';
    before(function () {
      requirePrerequisites(this, { files: [CODE, VARS, SHIM], hint: build.hint });
      ({ disk, nvram } = writeShimDiskAndNvram(build, tmp.path));
    });
    after(() => tmp.remove());

    async function predictLog(name: string, ...args: string[]): Promise<Uint8Array> {
      return (await predictRun(name, true, ...args)).log;
    }
    async function predictRun(name: string, complete: boolean, ...args: string[]): Promise<{ log: Uint8Array; notes: string[] }> {
      const out = join(tmp.path, `${name}.bin`);
      const described = args.includes('--qemu-cmdline') || args.includes('--libvirt-xml');
      const r = await runCli('predict', ...(described ? [] : ['--code', CODE, '--vars', VARS]), ...args, '--log-out', out, '--json');
      expect(r.status, r.err).to.equal(EXIT.OK);
      const json = JSON.parse(r.out) as { complete: boolean; notes: string[] };
      expect(json.complete, json.notes.join('\n')).to.equal(complete);
      expect(json.notes.some((n) => n.startsWith('QEMU 7.2\'s ACPI tables (modelled)'))).to.equal(complete);
      return { log: new Uint8Array(readFileSync(out)), notes: json.notes };
    }

    it('--nic virtio-net-pci (q35): every event and PCRs 0-7', async () => {
      const log = await predictLog('nic', '--nic', 'virtio-net-pci');
      expect(decodeEventLog(log).events.length).to.equal(decodeEventLog(vector('nic')).events.length);
      expectSameLog(log, vector('nic'));
    });
    it('--disk virtio (q35, Debian\'s shim): every event and PCRs 0-7 up to shim\'s image event', async () => {
      expectSameLog(await predictLog('disk', '--disk', disk), vector('disk'));
    });
    if (build.prefix === '') it('--disk virtio on -machine pc: every event and PCRs 0-7 up to shim\'s image event', async () => {
      expectSameLog(await predictLog('pc-disk', '--machine', 'pc', '--disk', disk), vector('pc-disk'));
    });
    const lvLine = (): string => libvirtFixture('q35-libvirt-vm.virsh-9.0.args', { code: CODE, disk, nvram });
    // sid measures SMBIOS too, whose type 1 holds libvirt's -uuid: not modelled, so not complete
    if (build.prefix !== '') {
      it('--qemu-cmdline of the libvirt-shaped VM: INCOMPLETE, naming -uuid (SMBIOS type 1 is not modelled)', async () => {
        const r = await predictRun('lv', false, '--qemu-cmdline', lvLine());
        expect(r.notes.some((n) => n.includes('-uuid'))).to.equal(true);
      });
      return;
    }
    it('--qemu-cmdline of the libvirt-shaped VM (-nodefaults, seven root ports, xhci, virtio-serial, -blk, -net, balloon, rng, isa-serial): every event and PCRs 0-7', async () => {
      expectSameLog(await predictLog('lv', '--qemu-cmdline', lvLine()), vector('lv'));
    });
    it('--libvirt-xml of the same domain: every event and PCRs 0-7', async () => {
      const xml = join(tmp.path, 'lv1.xml');
      writeFileSync(xml, libvirtFixture('q35-libvirt-vm.xml', { code: CODE, disk, nvram }));
      expectSameLog(await predictLog('lv-xml', '--libvirt-xml', xml), vector('lv'));
    });
  });
}
