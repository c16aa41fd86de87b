import { expect } from 'chai';
import { runCli } from './harness.ts';
import { distroBuilds, firmwareArgs, realBoot, requireBuild, vmArgs } from './distro-vectors.ts';
import type { PredictJson } from './distro-vectors.ts';

// Other distributions' OVMF builds of edk2-stable202302 to 202502 (docs/distro-builds-202302.md),
// against real boots of them (QEMU 7.2 + swtpm, `tcg2sim capture`): the event logs, PCRs and
// profiles are committed under platform-ovmf's test/vectors/distro-202302/, the firmware never.
// A build whose image is not in the firmware cache is skipped with a notice naming it and where
// it comes from (Debian's are fetched by scripts/fetch-debian-firmware.sh).

interface VerifyJson {
  readonly exact: boolean;
  readonly divergences: readonly { readonly pcr: number; readonly component: string }[];
  readonly predictionNotes: readonly string[];
}

const VECTORS = new URL('../../../platform-ovmf/test/vectors/distro-202302/', import.meta.url);

for (const b of distroBuilds(VECTORS)) {
  describe(`prediction = real boot of ${b.distribution} @integration`, function () {
    this.timeout(180_000);
    before(function () {
      requireBuild(this, b, 'run scripts/fetch-debian-firmware.sh trixie ovmf-ia32');
    });

    for (const c of b.configs) {
      const { log, pcrs: real } = realBoot(VECTORS, b, c);

      it(`${c.name}: verify (soft TPM): ${c.knownDifference === undefined ? 'every measured event exact' : 'exact but for the known PCR0 difference'}`, async () => {
        const r = await runCli('verify', log, ...firmwareArgs(b), ...vmArgs(c), '--fw-cfg-from-qemu', '--json');
        const j = JSON.parse(r.out) as VerifyJson;
        if (c.knownDifference === undefined) {
          expect(j.divergences, r.out).to.deep.equal([]);
          expect(j.exact).to.equal(true);
          expect(r.status).to.equal(0);
        } else {
          expect(j.divergences.map((d) => `${d.pcr} ${d.component}`)).to.deep.equal(['0 PEIFV (measured by Tcg2Pei)']);
          expect(j.predictionNotes.some((n) => n.startsWith('INCOMPLETE'))).to.equal(true);
        }
      });

      it(`${c.name}: predict (swtpm): PCRs 0-7 of every bank equal the real TPM's`, async () => {
        const r = await runCli('predict', ...firmwareArgs(b), ...vmArgs(c), '--tpm', 'swtpm', '--fw-cfg-from-qemu', '--json');
        const j = JSON.parse(r.out) as PredictJson;
        expect(Object.keys(real)).to.have.length(4);
        for (const [bank, values] of Object.entries(real)) {
          for (let i = 0; i <= 7; i++) {
            if (i === 0 && c.knownDifference !== undefined) expect(j.pcrs[bank]?.['0'], `${bank} PCR0`).to.not.equal(values['0']);
            else expect(j.pcrs[bank]?.[String(i)], `${bank} PCR${i}`).to.equal(values[String(i)]);
          }
        }
        expect(j.complete).to.equal(c.knownDifference === undefined);
      });
    }
  });
}
