import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requirePrerequisites, tempDir } from '@tcg2sim/test-support';
import {
  NorFlash, NvVariableService, VENDOR_GUID, VarStoreError, getVariable, listVariables, openVarStore, readFtwInfo, readVarStore, recoverVarStore, setVariable,
} from '@tcg2sim/uefi';
import { uefiExtractReport } from './varstore-helpers.ts';

const CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
const VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';
const TEST_GUID = 'F3E0B6D2-5A7C-4C1B-9E2D-7A1B3C5D7E9F';

/** Boots OVMF until the serial log shows the UEFI shell (or the time runs out); always kills QEMU. */
async function bootToShell(varsFile: string, serial: string, timeoutMs: number): Promise<string> {
  const qemu = spawn('qemu-system-x86_64', [
    '-machine', 'q35', '-nographic', '-m', '512', '-display', 'none', '-no-reboot', '-net', 'none',
    '-drive', `if=pflash,format=raw,readonly=on,file=${CODE}`, '-drive', `if=pflash,format=raw,file=${varsFile}`,
    '-serial', `file:${serial}`, '-monitor', 'none',
  ], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => qemu.once('exit', () => resolve()));
  const deadline = Date.now() + timeoutMs;
  let log = '';
  try {
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
      try {
        log = readFileSync(serial, 'latin1');
      } catch {
        continue;
      }
      // The shell's startup banner; give OVMF a moment to finish its variable writes.
      if (/UEFI Interactive Shell|Shell>/.test(log)) {
        await new Promise((r) => setTimeout(r, 3000));
        break;
      }
      if (qemu.exitCode !== null) break;
    }
  } finally {
    if (qemu.exitCode === null) qemu.kill('SIGKILL');
    await exited;
  }
  return readFileSync(serial, 'latin1');
}

/** Our store: two variables (one updated once, leaving a deleted copy) and a stray programmed byte. */
function ourStore(): { img: Uint8Array; vss: ReturnType<typeof uefiExtractReport> } {
  const img = new Uint8Array(readFileSync(VARS));
  setVariable(img, { name: 'Tcg2simTest', guid: TEST_GUID, attributes: 0x7, data: Uint8Array.of(0xde, 0xad, 0xbe, 0xef) });
  // TCG2_CONFIGURATION as Tcg2ConfigDxe stores it (NV|BS, one byte TpmDevice: 2 = TPM_DEVICE_2_0_DTPM).
  setVariable(img, { name: 'TCG2_CONFIGURATION', guid: VENDOR_GUID.TCG2_CONFIG_FORM_SET, attributes: 0x3, data: Uint8Array.of(2) });
  // Update once, so a deleted 0x3C record precedes the live copy in what OVMF reads.
  setVariable(img, { name: 'Tcg2simTest', guid: TEST_GUID, attributes: 0x7, data: Uint8Array.of(0xca, 0xfe) });
  // What UEFIExtract reads of it, before the stray byte (checked by the test).
  const vss = uefiExtractReport(img).filter((l) => l.type === 'VSS entry');
  // A stray programmed byte after the last record (as a cut mid-StartId leaves) makes the
  // driver reclaim through FTW at boot.
  img[readVarStore(img).lastOffset] = 0xaa;
  return { img, vss };
}

/** Seven 32 KiB variables fill the 4M store; updating Fill0 needs a reclaim, which goes through FTW. */
function filledStore(): Uint8Array {
  const base = new Uint8Array(readFileSync(VARS));
  for (let i = 0; i < 7; i++) setVariable(base, { name: `Fill${i}`, guid: TEST_GUID, attributes: 7, data: new Uint8Array(0x8000).fill(0x10 + i) });
  return base;
}
const FILL_REQUEST = { name: 'Fill0', guid: TEST_GUID, attributes: 7, data: new Uint8Array(0x8000).fill(0xee) };

/** `base` with the Fill0 update cut after `k` flash operations. */
function cutAt(base: Uint8Array, k: number): Uint8Array {
  const img = base.slice();
  try {
    setVariable(img, FILL_REQUEST, { powerLossAfter: k });
  } catch (e) {
    if (!(e instanceof VarStoreError) || e.code !== 'POWER_LOSS') throw e;
  }
  return img;
}

