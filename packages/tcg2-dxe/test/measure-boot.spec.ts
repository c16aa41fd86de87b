import { expect } from 'chai';
import { MeasureBootHandler } from '@tcg2sim/tcg2-dxe';
import type { GptDisk, ImageLoad } from '@tcg2sim/tcg2-dxe';
import { dig, h, hex, startDxe, tinyPe, tinyPeDigest, tinyTe } from './support.ts';

const PATH = Uint8Array.of(0x04, 0x06, 0x14, 0x00, ...new Array<number>(16).fill(0x5a), 0x7f, 0xff, 0x04, 0x00);

function load(fileBuffer: Uint8Array | undefined, origin: ImageLoad['origin'], gpt?: GptDisk): ImageLoad {
  return { devicePath: PATH, fileBuffer, bufferAddress: 0x7e000000n, origin, ...(gpt === undefined ? {} : { gpt }) };
}

const APP = 10;
const BS_DRIVER = 11;
const RT_DRIVER = 12;

/** A GPT header (92 bytes, EFI PART) with 4 entries of 128 bytes, entries 0 and 2 in use. */
function gpt(): GptDisk {
  const header = new Uint8Array(92);
  header.set(new TextEncoder().encode('EFI PART'));
  const v = new DataView(header.buffer);
  v.setUint32(8, 0x00010000, true);
  v.setUint32(12, 92, true);
  v.setBigUint64(72, 2n, true);
  v.setUint32(80, 4, true);
  v.setUint32(84, 128, true);
  const entries = [0, 1, 2, 3].map((i) => {
    const e = new Uint8Array(128);
    if (i % 2 === 0) e.fill(0x10 + i, 0, 16);
    e.fill(0xee, 16, 128);
    return e;
  });
  return { header, sizeOfPartitionEntry: 128, entries };
}

