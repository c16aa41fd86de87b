/**
 * `predict --qemu-cmdline` and `capture --qemu-cmdline` with a qemu-system-aarch64 -M virt line:
 * sid's AAVMF 2026.08 predicted from the user's own line (virt-7.2, -cpu max, a -smp topology,
 * -blockdev pflash nodes, -nodefaults) equals platform-armvirt's committed capture of that line
 * (test/vectors/debian-sid-2026.08/cmdline-max-m1536c3) byte for byte, with the soft TPM and with
 * swtpm, and equals predict with the equivalent flags. What virt's model lacks is refused by name.
 */
import { expect } from 'chai';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toHex } from '@tcg2sim/binary-codec';
import { requirePrerequisites, tempDir, FIRMWARE_CACHE as CACHE } from '@tcg2sim/test-support';
import { runCli } from './harness.ts';

const DIR = join(CACHE, 'debian-sid', 'qemu-efi-aarch64', 'usr', 'share', 'AAVMF');
const CODE = join(DIR, 'AAVMF_CODE.secboot.fd');
const VARS = join(DIR, 'AAVMF_VARS.fd');
const HINT = 'run scripts/fetch-debian-firmware.sh sid qemu-efi-aarch64';
const VECTOR = fileURLToPath(new URL('../../../platform-armvirt/test/vectors/debian-sid-2026.08/', import.meta.url));

interface VectorJson {
  readonly userCommandLine: string;
  readonly pcrs: Record<string, Record<string, string>>;
}

