/**
 * `tcg2sim verify` against real OVMF boots (QEMU + swtpm) whose VM differs from the description
 * on purpose: another RAM size, a NIC the description lacks, another Secure Boot db. The three
 * boots run at the same time (the NIC's boot waits on network time-outs for minutes under TCG).
 * Each divergence must be explained by the difference made, and the undisturbed description
 * must verify exactly.
 */
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { captureBoot } from '@tcg2sim/platform-ovmf';
import type { CaptureResult } from '@tcg2sim/platform-ovmf';
import { OVMF_DIR, requirePrerequisites, tempDir } from '@tcg2sim/test-support';
import { runCli } from './harness.ts';

const CODE = join(OVMF_DIR, 'OVMF_CODE_4M.fd');
const VARS = join(OVMF_DIR, 'OVMF_VARS_4M.fd');
const SECBOOT_CODE = join(OVMF_DIR, 'OVMF_CODE_4M.secboot.fd');
const SNAKEOIL_VARS = join(OVMF_DIR, 'OVMF_VARS_4M.snakeoil.fd');
const MS_VARS = join(OVMF_DIR, 'OVMF_VARS_4M.ms.fd');

interface Divergence {
  kind: string;
  logIndex?: number;
  pcr: number;
  eventType: string;
  component: string;
  detail: string;
  cause: string;
}
interface Report {
  exact: boolean;
  divergences: Divergence[];
  later: { source: string }[];
  firmwareEvents: number;
  predictedEvents: number;
}

async function verifyJson(log: string, ...args: string[]): Promise<{ status: number; report: Report }> {
  const r = await runCli('verify', log, ...args, '--json');
  expect(r.err, r.err).to.equal('');
  return { status: r.status, report: JSON.parse(r.out) as Report };
}