describe('DxeTpm2MeasureBootLib policy (docs/edk2-dxe.md §8)', function () {
  it('measures an application from a PEI-measured FV into PCR4 with the EFI_IMAGE_LOAD_EVENT of §3.7 and the PE digest', async function () {
    const { dxe, tpm } = startDxe(0x02);
    const handler = new MeasureBootHandler([0x900000n]);
    const pe = tinyPe(APP);
    expect(await handler.fileAuthentication(dxe, load(pe, { kind: 'fv', rootFvBase: 0x900000n }))).to.equal('EFI_SUCCESS');
    expect(tpm.extends.map((e) => e.pcr)).to.deep.equal([4]);
    expect(dig(tpm.extends[0]?.digests, 0x0b)).to.equal(tinyPeDigest('sha256', pe));
    const area = dxe.area(2);
    const rec = area?.used.subarray(65) ?? new Uint8Array();
    // PCR 4, EV_EFI_BOOT_SERVICES_APPLICATION, one SHA256 digest, EventSize 32 + 24.
    expect(hex(rec.subarray(0, 8))).to.equal('04000000' + '03000080');
    expect(hex(rec.subarray(46, 50))).to.equal('38000000');
    expect(hex(rec.subarray(50))).to.equal(
      '0000007e00000000' + '0004000000000000' + '0000004001000000' + '1800000000000000' + hex(PATH)
    );
  });

  it('does not measure a driver from a PEI-measured FV, but measures drivers from an unmeasured FV into PCR2', async function () {
    const { dxe, tpm } = startDxe(0x02);
    const handler = new MeasureBootHandler([0x900000n]);
    expect(await handler.fileAuthentication(dxe, load(tinyPe(BS_DRIVER), { kind: 'fv', rootFvBase: 0x900000n }))).to.equal('EFI_SUCCESS');
    expect(tpm.extends).to.have.length(0);
    await handler.fileAuthentication(dxe, load(tinyPe(BS_DRIVER), { kind: 'fv', rootFvBase: 0xa00000n }));
    await handler.fileAuthentication(dxe, load(tinyPe(RT_DRIVER), { kind: 'other' }));
    expect(tpm.extends.map((e) => e.pcr)).to.deep.equal([2, 2]);
    const types = [65, 65 + 50 + 56].map((o) => hex(dxe.area(2)?.used.subarray(o + 4, o + 8)));
    expect(types).to.deep.equal(['04000080', '05000080']);
  });

  it('measures only applications from any FV when the MeasuredFv HOB is missing', async function () {
    const { dxe, tpm } = startDxe(0x02);
    const handler = new MeasureBootHandler(undefined);
    await handler.fileAuthentication(dxe, load(tinyPe(BS_DRIVER), { kind: 'fv', rootFvBase: 0xa00000n }));
    await handler.fileAuthentication(dxe, load(tinyPe(APP), { kind: 'fv', rootFvBase: 0xa00000n }));
    expect(tpm.extends.map((e) => e.pcr)).to.deep.equal([4]);
  });

  it('returns EFI_SUCCESS without measuring the FV itself, EFI_SECURITY_VIOLATION for a NULL buffer', async function () {
    const { dxe, tpm } = startDxe(0x02);
    const handler = new MeasureBootHandler([]);
    expect(await handler.fileAuthentication(dxe, load(tinyPe(APP), { kind: 'fv', rootFvBase: 0n, isVolume: true }))).to.equal('EFI_SUCCESS');
    expect(await handler.fileAuthentication(dxe, load(undefined, { kind: 'other' }))).to.equal('EFI_SECURITY_VIOLATION');
    expect(tpm.extends).to.have.length(0);
  });

  it('rejects a TE application from disk with EFI_UNSUPPORTED (nothing extended), and skips a TE driver from a measured FV', async function () {
    const { dxe, tpm } = startDxe(0x02);
    const handler = new MeasureBootHandler([0x900000n]);
    expect(await handler.fileAuthentication(dxe, load(tinyTe(APP), { kind: 'other' }))).to.equal('EFI_UNSUPPORTED');
    expect(await handler.fileAuthentication(dxe, load(tinyTe(BS_DRIVER), { kind: 'fv', rootFvBase: 0x900000n }))).to.equal('EFI_SUCCESS');
    expect(tpm.extends).to.have.length(0);
  });

  it('fails LoadImage for an unknown subsystem and for garbage (EFI_ACCESS_DENIED without a device path)', async function () {
    const { dxe, tpm } = startDxe(0x02);
    const handler = new MeasureBootHandler([]);
    expect(await handler.fileAuthentication(dxe, load(tinyPe(13), { kind: 'other' }))).to.equal('EFI_UNSUPPORTED');
    const junk = { devicePath: undefined, fileBuffer: new Uint8Array(64), bufferAddress: 0n, origin: { kind: 'other' as const } };
    expect(await handler.fileAuthentication(dxe, junk)).to.equal('EFI_ACCESS_DENIED');
    expect(tpm.extends).to.have.length(0);
  });

  it('measures the GPT once in PCR5 (header 92 bytes, UINTN count, the used entries in table order) before the image', async function () {
    const { dxe, tpm } = startDxe(0x02);
    const handler = new MeasureBootHandler([]);
    const disk = gpt();
    await handler.fileAuthentication(dxe, load(tinyPe(APP), { kind: 'other' }, disk));
    await handler.fileAuthentication(dxe, load(tinyPe(APP, 0x90), { kind: 'other' }, disk));
    expect(tpm.extends.map((e) => e.pcr)).to.deep.equal([5, 4, 4]);
    const expected = new Uint8Array(92 + 8 + 2 * 128);
    expected.set(disk.header);
    expected[92] = 2;
    expected.set(disk.entries[0] ?? new Uint8Array(), 100);
    expected.set(disk.entries[2] ?? new Uint8Array(), 228);
    expect(dig(tpm.extends[0]?.digests, 0x0b)).to.equal(h('sha256', expected));
    const rec = dxe.area(2)?.used.subarray(65) ?? new Uint8Array();
    expect(hex(rec.subarray(0, 8))).to.equal('05000000' + '06000080');
    expect(hex(rec.subarray(50, 50 + expected.length))).to.equal(hex(expected));
  });

  it('lets the image load when the log is full (EFI_VOLUME_FULL becomes EFI_SUCCESS), after extending the PCR', async function () {
    const { dxe, tpm } = startDxe(0x02, { logAreaLength: 100 });
    const handler = new MeasureBootHandler([]);
    expect(await handler.fileAuthentication(dxe, load(tinyPe(APP), { kind: 'other' }))).to.equal('EFI_SUCCESS');
    expect(tpm.extends.map((e) => e.pcr)).to.deep.equal([4]);
    expect(dxe.area(2)?.truncated).to.equal(true);
  });

  it('measures no GPT when SizeOfPartitionEntry is 0, and tries again on the next load', async function () {
    const { dxe, tpm } = startDxe(0x02);
    const handler = new MeasureBootHandler([]);
    await handler.fileAuthentication(dxe, load(tinyPe(APP), { kind: 'other' }, { ...gpt(), sizeOfPartitionEntry: 0 }));
    await handler.fileAuthentication(dxe, load(tinyPe(APP), { kind: 'other' }, gpt()));
    expect(tpm.extends.map((e) => e.pcr)).to.deep.equal([4, 5, 4]);
  });
});
