import { expect } from 'chai';
import { runCli } from './harness.ts';
import { distroBuilds, firmwareArgs, realBoot, requireBuild, vmArgs } from './distro-vectors.ts';
import type { PredictJson } from './distro-vectors.ts';

// More builds from public repositories (docs/distro-builds-2024.md): edk2-stable202505+ images
// without a version string, a local DEBUG build, a combined OVMF.fd with a used variable store
// booted with -bios, and 2020-2022 builds of other distributions, against real boots of them
// (QEMU 7.2 + swtpm, `tcg2sim capture`). The logs, PCRs and profiles are committed under
// platform-ovmf's test/vectors/distro-2024/, the firmware never: a build whose image is not in
// the firmware cache is skipped with a notice naming it and where it comes from.

interface VerifyJson {
  readonly exact: boolean;
  readonly matchedEvents: number;
  readonly firmwareEvents: number;
  readonly divergences: readonly { readonly pcr: number; readonly component: string }[];
}

const VECTORS = new URL('../../../platform-ovmf/test/vectors/distro-2024/', import.meta.url);

for (const b of distroBuilds(VECTORS)) {
  describe(`prediction = real boot of ${b.distribution} @integration`, function () {
    this.timeout(180_000);
    before(function () {
      requireBuild(this, b);
    });

    for (const c of b.configs) {
      const { log, pcrs: real } = realBoot(VECTORS, b, c);

      it(`${c.name}: verify (soft TPM): every measured event exact`, async () => {
        const r = await runCli('verify', log, ...firmwareArgs(b), ...vmArgs(c), '--fw-cfg-from-qemu', '--json');
        const j = JSON.parse(r.out) as VerifyJson;
        expect(j.divergences, r.out).to.deep.equal([]);
        expect(j.matchedEvents).to.equal(j.firmwareEvents);
        expect(j.exact).to.equal(true);
        expect(r.status).to.equal(0);
      });

      it(`${c.name}: predict (swtpm): complete, PCRs 0-7 of every bank equal the real TPM's`, async () => {
        const r = await runCli('predict', ...firmwareArgs(b), ...vmArgs(c), '--tpm', 'swtpm', '--fw-cfg-from-qemu', '--json');
        const j = JSON.parse(r.out) as PredictJson;
        expect(Object.keys(real)).to.have.length(4);
        for (const [bank, values] of Object.entries(real)) {
          for (let i = 0; i <= 7; i++) expect(j.pcrs[bank]?.[String(i)], `${bank} PCR${i}`).to.equal(values[String(i)]);
        }
        expect(j.complete).to.equal(true);
      });
    }
  });
}
