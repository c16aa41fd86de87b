import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeEventLog } from '@tcg2sim/event-log';
import { requirePrerequisites, tempDir, FIRMWARE_CACHE as CACHE } from '@tcg2sim/test-support';
import { runCli } from './harness.ts';

// Debian trixie's OVMF 2025.02, fetched by scripts/fetch-debian-firmware.sh (never committed).
const DIR = join(CACHE, 'debian-trixie', 'usr', 'share', 'OVMF');
const CODE = join(DIR, 'OVMF_CODE_4M.fd');
const VARS = join(DIR, 'OVMF_VARS_4M.fd');
// Truth: PCRs 0-7 of a real boot of that image (QEMU 7.2, q35, 512 MiB, tpm-tis), platform-ovmf's test vectors.
const REAL = new URL('../../../platform-ovmf/test/vectors/debian-trixie-2025.02/q35-tis-512-pcrs.json', import.meta.url);
const vector = (name: string): URL => new URL(`../../../platform-ovmf/test/vectors/debian-trixie-2025.02/${name}`, import.meta.url);
const digestsOf = (e: { pcrIndex: number; eventType: number; digests: readonly { hashAlg: number; digest: Uint8Array }[] }): string =>
  `${e.pcrIndex}:${e.eventType}:${e.digests.map((d) => `${d.hashAlg}=${Buffer.from(d.digest).toString('hex')}`).join(',')}`;

interface PredictJson {
  readonly complete: boolean;
  readonly pcrs: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly notes: readonly string[];
}

