/**
 * `predict --fw-cfg-from-qemu` for VMs with PCI devices on Debian trixie's OVMF 2025.02: QEMU builds
 * etc/acpi/tables from the PCI resources OVMF assigned, which the reader programs first
 * (qemu-fwcfg ovmf-pci/). Truth: real boots (qemu-fwcfg test/vectors/ovmf-2025.02-pci/).
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
describe(`predict --fw-cfg-from-qemu with PCI devices (Debian ${build.name}) = real boots @integration`, function () {
  this.timeout(180_000);
  const tmp = tempDir('tcg2sim-fwcfg-devices-');
  let disk = '';
  let nvram = '';
  before(function () {
    requirePrerequisites(this, { files: [CODE, VARS], hint: build.hint });
    requirePrerequisites(this, { files: [SHIM], tools: ['qemu-system-x86_64', 'swtpm'] });
    ({ disk, nvram } = writeShimDiskAndNvram(build, tmp.path));
  });
  after(() => tmp.remove());

  async function predictLog(name: string, ...args: string[]): Promise<{ log: Uint8Array; complete: boolean }> {
    const out = join(tmp.path, `${name}.bin`);
    const r = await runCli('predict', ...args, '--fw-cfg-from-qemu', '--log-out', out, '--json');
    expect(r.status, r.err).to.equal(EXIT.OK);
    return { log: new Uint8Array(readFileSync(out)), complete: (JSON.parse(r.out) as { complete: boolean }).complete };
  }

  for (const tpm of ['soft', 'swtpm'] as const) {
    it(`--disk (virtio, Debian's shim), ${tpm} TPM: every event and PCRs 0-7 as the real boot, up to shim's image event`, async function () {
      if (tpm === 'swtpm') requirePrerequisites(this, { tools: ['swtpm_setup'] });
      const p = await predictLog(`disk-${tpm}`, '--code', CODE, '--vars', VARS, '--disk', disk, '--tpm', tpm);
      expect(p.complete).to.equal(true);
      expectSameLog(p.log, vector('disk'));
    });

    it(`--qemu-cmdline of the libvirt-shaped VM (root ports, xhci, virtio-serial, balloon, rng, virtio-net, shim disk), ${tpm} TPM: every event and PCRs 0-7`, async function () {
      if (tpm === 'swtpm') requirePrerequisites(this, { tools: ['swtpm_setup'] });
      const line = libvirtFixture('q35-libvirt-vm.virsh-9.0.args', { code: CODE, disk, nvram });
      const p = await predictLog(`lv-${tpm}`, '--qemu-cmdline', line, '--tpm', tpm);
      expect(p.complete).to.equal(true);
      expectSameLog(p.log, vector('lv'));
    });
  }

  it('--libvirt-xml of the same domain (libvirt 9.0\'s command line for it is read under qtest): every event and PCRs 0-7', async () => {
    const xml = join(tmp.path, 'lv1.xml');
    writeFileSync(xml, libvirtFixture('q35-libvirt-vm.xml', { code: CODE, disk, nvram }));
    const p = await predictLog('lv-xml', '--libvirt-xml', xml);
    expect(p.complete).to.equal(true);
    expectSameLog(p.log, vector('lv'));
  });

  it('--nic virtio-net-pci: every measurement as the real boot, the whole log (NetworkPkg waits for an RNG: only iPXE\'s boot option)', async () => {
    const p = await predictLog('nic', '--code', CODE, '--vars', VARS, '--nic', 'virtio-net-pci');
    expect(p.complete).to.equal(true);
    // trixie starts the Shell after the failed network attempt; sid (no Shell, its UiApp option is
    // LOAD_OPTION_CATEGORY_APP) processes PlatformRecovery0000, whose ReadyToBoot adds PCR4's
    // "Returning …"/"Calling …" after the separators (BdsEntry.c, BmLoadOption.c)
    expect(decodeEventLog(p.log).events.length).to.equal(decodeEventLog(vector('nic')).events.length);
    expectSameLog(p.log, vector('nic'));
  });

  // captured with trixie's image only
  if (build.prefix === '') it('a NIC and virtio-rng-pci (--qemu-cmdline): NetworkPkg runs, five network options, every measurement as the real boot', async () => {
    const line = `qemu-system-x86_64 -machine q35 -m 512 -drive if=pflash,format=raw,unit=0,readonly=on,file=${CODE} -drive if=pflash,format=raw,unit=1,file=${nvram}` +
      ' -chardev socket,id=chrtpm,path=/run/swtpm.sock -tpmdev emulator,id=tpm0,chardev=chrtpm -device tpm-tis,tpmdev=tpm0 -net none -netdev user,id=n0 -device virtio-net-pci,netdev=n0 -device virtio-rng-pci';
    const p = await predictLog('nic-rng', '--qemu-cmdline', line);
    expect(p.complete).to.equal(true);
    expectSameLog(p.log, vector('nic-rng'));
  });
});
}