/** The first cut point after which FTW's SpareComplete is set (the write not yet complete). */
function firstSpareCompleteCut(base: Uint8Array): number {
  const spareComplete = (img: Uint8Array): boolean => readFtwInfo(img, openVarStore(img)).writes.some((w) => w.records[0]?.spareComplete === true && !w.complete);
  let lo = 0;
  let hi = 800_000;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (spareComplete(cutAt(base, mid))) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** A boot of `image` to the shell, started at once (up to 4 minutes: two boots share the CPUs): the file OVMF left behind and its serial log. */
interface ShellBoot {
  /** The store as booted (a copy), and the file OVMF wrote to. */
  readonly image: Uint8Array;
  readonly file: string;
  readonly done: Promise<{ log: string } | { error: unknown }>;
}

function startBoot(dir: string, image: Uint8Array): ShellBoot {
  const file = join(dir, 'vars.fd');
  writeFileSync(file, image);
  const done = bootToShell(file, join(dir, 'serial.log'), 240_000).then((log) => ({ log }), (error: unknown) => ({ error }));
  return { image: image.slice(), file, done };
}

async function shellLog(boot: ShellBoot | undefined): Promise<string> {
  if (boot === undefined) throw new Error('the boot was not started');
  const r = await boot.done;
  if ('error' in r) throw r.error;
  return r.log;
}

describe('variable store written by us, booted by OVMF in QEMU @integration', function () {
  this.timeout(300_000);
  // The two boots (each to the UEFI shell, ~30 s under TCG) are independent: `before` prepares
  // both stores and starts both QEMUs at once; each test checks its store, then awaits its boot.
  const dir = tempDir('tcg2sim-qemu-vars-');
  let ours: { img: Uint8Array; vss: ReturnType<typeof uefiExtractReport> } | undefined;
  let fillBase: Uint8Array | undefined;
  let spareCompleteCut = 0;
  const boots: { ours?: ShellBoot; cut?: ShellBoot } = {};
  before(function () {
    requirePrerequisites(this, { tools: ['qemu-system-x86_64', 'UEFIExtract'], files: [CODE, VARS] });
    ours = ourStore();
    fillBase = filledStore();
    spareCompleteCut = firstSpareCompleteCut(fillBase);
    mkdirSync(join(dir.path, 'ours'));
    mkdirSync(join(dir.path, 'cut'));
    boots.ours = startBoot(join(dir.path, 'ours'), ours.img);
    // Cut after SpareComplete, once the target's block 0 and half of block 1 are rewritten.
    boots.cut = startBoot(join(dir.path, 'cut'), cutAt(fillBase, spareCompleteCut + 0x40 + 0x1800));
  });
  after(async () => {
    await Promise.all([boots.ours?.done, boots.cut?.done]);
    dir.remove();
  });

  it('OVMF boots to its shell from our store, reclaims it exactly as we predict, keeps our variables and adds its own', async () => {
    {
      const { img, vss } = ours!;
      // UEFIExtract reads what we wrote: two live entries, one invalid (the replaced copy).
      expect(vss.map((l) => l.subtype)).to.deep.equal(['Invalid', 'Auth', 'Auth']);
      expect(vss[2]!.name).to.equal(`${TEST_GUID} | Tcg2simTest`);
      // Our recovery of the store with the stray byte is the prediction.
      const predicted = img.slice();
      recoverVarStore(predicted);
      const predictedRecords = readVarStore(predicted).records;
      expect(predictedRecords.map((r) => r.name)).to.deep.equal(['TCG2_CONFIGURATION', 'Tcg2simTest']);

      expect(Buffer.compare(Buffer.from(boots.ours!.image), Buffer.from(img))).to.equal(0);
      const log = await shellLog(boots.ours);
      expect(log).to.match(/UEFI Interactive Shell|Shell>/);

      const after = new Uint8Array(readFileSync(boots.ours!.file));
      const report = readVarStore(after);
      expect(report.freeAreaClean).to.equal(true);
      expect(report.ftw.headerValid).to.equal(true);
      expect(getVariable(after, 'Tcg2simTest', TEST_GUID)?.data).to.deep.equal(Uint8Array.of(0xca, 0xfe));
      expect(getVariable(after, 'TCG2_CONFIGURATION', VENDOR_GUID.TCG2_CONFIG_FORM_SET)?.data).to.deep.equal(Uint8Array.of(2));
      // OVMF's boot manager wrote its own variables into the same store.
      const names = listVariables(after).map((v) => v.name);
      expect(names).to.include.members(['BootOrder', 'Boot0000', 'PlatformLang']);
      // OVMF's reclaim matches ours byte for byte: the FTW queue entry it logged (write header with
      // VariableRuntimeDxe's CallerId, record Lba 0 / Offset 0x48 / Length 0x3FFB8 / RelativeOffset
      // -0x42000, all flags done) and the reclaimed records at the start of the store.
      const q = openVarStore(after).workingOffset + 0x20;
      expect(Buffer.from(after.subarray(q, q + 80)).toString('hex')).to.equal(Buffer.from(predicted.subarray(q, q + 80)).toString('hex'));
      const end = predictedRecords.at(-1)!.offset;
      expect(Buffer.compare(Buffer.from(after.subarray(0, end)), Buffer.from(predicted.subarray(0, end)))).to.equal(0);
      // Replaying OVMF's own SetVariable calls (one per record it appended, deletes where its
      // records say 0x3D) with our writer gives the same store, byte for byte: headers, time
      // stamps, padding, state transitions.
      const layout = openVarStore(predicted);
      const svc = NvVariableService.boot(new NorFlash(predicted, { blockSize: layout.blockSize }), layout);
      const appended = report.records.filter((r) => r.offset > end);
      const deleted = new Set<number>();
      const deletePending = (upTo: number, name: string, guid: string): void => {
        for (const r of appended) {
          if (r.offset >= upTo) break;
          if (r.state === 0x3d && !deleted.has(r.offset) && r.name === name && r.guid === guid) {
            svc.delete(name, guid);
            deleted.add(r.offset);
          }
        }
      };
      for (const r of appended) {
        deletePending(r.offset, r.name, r.guid);
        svc.set({ name: r.name, guid: r.guid, attributes: r.attributes, data: r.data, timeStamp: r.timeStamp, monotonicCount: r.monotonicCount, pubKeyIndex: r.pubKeyIndex });
      }
      for (const r of appended) deletePending(Number.MAX_SAFE_INTEGER, r.name, r.guid);
      expect(appended.length).to.be.greaterThan(5);
      const storeEnd = layout.storeOffset + layout.storeSize;
      expect(Buffer.compare(Buffer.from(predicted.subarray(0, storeEnd)), Buffer.from(after.subarray(0, storeEnd)))).to.equal(0);
      // And UEFIExtract agrees with our walk of the store OVMF left behind.
      const vssAfter = uefiExtractReport(after).filter((l) => l.type === 'VSS entry');
      expect(vssAfter.map((l) => l.base)).to.deep.equal(report.records.map((r) => r.offset));
    }
  });

  it('a power cut during the FTW rewrite of the store: OVMF keeps only what its variable driver cached before the FTW restart', async () => {
    // Seven 32 KiB variables fill the 4M store; updating Fill0 needs a reclaim, which goes through
    // FTW. Cut after SpareComplete, once the target's block 0 and half of block 1 are rewritten.
    const lo = spareCompleteCut;
    // EDK II's order (docs/edk2-pei.md §8.7): mark old 0x3E (1), FTW header (40 + 1), record (40),
    // erase 0x42 spare blocks, program 0x40000 bytes, SpareComplete (1).
    expect(lo).to.equal(1 + 41 + 40 + 0x42 + 0x40000 + 1);
    const cut = cutAt(fillBase!, lo + 0x40 + 0x1800);
    expect(readVarStore(cut).pendingFtwRestart).to.equal(true);
    // Our model (EDK II's FTW rules): the restart brings back every variable, Fill0 with its new value.
    expect(listVariables(cut).filter((v) => v.name.startsWith('Fill')).map((v) => [v.name, v.data[0]])).to.deep.equal(
      [['Fill1', 0x11], ['Fill2', 0x12], ['Fill3', 0x13], ['Fill4', 0x14], ['Fill5', 0x15], ['Fill6', 0x16], ['Fill0', 0xee]]);
    // The store booted (started by `before`) is this one.
    expect(Buffer.compare(Buffer.from(boots.cut!.image), Buffer.from(cut))).to.equal(0);

    {
      const log = await shellLog(boots.cut);
      expect(log).to.match(/UEFI Interactive Shell|Shell>/);
      const after = new Uint8Array(readFileSync(boots.cut!.file));
      // E (QEMU 7.2, Debian OVMF 2022.11, non-SMM): VariableRuntimeDxe (depex TRUE) read the store
      // before FaultTolerantWriteDxe restarted the write. Its cache ended after Fill1 (the only
      // record whose header was already rewritten), so its own appends went over the restored
      // Fill2.. and those variables are gone; Fill1 survives.
      const fills = listVariables(after).filter((v) => v.name.startsWith('Fill')).map((v) => [v.name, v.data.length, v.data[0]]);
      expect(fills).to.deep.equal([['Fill1', 0x8000, 0x11]]);
      expect(listVariables(after).map((v) => v.name)).to.include.members(['BootOrder', 'Boot0000']);
      // The FTW restart itself did run: its queue is complete (reclaimed) and the working block valid.
      const report = readVarStore(after);
      expect(report.ftw.headerValid).to.equal(true);
      expect(report.ftw.writes.every((w) => w.complete)).to.equal(true);
    }
  });
});