describe('predict --fw-cfg-from-qemu (Debian trixie OVMF 2025.02) @integration', function () {
  this.timeout(120_000);
  before(function () {
    requirePrerequisites(this, { files: [CODE, VARS], hint: 'run scripts/fetch-debian-firmware.sh trixie' });
    requirePrerequisites(this, { tools: ['qemu-system-x86_64', 'swtpm'] });
  });

  it('reads the ACPI blobs from the installed QEMU: complete, and PCRs 0-7 of every bank equal the real boot', async () => {
    const r = await runCli('predict', '--code', CODE, '--vars', VARS, '--fw-cfg-from-qemu', '--json');
    expect(r.status, r.err).to.equal(0);
    const j = JSON.parse(r.out) as PredictJson;
    expect(j.complete).to.equal(true);
    const real = (JSON.parse(readFileSync(REAL, 'utf8')) as { pcrs: Record<string, Record<string, string>> }).pcrs;
    expect(Object.keys(real)).to.have.length(4);
    for (const [bank, values] of Object.entries(real)) {
      for (let i = 0; i <= 7; i++) expect(j.pcrs[bank]?.[String(i)], `${bank} PCR${i}`).to.equal(values[String(i)]);
    }
  });

  // Real boots (tcg2sim capture): q35 TIS 512 MiB; pc CRB 3584 MiB (1 GiB above 4 GiB) with 2 CPUs; q35 CRB 5120 MiB with 4 CPUs.
  const boots = [['q35-tis-512', []], ['pc-crb-3584-2cpu', ['--machine', 'pc', '--memory', '3584', '--cpus', '2', '--tpm-interface', 'crb']], ['q35-crb-5120-4cpu', ['--memory', '5120', '--cpus', '4', '--tpm-interface', 'crb']]] as const;
  for (const [name, args] of boots) {
    it(`${name} without it: QEMU 7.2's blobs modelled: complete, every event digest and PCRs 0-7 of every bank equal the real boot`, async () => {
      const dir = tempDir('tcg2sim-predict-model-');
      try {
        const logOut = join(dir.path, 'log.bin');
        const r = await runCli('predict', '--code', CODE, '--vars', VARS, ...args, '--json', '--log-out', logOut);
        expect(r.status, r.err).to.equal(0);
        const j = JSON.parse(r.out) as PredictJson;
        expect(j.complete).to.equal(true);
        expect(j.notes.some((n) => n.startsWith('QEMU 7.2\'s ACPI tables (modelled); --fw-cfg-from-qemu reads your QEMU\'s'))).to.equal(true);
        const real = (JSON.parse(readFileSync(vector(`${name}-pcrs.json`), 'utf8')) as { pcrs: Record<string, Record<string, string>> }).pcrs;
        expect(Object.keys(real)).to.have.length(4);
        for (const [bank, values] of Object.entries(real)) {
          for (let i = 0; i <= 7; i++) expect(j.pcrs[bank]?.[String(i)], `${bank} PCR${i}`).to.equal(values[String(i)]);
        }
        // Every event as the real boot logged it; only the Shell's ImageLocationInMemory (event data
        // in no PCR, not calibrated for 2025.02: docs/newer-ovmf.md) may differ.
        const ours = decodeEventLog(new Uint8Array(readFileSync(logOut))).events;
        const theirs = decodeEventLog(new Uint8Array(readFileSync(vector(`${name}-eventlog.bin`)))).events;
        expect(ours.map(digestsOf)).to.deep.equal(theirs.map(digestsOf));
        const dataDiffers = ours.flatMap((e, i) => (Buffer.from(e.eventData).equals(Buffer.from(theirs[i]?.eventData ?? [])) ? [] : [i]));
        expect(dataDiffers.filter((i) => i !== ours.length - 1)).to.deep.equal([]);
      } finally {
        dir.remove();
      }
    });
  }

  it('without it, for a VM the model does not cover (a pci-bridge): INCOMPLETE with the reason', async () => {
    const line = `qemu-system-x86_64 -machine q35 -m 512 -drive if=pflash,format=raw,unit=0,readonly=on,file=${CODE} -drive if=pflash,format=raw,unit=1,file=${VARS}` +
      ' -chardev socket,id=chrtpm,path=/run/swtpm.sock -tpmdev emulator,id=tpm0,chardev=chrtpm -device tpm-tis,tpmdev=tpm0 -net none -device pci-bridge,chassis_nr=1,id=b1';
    const r = await runCli('predict', '--qemu-cmdline', line, '--json');
    const j = JSON.parse(r.out) as PredictJson;
    expect(j.complete).to.equal(false);
    expect(j.notes.some((n) => n.startsWith('INCOMPLETE'))).to.equal(true);
    expect(j.notes.some((n) => /^QEMU's ACPI blobs are not modelled for this VM \(the command line's -device pci-bridge \(no device model\)\)/.test(n)), j.notes.join('\n')).to.equal(true);
  });

  it('a matrix without it: every configuration modelled and complete; each equals predict --fw-cfg-from-qemu for that VM', async () => {
    const r = await runCli('predict', '--code', CODE, '--vars', VARS, '--machine', 'q35,pc', '--memory', '512,3584', '--cpus', '1,2', '--json');
    expect(r.status, r.err).to.equal(0);
    const m = JSON.parse(r.out) as { configurations: { varies: Record<string, string>; prediction: PredictJson }[] };
    expect(m.configurations).to.have.length(8);
    for (const c of m.configurations) expect(c.prediction.complete, JSON.stringify(c.varies)).to.equal(true);
    // Truth for two of them: QEMU's own blobs for the same VM (read under qtest).
    for (const c of m.configurations.filter((x) => x.varies['cpus'] === '2' && x.varies['memory'] === '3584')) {
      const q = await runCli('predict', '--code', CODE, '--vars', VARS, '--machine', c.varies['machine'] ?? '', '--memory', '3584', '--cpus', '2', '--fw-cfg-from-qemu', '--json');
      expect(q.status, q.err).to.equal(0);
      expect(c.prediction.pcrs, JSON.stringify(c.varies)).to.deep.equal((JSON.parse(q.out) as PredictJson).pcrs);
    }
  });

  it('without it, a damaged image: exit 2, one line naming the file (the model steps aside)', async () => {
    const dir = tempDir('tcg2sim-predict-damaged-');
    try {
      const code = new Uint8Array(readFileSync(CODE));
      for (let i = 0x100000; i < 0x100400; i++) code[i] = (i * 131) & 0xff;
      const damaged = join(dir.path, 'damaged.fd');
      writeFileSync(damaged, code);
      const r = await runCli('predict', '--code', damaged, '--vars', VARS, '--json');
      expect(r.status).to.equal(2);
      expect(r.err.trim().split('\n')).to.have.length(1);
      expect(r.err).to.include(damaged);
    } finally {
      dir.remove();
    }
  });

  it('with a matrix: each configuration reads its own VM\'s blobs; the 512 MiB one equals the real boot, the 1024 MiB one has another PCR1', async () => {
    const r = await runCli('predict', '--code', CODE, '--vars', VARS, '--memory', '512,1024', '--fw-cfg-from-qemu', '--json');
    expect(r.status, r.err).to.equal(0);
    const m = JSON.parse(r.out) as { configurations: { prediction: PredictJson }[] };
    expect(m.configurations).to.have.length(2);
    const [c512, c1024] = m.configurations.map((c) => c.prediction);
    expect(c512?.complete).to.equal(true);
    expect(c1024?.complete).to.equal(true);
    const real = (JSON.parse(readFileSync(REAL, 'utf8')) as { pcrs: Record<string, Record<string, string>> }).pcrs;
    for (const [bank, values] of Object.entries(real)) {
      for (let i = 0; i <= 7; i++) expect(c512?.pcrs[bank]?.[String(i)], `${bank} PCR${i}`).to.equal(values[String(i)]);
      // QEMU's tables for 1 GiB differ (the DSDT's 32-bit PCI hole starts above RAM)
      expect(c1024?.pcrs[bank]?.['1']).to.not.equal(values['1']);
    }
  });
});
