import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requirePrerequisites, skipOptional, FIRMWARE_CACHE as CACHE } from '@tcg2sim/test-support';
import { runCli } from './harness.ts';

// SMM builds of edk2-stable202011 and 202202 (pre-PlatformInitLib PlatformPei): their writes into
// PEIFV (the platform globals and the SMM ones, legacy-smm.ts) are located and modelled, so the
// prediction is complete. Truth: real boots (QEMU 7.2 -machine q35,smm=on + swtpm, `tcg2sim
// capture`), platform-ovmf's vectors; verify compares every event's digests and data.
const VECTORS = fileURLToPath(new URL('../../../platform-ovmf/test/vectors/', import.meta.url));

const BUILDS = [
  {
    name: 'Debian bullseye 2020.11 OVMF_CODE_4M.secboot.fd',
    dir: join(CACHE, 'debian-bullseye', 'usr', 'share', 'OVMF'),
    vars: 'OVMF_VARS_4M.fd',
    log: join(VECTORS, 'debian-bullseye-2020.11', 'OVMF_CODE_4M.secboot-q35-smm-tis-512-eventlog.bin'),
    // Debian's archive is one CI fetches: a missing image is a set-up failure there.
    required: true,
    hint: 'run scripts/fetch-debian-firmware.sh bullseye',
  },
  {
    name: 'Ubuntu jammy 2022.02 OVMF_CODE_4M.secboot.fd',
    dir: join(CACHE, 'ubuntu-jammy', 'usr', 'share', 'OVMF'),
    vars: 'OVMF_VARS_4M.ms.fd',
    log: join(VECTORS, 'ubuntu-jammy-2022.02', 'OVMF_CODE_4M.secboot-q35-smm-ms-tis-512-eventlog.bin'),
    required: false,
    hint: 'Ubuntu jammy ovmf_2022.02-3ubuntu0.22.04.7_all.deb (archive.ubuntu.com jammy-updates) unpacked into $TCG2SIM_FIRMWARE_DIR/ubuntu-jammy',
  },
] as const;

for (const b of BUILDS) {
  describe(`predict: a pre-edk2-stable202208 SMM build is complete (${b.name})`, function () {
    this.timeout(120_000);
    const code = join(b.dir, 'OVMF_CODE_4M.secboot.fd');
    const vars = join(b.dir, b.vars);
    before(function () {
      if (b.required) requirePrerequisites(this, { files: [code, vars], hint: b.hint });
      else if (!existsSync(code) || !existsSync(vars)) skipOptional(this, `missing ${code}: ${b.hint}`);
    });

    it('predict --json says complete, with no INCOMPLETE note', async () => {
      const r = await runCli('predict', '--code', code, '--vars', vars, '--smm', '--json');
      expect(r.status, r.err).to.equal(0);
      const j = JSON.parse(r.out) as { complete: boolean; notes: readonly string[] };
      expect(j.notes.filter((n) => n.includes('INCOMPLETE'))).to.deep.equal([]);
      expect(j.complete).to.equal(true);
    });

    it('verify finds the real boot\'s events exactly the predicted ones (every digest of every bank)', async () => {
      const r = await runCli('verify', b.log, '--code', code, '--vars', vars, '--smm');
      expect(r.status, r.out + r.err).to.equal(0);
      expect(r.out).to.match(/verdict: exact/);
    });
  });
}
