import { expect } from 'chai';
import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  LINUX_FS_TYPE_GUID, OVMF_DIR, buildEfiApplication, buildEspDisk, buildGptDisk, requirePrerequisites, sbsign, snakeoilSigner, tempDir,
} from '@tcg2sim/test-support';
import { runCli } from './harness.ts';

const run = runCli;

/** Exit 2 with exactly one line on stderr. */
function expectUsageError(r: { status: number; out: string; err: string }): void {
  expect(r.status).to.equal(2);
  expect(r.out).to.equal('');
  expect(r.err.split('\n').filter((l) => l !== '')).to.have.length(1);
}

describe('tcg2sim predict --disk', function () {
  this.timeout(120_000);
  const tmp = tempDir('tcg2sim-cli-disk-');
  const file = (name: string, bytes: Uint8Array): string => {
    const p = join(tmp.path, name);
    writeFileSync(p, bytes);
    return p;
  };
  after(() => tmp.remove());

  it('exits 2 with one line when the disk image does not exist', async () => {
    expectUsageError(await run('predict', '--disk', join(tmp.path, 'missing.img')));
  });

  it('exits 2 with one line for a disk without a GPT', async () => {
    expectUsageError(await run('predict', '--disk', file('zero.img', new Uint8Array(64 * 1024))));
  });

  it('exits 2 with one line for a GPT disk without an EFI System Partition', async () => {
    const d = buildGptDisk({
      totalSectors: 8192,
      diskGuid: '11111111-2222-3333-4444-555555555555',
      partitions: [{ typeGuid: LINUX_FS_TYPE_GUID, uniqueGuid: 'AAAAAAAA-0000-0000-0000-000000000001', firstLba: 2048, lastLba: 4095 }],
    });
    expectUsageError(await run('predict', '--disk', file('noesp.img', d)));
  });

  it('exits 2 with one line for an ESP without \\EFI\\BOOT\\BOOTX64.EFI', async () => {
    const d = buildEspDisk({ files: [{ path: 'EFI/debian/grubx64.efi', data: buildEfiApplication() }] });
    expectUsageError(await run('predict', '--disk', file('noloader.img', d)));
  });

  it('reads a 5 GiB sparse image on demand', async function () {
    const code = join(OVMF_DIR, 'OVMF_CODE_4M.fd');
    const vars = join(OVMF_DIR, 'OVMF_VARS_4M.fd');
    requirePrerequisites(this, { files: [code, vars] });
    const d = buildEspDisk({ files: [{ path: 'EFI/BOOT/BOOTX64.EFI', data: buildEfiApplication(new Uint8Array(70_000)) }] });
    const big = file('big.img', d);
    truncateSync(big, 5 * 1024 ** 3);
    const r = await run('predict', '--code', code, '--vars', vars, '--disk', big, '--banks', 'sha256', '--json');
    expect(r.status, r.err).to.equal(0);
    expect((JSON.parse(r.out) as { endState: string }).endState).to.match(/^started Boot0002/);
  });

  it('predicts the GPT event and the loader image event after the disk option\'s ReadyToBoot (disk from a scenario, relative to it)', async function () {
    const code = join(OVMF_DIR, 'OVMF_CODE_4M.fd');
    const vars = join(OVMF_DIR, 'OVMF_VARS_4M.fd');
    requirePrerequisites(this, { files: [code, vars] });
    const loader = buildEfiApplication(new Uint8Array(70_000).fill(0x90));
    file('boot.img', buildEspDisk({ files: [{ path: 'EFI/BOOT/BOOTX64.EFI', data: loader }] }));
    const scenario = file('scenario.yaml', new TextEncoder().encode('disk: boot.img\nbanks: [sha256]\n'));
    const r = await run('predict', '--code', code, '--vars', vars, '--scenario', scenario, '--json');
    expect(r.status, r.err).to.equal(0);
    const j = JSON.parse(r.out) as { endState: string; events: { pcrIndex: number; eventType: string }[]; mismatches: unknown[] };
    expect(j.endState).to.match(/^started Boot0002 "UEFI Misc Device"/);
    expect(j.mismatches).to.deep.equal([]);
    const tail = j.events.slice(-4).map((e) => `${e.pcrIndex}:${e.eventType}`);
    expect(tail).to.deep.equal(['4:EV_EFI_ACTION', '4:EV_EFI_ACTION', '5:EV_EFI_GPT_EVENT', '4:EV_EFI_BOOT_SERVICES_APPLICATION']);
  });

  it('exits 2 with one line for an unknown --disk-interface, or --disk-interface without --disk', async () => {
    const disk = file('if.img', buildEspDisk({ files: [{ path: 'EFI/BOOT/BOOTX64.EFI', data: buildEfiApplication(new Uint8Array(70_000).fill(0x90)) }] }));
    expectUsageError(await run('predict', '--disk', disk, '--disk-interface', 'ide'));
    expectUsageError(await run('predict', '--disk-interface', 'nvme'));
  });

  it('--disk-interface scsi: no DVD-ROM option (QEMU drops it), the disk is Boot0001 and its loader is measured at once', async function () {
    const code = join(OVMF_DIR, 'OVMF_CODE_4M.fd');
    const vars = join(OVMF_DIR, 'OVMF_VARS_4M.fd');
    requirePrerequisites(this, { files: [code, vars] });
    const disk = file('scsi.img', buildEspDisk({ files: [{ path: 'EFI/BOOT/BOOTX64.EFI', data: buildEfiApplication(new Uint8Array(70_000).fill(0x90)) }] }));
    const r = await run('predict', '--code', code, '--vars', vars, '--disk', disk, '--disk-interface', 'scsi', '--banks', 'sha256', '--json');
    expect(r.status, r.err).to.equal(0);
    const j = JSON.parse(r.out) as { endState: string; events: { pcrIndex: number; eventType: string }[]; mismatches: unknown[] };
    expect(j.endState).to.match(/^started Boot0001 "UEFI QEMU QEMU HARDDISK "/);
    expect(j.mismatches).to.deep.equal([]);
    // One ReadyToBoot, no failed DVD-ROM attempt: no EV_EFI_ACTION pair before the GPT.
    const tail = j.events.slice(-3).map((e) => `${e.pcrIndex}:${e.eventType}`);
    expect(tail).to.deep.equal(['6:EV_SEPARATOR', '5:EV_EFI_GPT_EVENT', '4:EV_EFI_BOOT_SERVICES_APPLICATION']);
  });

  it('predicts Secure Boot of a signed loader: the db authority in PCR7, then GPT and image, and a note naming the db entry', async function () {
    const code = join(OVMF_DIR, 'OVMF_CODE_4M.secboot.fd');
    const vars = join(OVMF_DIR, 'OVMF_VARS_4M.snakeoil.fd');
    requirePrerequisites(this, { tools: ['sbsign'], files: [code, vars, '/usr/share/ovmf/PkKek-1-snakeoil.key'] });
    const signed = sbsign(tmp.path, buildEfiApplication(new Uint8Array(70_000).fill(0x90)), snakeoilSigner(tmp.path));
    const disk = file('signed.img', buildEspDisk({ files: [{ path: 'EFI/BOOT/BOOTX64.EFI', data: signed }] }));
    const r = await run('predict', '--code', code, '--vars', vars, '--smm', '--disk', disk, '--banks', 'sha256', '--json');
    expect(r.status, r.err).to.equal(0);
    const j = JSON.parse(r.out) as { endState: string; notes: string[]; events: { pcrIndex: number; eventType: string }[] };
    expect(j.endState).to.match(/^started Boot0002/);
    const tail = j.events.slice(-3).map((e) => `${e.pcrIndex}:${e.eventType}`);
    expect(tail).to.deep.equal(['7:EV_EFI_VARIABLE_AUTHORITY', '5:EV_EFI_GPT_EVENT', '4:EV_EFI_BOOT_SERVICES_APPLICATION']);
    expect(j.notes.some((n) => /allowed by db certificate .*db list 0, entry 0/.test(n))).to.equal(true);
  });
});