describe('tcg2sim verify: real boots whose VM differs from the description @integration', function () {
  this.timeout(900_000);
  const tmp = tempDir('tcg2sim-verify-');
  const logs: Record<'ram1024' | 'nic' | 'snakeoil', string> = { ram1024: '', nic: '', snakeoil: '' };

  before(async function () {
    requirePrerequisites(this, { tools: ['qemu-system-x86_64', 'swtpm', 'swtpm_setup'], files: [CODE, VARS, SECBOOT_CODE, SNAKEOIL_VARS, MS_VARS] });
    const save = (name: keyof typeof logs, c: CaptureResult): void => {
      const path = join(tmp.path, `${name}.bin`);
      writeFileSync(path, c.eventLog);
      logs[name] = path;
    };
    const [ram, nic, snakeoil] = await Promise.all([
      captureBoot({ code: CODE, vars: VARS, machine: 'q35', memoryMiB: 1024, tpmInterface: 'tis', timeoutSeconds: 300 }),
      // A virtio-net NIC on QEMU's user network: iPXE's option ROM, OVMF's PXE and HTTP boot
      // options over IPv4 and IPv6, each attempted (and timing out) before the Shell.
      captureBoot({
        code: CODE, vars: VARS, machine: 'q35', memoryMiB: 512, tpmInterface: 'tis', timeoutSeconds: 840,
        extraQemuArgs: ['-netdev', 'user,id=n0', '-device', 'virtio-net-pci,netdev=n0'],
      }),
      captureBoot({ code: SECBOOT_CODE, vars: SNAKEOIL_VARS, machine: 'q35', smm: true, memoryMiB: 512, tpmInterface: 'tis', timeoutSeconds: 300 }),
    ]);
    save('ram1024', ram);
    save('nic', nic);
    save('snakeoil', snakeoil);
  });
  after(() => {
    tmp.remove();
  });

  it('a boot verified against its own description is exact (exit 0), with nothing after the firmware', async () => {
    const { status, report } = await verifyJson(logs.ram1024, '--code', CODE, '--vars', VARS, '--memory', '1024');
    expect(report.divergences).to.deep.equal([]);
    expect(report.exact).to.equal(true);
    expect(report.firmwareEvents).to.equal(report.predictedEvents);
    expect(report.later).to.deep.equal([]);
    expect(status).to.equal(0);
  });

  it('another RAM size: the one divergence is PEIFV in PCR0, and the size that would match is named', async () => {
    const { status, report } = await verifyJson(logs.ram1024, '--code', CODE, '--vars', VARS, '--memory', '512');
    expect(status).to.equal(1);
    expect(report.divergences).to.have.length(1);
    const [d] = report.divergences;
    expect(d?.pcr).to.equal(0);
    expect(d?.component).to.match(/^PEIFV/);
    expect(d?.cause).to.include('--memory 1024 would match');
  });

  it('a NIC the description lacks: its option ROM, its boot options and their boot attempts, nothing else', async () => {
    const { status, report } = await verifyJson(logs.nic, '--code', CODE, '--vars', VARS);
    expect(status).to.equal(1);
    const byComponent = (re: RegExp): Divergence[] => report.divergences.filter((d) => re.test(d.component));
    const rom = byComponent(/^option ROM driver/);
    expect(rom).to.have.length(1);
    expect(rom[0]?.kind).to.equal('extra');
    expect(rom[0]?.pcr).to.equal(2);
    expect(rom[0]?.detail).to.match(/PciRoot\(0x0\)\/Pci\(0x[0-9A-F]+,0x0\)\/Offset\(/);
    const options = byComponent(/^boot option Boot/).filter((d) => d.kind === 'extra');
    // PXEv4, PXEv6, HTTPv4 and HTTPv6 (and iPXE's own) options, each named by the NIC's MAC.
    expect(options.length).to.be.at.least(4);
    for (const o of options) expect(o.cause).to.match(/a NIC the description does not have/);
    expect(options.map((o) => o.detail).join('\n')).to.match(/PXEv4[\s\S]*PXEv6[\s\S]*HTTPv4[\s\S]*HTTPv6/);
    const attempts = byComponent(/^BDS boot attempt/);
    expect(attempts.length).to.be.at.least(2);
    for (const a of attempts) expect(a.cause).to.match(/boot option it does not have/);
    // Everything divergent is one of: the ROM, the boot options and order, the attempts.
    const explained = report.divergences.filter((d) => /^(option ROM driver|boot option Boot|BootOrder|BDS boot attempt)/.test(d.component));
    expect(explained).to.have.length(report.divergences.length);
  });

  it('another Secure Boot db: the PCR7 variables that differ are named with the store as the cause', async () => {
    const { status, report } = await verifyJson(logs.snakeoil, '--code', SECBOOT_CODE, '--vars', MS_VARS, '--smm');
    expect(status).to.equal(1);
    expect(report.divergences.length).to.be.at.least(1);
    for (const d of report.divergences) {
      expect(d.pcr, JSON.stringify(d)).to.equal(7);
      expect(d.component).to.match(/^Secure Boot variable (PK|KEK|db|dbx)/);
      expect(d.cause).to.match(/a changed PK\/KEK\/db\/dbx/);
    }
    expect(report.divergences.map((d) => d.component).join(' ')).to.match(/Secure Boot variable db /);
    // Against its own store, the same boot is exact.
    const own = await verifyJson(logs.snakeoil, '--code', SECBOOT_CODE, '--vars', SNAKEOIL_VARS, '--smm');
    expect(own.report.divergences).to.deep.equal([]);
    expect(own.status).to.equal(0);
  });

  it('the text report gives the verdict first, then each divergence with its likely cause', async () => {
    const r = await runCli('verify', logs.ram1024, '--code', CODE, '--vars', VARS, '--memory', '2048');
    expect(r.status).to.equal(1);
    const lines = r.out.split('\n');
    expect(lines[1]).to.match(/^verdict: 1 divergent event/);
    expect(r.out).to.match(/likely cause: another RAM size or machine type: .*--memory 1024 would match/);
  });
});
