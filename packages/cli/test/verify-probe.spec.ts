/**
 * verify's PEIFV probe hashes each candidate shape's PEIFV alone (peiFvDigests) instead of
 * booting it: those digests must be the ones a whole simulated boot of that shape logs, on the
 * X64/IA32 builds, on pc and q35, and on an SMM build (PlatformPei's MemoryTypeInformation
 * refresh from the variable store). Then the probe's verdicts through `tcg2sim verify`.
 */
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EV, decodeEventData } from '@tcg2sim/event-log';
import type { LogEvent } from '@tcg2sim/event-log';
import type { TpmAlgHash } from '@tcg2sim/hash-lib';
import type { MachineInput, Prediction } from '@tcg2sim/platform-ovmf';
import { OVMF_DIR, requirePrerequisites, tempDir } from '@tcg2sim/test-support';
import { predictFromOptions } from '../src/commands/predict-boot.ts';
import { peiFvDigests } from '../src/commands/verify-probe.ts';
import { runCli } from './harness.ts';

const CODE = join(OVMF_DIR, 'OVMF_CODE_4M.fd');
const VARS = join(OVMF_DIR, 'OVMF_VARS_4M.fd');
const CODE_2MB = join(OVMF_DIR, 'OVMF_CODE.fd');
const VARS_2MB = join(OVMF_DIR, 'OVMF_VARS.fd');
const SECBOOT_CODE = join(OVMF_DIR, 'OVMF_CODE_4M.secboot.fd');

function peiFvEvent(p: Prediction): LogEvent {
  const e = p.log.events.find((x) => {
    if (x.pcrIndex !== 0 || (x.eventType !== EV.EFI_PLATFORM_FIRMWARE_BLOB && x.eventType !== EV.EFI_PLATFORM_FIRMWARE_BLOB2)) return false;
    const v = decodeEventData(x.eventType, x.eventData);
    return (v.kind === 'firmware-blob' || v.kind === 'firmware-blob2') && v.value.blobBase === p.boot.sec.peiFv.base;
  });
  if (e === undefined) throw new Error('no PEIFV event');
  return e;
}

describe('verify: the PEIFV probe hashes PEIFV alone, as a whole boot measures it', function () {
  this.timeout(600_000);
  const tmp = tempDir('tcg2sim-verify-probe-');
  before(function () {
    requirePrerequisites(this, { files: [CODE, VARS, CODE_2MB, VARS_2MB, SECBOOT_CODE] });
  });
  after(() => {
    tmp.remove();
  });

  const cases: readonly { name: string; code: string; vars: string; smm?: boolean; shapes: Partial<MachineInput>[] }[] = [
    { name: 'OVMF_CODE_4M.fd (IA32 PEI, X64 DXE)', code: CODE, vars: VARS, shapes: [{ memoryMiB: 768 }, { memoryMiB: 1024 }, { memoryMiB: 8192 }, { machine: 'pc', memoryMiB: 512, smm: false }, { machine: 'pc', memoryMiB: 4096, smm: false }] },
    { name: 'OVMF_CODE.fd (X64)', code: CODE_2MB, vars: VARS_2MB, shapes: [{ memoryMiB: 2048 }, { machine: 'pc', memoryMiB: 768, smm: false }] },
    { name: 'OVMF_CODE_4M.secboot.fd (SMM)', code: SECBOOT_CODE, vars: VARS, smm: true, shapes: [{ memoryMiB: 1024 }, { memoryMiB: 16384 }] },
  ];
  for (const c of cases) {
    it(`${c.name}: each shape's digests are its whole boot's PEIFV event digests`, async () => {
      const boot = await predictFromOptions({ code: c.code, vars: c.vars, memory: '512', ...(c.smm === true ? { smm: true } : {}) }, undefined);
      const algs = peiFvEvent(boot.p).digests.map((d) => d.hashAlg as TpmAlgHash);
      expect(algs).to.have.length(4);
      const seen = new Set<string>([Buffer.from(peiFvEvent(boot.p).digests[0]?.digest ?? []).toString('hex')]);
      for (const m of c.shapes) {
        const whole = peiFvEvent(await boot.rerun(m)).digests.map((d) => ({ hashAlg: d.hashAlg, digest: d.digest }));
        const alone = peiFvDigests(boot.p.boot.sec, boot.vars, boot.rerunMachine(m), algs);
        expect(alone, JSON.stringify(m)).to.deep.equal(whole);
        seen.add(Buffer.from(alone[0]?.digest ?? []).toString('hex'));
      }
      // The shapes are told apart: PEIFV follows RAM (below 4 GiB) and machine type.
      expect(seen.size).to.equal(c.shapes.length + 1);
    });
  }

  it('tcg2sim verify names the RAM size that matches, and says when none does', async () => {
    const logOf = async (m: Partial<MachineInput>, name: string): Promise<string> => {
      const boot = await predictFromOptions({ code: CODE, vars: VARS }, undefined);
      const path = join(tmp.path, name);
      writeFileSync(path, (await boot.rerun(m)).boot.eventLog);
      return path;
    };
    const cause = async (log: string): Promise<string | undefined> => {
      const r = await runCli('verify', log, '--code', CODE, '--vars', VARS, '--memory', '512', '--json');
      expect(r.status, r.err).to.equal(1);
      const report = JSON.parse(r.out) as { divergences: { component: string; cause: string }[] };
      return report.divergences.find((d) => d.component.startsWith('PEIFV'))?.cause;
    };
    expect(await cause(await logOf({ memoryMiB: 1024 }, 'ram1024.bin'))).to.include('--memory 1024 would match');
    expect(await cause(await logOf({ machine: 'pc', memoryMiB: 512, smm: false }, 'pc512.bin'))).to.include('--machine pc --memory 512 would match');
    expect(await cause(await logOf({ memoryMiB: 300 }, 'ram300.bin'))).to.match(/a VM shape not tried \(RAM sizes 128,.*,65536 MiB on q35 and pc: none matches\)/);
  });
});
