import { expect } from 'chai';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OVMF_DIR, requirePrerequisites, tempDir } from '@tcg2sim/test-support';
import { runCli } from './harness.ts';

/** Exit 2 with exactly one line on stderr, naming `what`. */
function expectUsageError(r: { status: number; out: string; err: string }, what: string): void {
  expect(r.status).to.equal(2);
  expect(r.out).to.equal('');
  const lines = r.err.split('\n').filter((l) => l !== '');
  expect(lines).to.have.length(1);
  expect(lines[0]).to.include(what);
}

describe('tcg2sim predict --nic', function () {
  this.timeout(120_000);
  const tmp = tempDir('tcg2sim-cli-nic-');
  after(() => tmp.remove());
  const code = join(OVMF_DIR, 'OVMF_CODE_4M.fd');
  const vars = join(OVMF_DIR, 'OVMF_VARS_4M.fd');

  it('exits 2 with one line for an unknown NIC model', async () => {
    expectUsageError(await runCli('predict', '--nic', 'rtl8139'), 'nics[0]');
  });

  it('exits 2 with one line naming the ROM file when --option-rom-dir lacks it', async () => {
    expectUsageError(await runCli('predict', '--nic', 'e1000e', '--option-rom-dir', tmp.path), 'efi-e1000e.rom');
  });

  it('exits 2 with one line naming file, structure and offset for a damaged ROM', async function () {
    requirePrerequisites(this, { files: [code, vars] });
    writeFileSync(join(tmp.path, 'efi-virtio.rom'), new Uint8Array(4096));
    expectUsageError(
      await runCli('predict', '--code', code, '--vars', vars, '--nic', 'virtio-net-pci', '--option-rom-dir', tmp.path),
      `${join(tmp.path, 'efi-virtio.rom')}: PCI_EXPANSION_ROM_HEADER at offset 0x0`
    );
  });

  it('exits 2 with one line for a ROM that holds no EFI driver (OVMF would drive the NIC itself: not modelled)', async function () {
    requirePrerequisites(this, { files: [code, vars] });
    const dir = join(tmp.path, 'legacy');
    mkdirSync(dir);
    // One PC-AT image: 0xAA55, Size512 1, PCIR at 0x1C (ImageLength 1, CodeType 0, last).
    const rom = new Uint8Array(512);
    rom.set([0x55, 0xaa, 1]);
    rom.set([0x1c, 0], 0x18);
    rom.set([0x50, 0x43, 0x49, 0x52, 0xf4, 0x1a, 0x00, 0x10, 0, 0, 0x18, 0, 0, 0, 0, 2, 1, 0, 0, 0, 0, 0x80], 0x1c);
    writeFileSync(join(dir, 'efi-virtio.rom'), rom);
    expectUsageError(
      await runCli('predict', '--code', code, '--vars', vars, '--nic', 'virtio-net-pci', '--option-rom-dir', dir),
      'no EFI driver of this option ROM starts'
    );
  });

  it('predicts the option ROM driver (PCR2), five network options and their attempts before the Shell', async function () {
    requirePrerequisites(this, { files: [code, vars, '/usr/lib/ipxe/qemu/efi-virtio.rom'], hint: 'apt-get install -y ovmf ipxe-qemu' });
    const r = await runCli('predict', '--code', code, '--vars', vars, '--nic', 'virtio-net-pci', '--banks', 'sha256', '--json');
    expect(r.status, r.err).to.equal(0);
    const j = JSON.parse(r.out) as { events: { pcrIndex: number; eventType: string }[] };
    const types = j.events.map((e) => `${e.pcrIndex}:${e.eventType}`);
    expect(types.filter((t) => t === '2:EV_EFI_BOOT_SERVICES_DRIVER')).to.have.length(1);
    expect(types.filter((t) => t === '1:EV_EFI_VARIABLE_BOOT')).to.have.length(9); // BootOrder + Boot0000-0007
    expect(types.filter((t) => t === '4:EV_EFI_ACTION')).to.have.length(13); // 7 ReadyToBoot: Calling, then 6 × Returning + Calling
  });
});
