import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { qemuTpmArgs, requirePrerequisites, startSwtpmSocket, tempDir } from '@tcg2sim/test-support';
import { SMBIOS_ANCHOR_FILE, SMBIOS_TABLES_FILE, parseSmbiosAnchor, parseSmbiosStructures, qemu72SmbiosFiles, readQemuFwCfgFiles } from '@tcg2sim/qemu-fwcfg';

const hex = (b: Uint8Array | undefined): string => Buffer.from(b ?? new Uint8Array()).toString('hex');
const vector = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`../../../platform-ovmf/test/vectors/debian-sid-2026.08/${name}`, import.meta.url)));
const MiB = 1 << 20;

/** QEMU 7.2's RAM split (q35: 0xB0000000 or 2 GiB; pc: 0xE0000000 or 3 GiB), for the shapes below. */
function split(machine: 'q35' | 'pc', mib: number): { belowFourG: number; aboveFourG: bigint } {
  const ram = mib * MiB;
  let low = machine === 'q35' ? 0xb0000000 : 0xe0000000;
  if (ram >= low) low = machine === 'q35' ? 0x80000000 : 0xc0000000;
  return ram >= low ? { belowFourG: low, aboveFourG: BigInt(ram - low) } : { belowFourG: ram, aboveFourG: 0n };
}

// Truth: the files the installed QEMU 7.2 built for the VMs of the sid 2026.08 real boots (read
// through qtest and committed beside those boots' logs).
describe('qemu72SmbiosFiles = QEMU 7.2\'s SMBIOS fw_cfg files', () => {
  for (const [name, machine, mib] of [['q35-512', 'q35', 512], ['pc-768', 'pc', 768]] as const) {
    it(`${machine}, ${mib} MiB, 1 CPU: anchor and tables byte for byte`, () => {
      const ours = qemu72SmbiosFiles({ machine, ...split(machine, mib), cpus: 1 });
      expect(hex(ours.anchor)).to.equal(hex(vector(`${name}-smbios-anchor.bin`)));
      expect(hex(ours.tables)).to.equal(hex(vector(`${name}-smbios-tables.bin`)));
    });
  }

  it('its output parses as a consistent anchor and structure list', () => {
    const ours = qemu72SmbiosFiles({ machine: 'pc', ...split('pc', 20 * 1024), cpus: 4 });
    const a = parseSmbiosAnchor(ours.anchor);
    const s = parseSmbiosStructures(ours.tables);
    expect(a.kind === '2.1' && a.value.tableLength).to.equal(ours.tables.length);
    expect(a.kind === '2.1' && a.value.numberOfSmbiosStructures).to.equal(s.length);
    expect(s.map((x) => x.type)).to.deep.equal([1, 3, 4, 16, 17, 17, 19, 19, 32, 127]);
    expect(() => qemu72SmbiosFiles({ machine: 'q35', belowFourG: 512 * MiB, aboveFourG: 0n, cpus: 0 })).to.throw(RangeError);
  });
});

describe('qemu72SmbiosFiles = the installed QEMU\'s files across machine, RAM and CPUs @integration', function () {
  this.timeout(120_000);
  const dir = tempDir('tcg2sim-smbios72-');
  before(function () {
    requirePrerequisites(this, { tools: ['qemu-system-x86_64', 'swtpm'] });
  });
  after(() => dir.remove());

  const shapes = [['q35', 512, 1], ['q35', 4096, 2], ['q35', 20480, 4], ['pc', 768, 1], ['pc', 3584, 2], ['pc', 20480, 4]] as const;
  for (const [machine, mib, cpus] of shapes) {
    it(`${machine}, ${mib} MiB, ${cpus} CPUs`, async () => {
      const sock = join(dir.path, `${machine}-${mib}.sock`);
      const swtpm = await startSwtpmSocket(dir.path, sock);
      try {
        const files = await readQemuFwCfgFiles({
          machine, chipset: false, names: [SMBIOS_ANCHOR_FILE, SMBIOS_TABLES_FILE],
          args: ['-machine', machine, '-m', String(mib), '-smp', String(cpus), ...qemuTpmArgs(sock, 'tpm-tis'), '-net', 'none', '-serial', 'null'],
        });
        const ours = qemu72SmbiosFiles({ machine, ...split(machine, mib), cpus });
        expect(hex(ours.tables)).to.equal(hex(files.get(SMBIOS_TABLES_FILE)));
        expect(hex(ours.anchor)).to.equal(hex(files.get(SMBIOS_ANCHOR_FILE)));
      } finally {
        swtpm.kill();
      }
    });
  }
});
