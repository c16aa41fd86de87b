import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromHex, toHex } from '@tcg2sim/binary-codec';
import { scanGuestMemory } from '@tcg2sim/platform-ovmf';
import type { QmpExecutor } from '@tcg2sim/platform-ovmf';
import { tempDir } from '@tcg2sim/test-support';
import { EVENT_1, LOG, SPEC_ID_EVENT, area } from './vectors/synthetic-log.ts';
import { QEMU_TPM2_TABLES } from './vectors/tpm2-tables.ts';

// gEfiTcg2FinalEventsTableGuid in memory byte order.
const FINAL_GUID = '96d02e1e' + 'e230' + '5442' + 'bd89863bbef82325';

/** A paused guest: `pmemsave` writes the asked-for slice of `ram` to the file, like QEMU does. */
function fakeQmp(ram: Uint8Array, calls: Array<readonly [number, number]>): QmpExecutor {
  return {
    execute: (command, args) => {
      if (command !== 'pmemsave' || !args) return Promise.reject(new Error(`unexpected ${command}`));
      const val = Number(args['val']);
      const size = Number(args['size']);
      calls.push([val, size]);
      writeFileSync(String(args['filename']), ram.subarray(val, val + size));
      return Promise.resolve({});
    },
  };
}

/** 1 MiB of guest RAM with a real log, two stale copies and the final events table. */
function guestRam(): Uint8Array {
  const ram = new Uint8Array(0x100000);
  ram.set(fromHex(SPEC_ID_EVENT + EVENT_1), 0x10100); // unaligned stale copy (a stack buffer, say)
  ram.set(area(fromHex(SPEC_ID_EVENT + EVENT_1 + 'deadbeef'.repeat(8)), 0x1000), 0x20000); // aligned, torn
  ram.set(area(LOG), 0xe0000); // the log area
  ram.set(area(fromHex('0100000000000000' + '0000000000000000'), 0x8000), 0xf0000); // final events table
  ram.set(fromHex(FINAL_GUID + '00000f0000000000'), 0xd0008); // its EFI_CONFIGURATION_TABLE entry
  return ram;
}

describe('scanGuestMemory (pmemsave through QMP)', () => {
  let tmp: ReturnType<typeof tempDir> | undefined;
  before(() => {
    tmp = tempDir('tcg2sim-scan-test-');
  });
  after(() => {
    tmp?.remove();
  });

  it('takes the page-aligned log that ends in free space and the table its configuration entry points at', async () => {
    const calls: Array<readonly [number, number]> = [];
    const r = await scanGuestMemory(fakeQmp(guestRam(), calls), [[0, 0x100000]], join(tmp!.path, 'ram.bin'), true);
    expect(r.noLog).to.equal(undefined);
    expect(r.log?.eventLogAddress).to.equal(0xe0000);
    expect([...(r.log?.eventLog ?? [])]).to.deep.equal([...LOG]);
    expect(r.log?.extent).to.deep.equal({ length: LOG.length, eventCount: 3, endReason: 'free-space' });
    expect(r.log?.finalEventsAddress).to.equal(0xf0000);
    expect(r.log?.finalEventsEntryAddress).to.equal(0xd0008);
    expect(r.log?.finalEvents?.length).to.equal(16);
    expect(r.copies.map((c) => [c.address, c.pageAligned, c.extent?.endReason])).to.deep.equal([
      [0x10100, false, undefined],
      [0x20000, true, 'invalid-record'],
      [0xe0000, true, 'free-space'],
    ]);
    expect(r.bytesScanned).to.equal(0x100000);
    // Each page-aligned candidate is re-read as its own 64 KiB area, and the table as 32 KiB.
    expect(calls).to.deep.include([0xe0000, 0x10000]);
    expect(calls).to.deep.include([0xf0000, 0x8000]);
  });

  it('reports no log (not an error) when RAM holds only stale copies, after searching all of it', async () => {
    const ram = guestRam();
    ram.fill(0, 0xe0000, 0xf0000);
    const r = await scanGuestMemory(fakeQmp(ram, []), [[0, 0x100000]], join(tmp!.path, 'ram.bin'), false);
    expect(r.log).to.equal(undefined);
    expect(r.noLog).to.equal('no TCG_2 event log in 1048576 bytes of guest RAM (2 Spec ID signatures, none a whole log)');
    expect(r.bytesScanned).to.equal(0x100000);
  });

  it('reports no log in RAM without any Spec ID signature (a firmware built without TPM support)', async () => {
    const r = await scanGuestMemory(fakeQmp(new Uint8Array(0x100000), []), [[0, 0x100000]], join(tmp!.path, 'ram.bin'), false);
    expect(r.log).to.equal(undefined);
    expect(r.copies).to.deep.equal([]);
    expect(r.noLog).to.match(/^no TCG_2 event log in 1048576 bytes of guest RAM \(0 Spec ID/);
  });

  it('returns the TPM2 ACPI tables with a valid checksum found in the chunks it saved', async () => {
    const ram = guestRam();
    const tpm2 = fromHex(QEMU_TPM2_TABLES[1].hex);
    ram.set(tpm2, 0xc0010);
    const torn = tpm2.slice();
    torn[40] = 0x99; // checksum no longer matches
    ram.set(torn, 0xc1000);
    const r = await scanGuestMemory(fakeQmp(ram, []), [[0, 0x100000]], join(tmp!.path, 'ram.bin'), false);
    expect(r.acpiTables.map((t) => [t.signature, t.address, toHex(t.bytes)])).to.deep.equal([['TPM2', 0xc0010, QEMU_TPM2_TABLES[1].hex]]);
  });
});