describe('cli: --qemu-cmdline with qemu-system-aarch64 -M virt (ArmVirtQemu) @integration', function () {
  this.timeout(240_000);
  const tmp = tempDir('tcg2sim-armvirt-cmdline-');
  after(() => tmp.remove());
  const vector = JSON.parse(readFileSync(join(VECTOR, 'cmdline-max-m1536c3-pcrs.json'), 'utf8')) as VectorJson;
  const realLog = (): string => toHex(readFileSync(join(VECTOR, 'cmdline-max-m1536c3-eventlog.bin')));
  const line = (vars: string): string => vector.userCommandLine.replace('=CODE,', `=${CODE},`).replace('=VARS ', `=${vars} `);

  async function predictLine(...extra: string[]): Promise<{ log: string; pcrs: Record<string, Record<string, string>>; complete: boolean }> {
    const vars = join(tmp.path, 'vars.fd');
    copyFileSync(VARS, vars);
    const out = join(tmp.path, `log-${extra.join('-')}.bin`);
    const r = await runCli('predict', '--qemu-cmdline', line(vars), '--json', '--log-out', out, ...extra);
    expect(r.status, r.err).to.equal(0);
    const j = JSON.parse(r.out) as { complete: boolean; pcrs: Record<string, Record<string, string>> };
    return { log: toHex(readFileSync(out)), pcrs: j.pcrs, complete: j.complete };
  }

  function expectReal(p: { log: string; pcrs: Record<string, Record<string, string>>; complete: boolean }): void {
    expect(p.complete).to.equal(true);
    expect(p.log).to.equal(realLog());
    for (const bank of Object.keys(vector.pcrs)) for (let i = 0; i < 8; i++) expect(p.pcrs[bank]?.[String(i)], `${bank} PCR${i}`).to.equal(vector.pcrs[bank]?.[String(i)]);
  }

  it('predict --qemu-cmdline (virt-7.2, -cpu max, -smp 3,sockets=1,cores=3,threads=1: QEMU 7.2\'s ACPI blobs modelled, no QEMU): the real boot of that line, byte for byte, PCRs 0-7 (soft TPM)', async function () {
    requirePrerequisites(this, { files: [CODE, VARS], hint: HINT });
    expectReal(await predictLine());
  });

  it('predict --qemu-cmdline --fw-cfg-from-qemu --tpm swtpm (QEMU\'s own blobs): the same', async function () {
    requirePrerequisites(this, { files: [CODE, VARS], tools: ['qemu-system-aarch64', 'swtpm'], hint: HINT });
    expectReal(await predictLine('--fw-cfg-from-qemu', '--tpm', 'swtpm'));
  });

  it('predict with the equivalent flags (--memory 1536 --cpus 3) gives the same log', async function () {
    requirePrerequisites(this, { files: [CODE, VARS], hint: HINT });
    const out = join(tmp.path, 'flags.bin');
    const r = await runCli('predict', '--code', CODE, '--vars', VARS, '--memory', '1536', '--cpus', '3', '--log-out', out);
    expect(r.status, r.err).to.equal(0);
    expect(toHex(readFileSync(out))).to.equal(realLog());
  });

  it('capture --qemu-cmdline boots that line and its prediction check passes', async function () {
    requirePrerequisites(this, { files: [CODE, VARS], tools: ['qemu-system-aarch64', 'swtpm', 'swtpm_setup'], hint: HINT });
    const vars = join(tmp.path, 'cap-vars.fd');
    copyFileSync(VARS, vars);
    const dir = join(tmp.path, 'cap');
    const r = await runCli('capture', '--qemu-cmdline', line(vars), '--stop-when', 'Boot Manager Menu', '--out', dir, '--json');
    expect(r.status, r.err).to.equal(0);
    const j = JSON.parse(r.out) as { checks: { name: string; ok: boolean; detail: string }[]; qemuCommandLine: string[] };
    expect(j.qemuCommandLine.join(' ')).to.include('-cpu max -m 1536 -smp 3,sockets=1,cores=3,threads=1');
    expect(j.checks.every((c) => c.ok), JSON.stringify(j.checks)).to.equal(true);
    expect(j.checks.find((c) => c.name === 'prediction = captured log')?.detail).to.match(/byte for byte: true/);
    expect(toHex(readFileSync(join(dir, 'eventlog.bin')))).to.equal(realLog());
  });

  it("Debian 12's AAVMF 2022.11 from a virt line: its real boot (1024 MiB, 2 CPUs), byte for byte", async function () {
    requirePrerequisites(this, { files: ['/usr/share/AAVMF/AAVMF_CODE.fd', '/usr/share/AAVMF/AAVMF_VARS.fd'], hint: 'apt-get install -y qemu-efi-aarch64' });
    const vars = join(tmp.path, 'vars12.fd');
    copyFileSync('/usr/share/AAVMF/AAVMF_VARS.fd', vars);
    const out = join(tmp.path, 'log12.bin');
    const r = await runCli('predict', '--qemu-cmdline', `qemu-system-aarch64 -M virt -cpu cortex-a57 -m 1024 -smp 2 -drive if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/AAVMF/AAVMF_CODE.fd -drive if=pflash,format=raw,unit=1,file=${vars} -chardev socket,id=c,path=/run/swtpm.sock -tpmdev emulator,id=t,chardev=c -device tpm-tis-device,tpmdev=t -nodefaults -serial stdio`, '--log-out', out);
    expect(r.status, r.err).to.equal(0);
    expect(toHex(readFileSync(out))).to.equal(toHex(readFileSync(join(VECTOR, '..', 'debian-12-2022.11', 'm1024c2all-eventlog.bin'))));
  });

  it('what virt does not model is a usage error naming it (exit 2, one line), before anything is read', async () => {
    const base = vector.userCommandLine.replace('=CODE,', '=/nonexistent/CODE.fd,').replace('=VARS ', '=/nonexistent/VARS.fd ');
    for (const [l, re] of [
      [`${base} -netdev user,id=n0 -device rtl8139,netdev=n0`, /-device rtl8139,netdev=n0 \(offset \d+\): NIC model rtl8139 on virt: not modelled/],
      [`${base} -drive file=/vm/disk.qcow2,format=qcow2`, /-drive file=\/vm\/disk.qcow2,format=qcow2 \(offset \d+\): a qcow2 image is not modelled/],
      [`${base} -device virtio-rng-pci`, /virtio-rng-pci: devices other than .* are not modelled on virt/],
      [`${base} -device virtio-rng-pci,bootindex=1`, /bootindex on virtio-rng-pci/],
      [base.replace('-cpu max', '-cpu cortex-a72'), /CPU model cortex-a72/],
    ] as const) {
      const r = await runCli('predict', '--qemu-cmdline', l);
      expect(r.status, r.err).to.equal(2);
      expect(r.err.trim().split('\n')).to.have.length(1);
      expect(r.err).to.match(re);
    }
  });

  it('an x86 OVMF image on -machine virt is a usage error', async function () {
    const ovmf = '/usr/share/OVMF/OVMF_CODE_4M.fd';
    requirePrerequisites(this, { files: [ovmf], hint: 'apt-get install -y ovmf' });
    const l = vector.userCommandLine.replace('=CODE,', `=${ovmf},`).replace('=VARS ', '=/usr/share/OVMF/OVMF_VARS_4M.fd ');
    const r = await runCli('predict', '--qemu-cmdline', l);
    expect(r.status, r.err).to.equal(2);
    expect(r.err).to.match(/-machine virt with .*OVMF_CODE_4M.fd.*, which is not an ArmVirtQemu/);
  });
});
