/**
 * `tcg2sim reference --format pcrlock` against the real systemd-pcrlock (systemd 255 or later):
 * with swtpm extended to a predicted log and that log as the firmware log, its
 * lock-firmware-code / lock-firmware-config write the same records as ours, and its `log` verb
 * recognises every firmware record once our components sit beside systemd's shipped ones.
 *
 * Debian 12's systemd (252) has no systemd-pcrlock: set TCG2SIM_SYSTEMD_PCRLOCK to a command that
 * runs one (e.g. a wrapper around Debian 13's binary and libraries) and TCG2SIM_PCRLOCK_D to its
 * shipped /usr/lib/pcrlock.d; /usr/lib/systemd/systemd-pcrlock and /usr/lib/pcrlock.d are used
 * when present.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requirePrerequisites, skipBecause, tempDir } from '@tcg2sim/test-support';
import { EXIT } from '@tcg2sim/cli';
import { runCli } from './harness.ts';
import { extendLog, startSwtpm } from './swtpm-tools.ts';
import type { SwtpmForTools } from './swtpm-tools.ts';

const PCRLOCK = process.env['TCG2SIM_SYSTEMD_PCRLOCK'] ?? '/usr/lib/systemd/systemd-pcrlock';
const SHIPPED = process.env['TCG2SIM_PCRLOCK_D'] ?? '/usr/lib/pcrlock.d';

interface Record_ {
  readonly pcr: number;
  readonly digests: readonly { readonly hashAlg: string; readonly digest: string }[];
}

/** Records with their digests as sorted "alg:hex" lists (systemd writes the banks in another order). */
function norm(records: readonly Record_[]): [number, string[]][] {
  return records.map((r) => [r.pcr, r.digests.map((d) => `${d.hashAlg}:${d.digest}`).sort()]);
}

interface PcrState {
  readonly pcr: number;
  readonly hashMatchesEventLog: boolean;
  readonly allEventsMatched: boolean;
}

const BOOTS: [string, string[]][] = [
  ['the embedded firmware', []],
  ['a Secure Boot firmware with enrolled keys', ['--code', '/usr/share/OVMF/OVMF_CODE_4M.secboot.fd', '--vars', '/usr/share/OVMF/OVMF_VARS_4M.ms.fd', '--smm']],
];

describe('tcg2sim reference --format pcrlock against systemd-pcrlock @integration', function () {
  this.timeout(180_000);
  before(function () {
    // scripts/fetch-systemd-pcrlock.sh brings Debian 13's (test-all.sh runs it): not skipped under CI.
    if (!existsSync(PCRLOCK)) skipBecause(this, `missing systemd-pcrlock (${PCRLOCK}; scripts/fetch-systemd-pcrlock.sh prints TCG2SIM_SYSTEMD_PCRLOCK)`);
    if (!existsSync(SHIPPED)) skipBecause(this, `missing systemd's shipped pcrlock.d (${SHIPPED}; scripts/fetch-systemd-pcrlock.sh prints TCG2SIM_PCRLOCK_D)`);
    requirePrerequisites(this, { tools: ['swtpm', 'tpm2_pcrextend'] });
  });

  for (const [what, flags] of BOOTS) {
    describe(`on a predicted boot of ${what}`, () => {
      const tmp = tempDir('tcg2sim-pcrlock-');
      const log = join(tmp.path, 'boot.log');
      const ours = join(tmp.path, 'ours');
      let tpm: SwtpmForTools | undefined;
      const pcrlock = (...args: string[]): string => {
        if (tpm === undefined) throw new Error('no swtpm');
        const env = { ...process.env, SYSTEMD_TPM2_DEVICE: tpm.tcti, SYSTEMD_MEASURE_LOG_FIRMWARE: log, SYSTEMD_MEASURE_LOG_USERSPACE: join(tmp.path, 'none'), SYSTEMD_LOG_LEVEL: 'err' };
        return execFileSync(PCRLOCK, [...args, '--no-pager'], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      };
      /** systemd-pcrlock log's verdict per PCR with the components in `dir`. */
      const verdict = (dir: string): Map<number, PcrState> => {
        const j = JSON.parse(pcrlock('log', '--json=short', `--components=${dir}`)) as { pcrs: PcrState[] };
        return new Map(j.pcrs.map((p) => [p.pcr, p]));
      };

      before(async function () {
        for (const f of flags) if (f.startsWith('/')) requirePrerequisites(this, { files: [f] });
        const r = await runCli('predict', ...flags, '--log-out', log);
        expect(r.status, r.err).to.equal(EXIT.OK);
        tpm = await startSwtpm();
        extendLog(tpm, readFileSync(log));
        const w = await runCli('reference', '--log', log, '--format', 'pcrlock', '--out', ours);
        expect(w.status, w.err).to.equal(EXIT.OK);
      });
      after(async () => {
        await tpm?.stop();
        tmp.remove();
      });

      for (const kind of ['code', 'config']) {
        it(`writes the records systemd-pcrlock lock-firmware-${kind} writes`, () => {
          // Both files go to standard output as server-sent events: early, then late.
          const docs = pcrlock(`lock-firmware-${kind}`, '--pcrlock=-')
            .split('\n')
            .filter((l) => l.startsWith('data: '))
            .map((l) => (JSON.parse(l.slice(6)) as { records: Record_[] }).records);
          expect(docs).to.have.length(2);
          const read = (name: string): Record_[] => (JSON.parse(readFileSync(join(ours, `${name}.pcrlock.d/tcg2sim.pcrlock`), 'utf8')) as { records: Record_[] }).records;
          const early = read(`250-firmware-${kind}-early`);
          expect(early.length).to.be.greaterThan(0);
          expect(norm(early)).to.deep.equal(norm(docs[0] ?? []));
          expect(norm(read(`550-firmware-${kind}-late`))).to.deep.equal(norm(docs[1] ?? []));
        });
      }

      it('makes systemd-pcrlock recognise every firmware record of PCRs 0-3 and 5-7, and only with our components', () => {
        const shippedOnly = join(tmp.path, 'shipped');
        cpSync(SHIPPED, shippedOnly, { recursive: true });
        const both = join(tmp.path, 'both');
        cpSync(SHIPPED, both, { recursive: true });
        cpSync(ours, both, { recursive: true });
        const with_ = verdict(both);
        for (const pcr of [0, 1, 2, 3, 5, 6, 7]) {
          expect(with_.get(pcr)?.hashMatchesEventLog, `PCR ${pcr} log = TPM`).to.equal(true);
          expect(with_.get(pcr)?.allEventsMatched, `PCR ${pcr} recognised`).to.equal(true);
        }
        expect(verdict(shippedOnly).get(0)?.allEventsMatched, 'PCR 0 without our components').to.equal(false);
        // One changed digest in our PCR 0 records: PCR 0 is no longer recognised.
        const f = join(both, '250-firmware-code-early.pcrlock.d/tcg2sim.pcrlock');
        const text = readFileSync(f, 'utf8');
        const m = /"hashAlg":"sha256","digest":"([0-9a-f])/.exec(text);
        if (m?.[1] === undefined) throw new Error('no sha256 digest');
        writeFileSync(f, text.replace(m[0], `"hashAlg":"sha256","digest":"${m[1] === '0' ? '1' : '0'}`));
        expect(verdict(both).get(0)?.allEventsMatched, 'PCR 0 with a changed digest').to.equal(false);
      });
    });
  }
});
