import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { ovmfImage, requirePrerequisites } from '@tcg2sim/test-support';
import {
  AUTHENTICATED_VARIABLE_GUID, VENDOR_GUID, VarStoreError, formatVarStore, listVariables, getVariable, readVarStore,
  attributeNames, parseAttributes, walkStore, parseNvLayout, setVariable,
} from '@tcg2sim/uefi';
import { uefiExtractReport } from './varstore-helpers.ts';

const STORES = ['OVMF_VARS.fd', 'OVMF_VARS.ms.fd', 'OVMF_VARS_4M.fd', 'OVMF_VARS_4M.ms.fd', 'OVMF_VARS_4M.snakeoil.fd'] as const;

function load(name: string): Uint8Array {
  return new Uint8Array(readFileSync(ovmfImage(name) ?? name));
}

describe('variable store reader: Debian OVMF images against UEFIExtract @integration', function () {
  before(function () {
    requirePrerequisites(this, { tools: ['UEFIExtract'], files: STORES.map((s) => `/usr/share/OVMF/${s}`) });
  });

  it('finds the layout of docs/edk2-pei.md §8.1-8.3 in the 4M and 2M stores', () => {
    const l4 = readVarStore(load('OVMF_VARS_4M.fd')).layout;
    expect([l4.storeOffset, l4.storeSize, l4.workingOffset, l4.workingSize, l4.spareOffset, l4.spareSize, l4.blockSize])
      .to.deep.equal([0x48, 0x3ffb8, 0x41000, 0x1000, 0x42000, 0x42000, 0x1000]);
    expect(l4.storeHeader.signature).to.equal(AUTHENTICATED_VARIABLE_GUID);
    expect(l4.fvHeader.checksum).to.equal(0xb8af);
    const l2 = readVarStore(load('OVMF_VARS.fd')).layout;
    expect([l2.storeOffset, l2.storeSize, l2.workingOffset, l2.spareOffset, l2.spareSize]).to.deep.equal([0x48, 0xdfb8, 0xf000, 0x10000, 0x10000]);
    expect(l2.fvHeader.checksum).to.equal(0xf919);
  });

  it('formatVarStore rebuilds the empty 4M and 2M stores byte for byte (FV header, store header, FTW CRC)', () => {
    expect(Buffer.compare(Buffer.from(formatVarStore()), Buffer.from(load('OVMF_VARS_4M.fd')))).to.equal(0);
    expect(Buffer.compare(Buffer.from(formatVarStore({ regionBlocks: 0xe })), Buffer.from(load('OVMF_VARS.fd')))).to.equal(0);
  });

  for (const name of STORES) {
    it(`${name}: every record matches UEFIExtract's VSS entries (offset, size, GUID, name, valid/invalid)`, () => {
      const img = load(name);
      const report = readVarStore(img);
      const vss = uefiExtractReport(`/usr/share/OVMF/${name}`).filter((l) => l.type === 'VSS entry');
      expect(report.records.length).to.equal(vss.length);
      report.records.forEach((r, i) => {
        const e = vss[i]!;
        expect(r.offset, `record ${i}`).to.equal(e.base);
        // UEFIExtract's size: header + name + data, without the alignment padding.
        expect(60 + 2 * (r.name.length + 1) + r.data.length).to.equal(e.size);
        if (r.state === 0x3f) {
          expect(e.subtype).to.equal('Auth');
          expect(e.name).to.equal(`${r.guid} | ${r.name}`);
        } else {
          expect(e.subtype).to.equal('Invalid');
        }
      });
      expect(report.ftw.headerValid).to.equal(true);
      expect(report.freeAreaClean).to.equal(true);
    });
  }

  it('the shipped empty stores hold no variables; the ms store holds 31 live of 57 records with deleted 0x3C/0x3D ones', () => {
    expect(listVariables(load('OVMF_VARS_4M.fd'))).to.have.length(0);
    const r = readVarStore(load('OVMF_VARS_4M.ms.fd'));
    expect(r.records).to.have.length(57);
    expect(r.variables).to.have.length(31);
    expect(new Set(r.records.map((x) => x.state))).to.deep.equal(new Set([0x3f, 0x3c, 0x3d]));
  });

  it('reads the Secure Boot variables under their well-known GUIDs', () => {
    const img = load('OVMF_VARS_4M.ms.fd');
    const pk = getVariable(img, 'PK', VENDOR_GUID.GLOBAL_VARIABLE)!;
    expect(attributeNames(pk.attributes)).to.equal('NV|BS|RT|AT');
    // EFI_SIGNATURE_LIST starts with EFI_CERT_X509_GUID a5c059a1-94e4-4aa7-87b5-ab155c2bf072.
    expect(Buffer.from(pk.data.subarray(0, 4)).toString('hex')).to.equal('a159c0a5');
    expect(getVariable(img, 'db', VENDOR_GUID.IMAGE_SECURITY_DATABASE)!.data.length).to.equal(3143);
    expect(getVariable(img, 'SecureBootEnable', VENDOR_GUID.SECURE_BOOT_ENABLE_DISABLE)!.data).to.deep.equal(Uint8Array.of(1));
    expect(getVariable(img, 'db', VENDOR_GUID.GLOBAL_VARIABLE)).to.equal(undefined);
  });

  it('UEFIExtract still parses a 4M store after we reclaimed it through FTW', () => {
    const img = load('OVMF_VARS_4M.ms.fd');
    for (let i = 0; i < 8; i++) {
      setVariable(img, { name: 'Big', guid: '5D6F3A1E-0B2C-4E8A-9F1D-2C3B4A5D6E7F', attributes: 7, data: new Uint8Array(0x8000).fill(i) });
    }
    const report = readVarStore(img);
    expect(report.ftw.writes.length).to.be.greaterThan(0);
    expect(report.ftw.writes.every((w) => w.complete && w.records.every((r) => r.spareComplete && r.destinationComplete))).to.equal(true);
    const lines = uefiExtractReport(img);
    const vss = lines.filter((l) => l.type === 'VSS entry');
    expect(vss.map((l) => l.base)).to.deep.equal(report.records.map((r) => r.offset));
    expect(vss.filter((l) => l.subtype === 'Auth').length).to.equal(report.variables.length);
    expect(lines.some((l) => l.type === 'FTW store' && l.base === 0x41000)).to.equal(true);
  });

  it('reads the store at the start of a combined OVMF.fd image (VARS followed by CODE)', () => {
    const combined = new Uint8Array([...load('OVMF_VARS.ms.fd'), ...load('OVMF_CODE.fd')]);
    expect(listVariables(combined).map((v) => v.name)).to.deep.equal(listVariables(load('OVMF_VARS.ms.fd')).map((v) => v.name));
  });
});

describe('variable attributes', () => {
  it('names and parses attribute bits', () => {
    expect(attributeNames(0x27)).to.equal('NV|BS|RT|AT');
    expect(attributeNames(0x100)).to.equal('0x100');
    expect(parseAttributes('NV|BS|RT')).to.equal(7);
    expect(parseAttributes('0x27')).to.equal(0x27);
    expect(() => parseAttributes('XX')).to.throw(RangeError);
  });
});

describe('variable store reader: hostile input', () => {
  function expectCode(fn: () => unknown, code: string, offset?: number): void {
    try {
      fn();
    } catch (e) {
      expect(e).to.be.instanceOf(VarStoreError);
      expect((e as VarStoreError).code).to.equal(code);
      if (offset !== undefined) expect((e as VarStoreError).offset).to.equal(offset);
      return;
    }
    expect.fail(`expected VarStoreError ${code}`);
  }
  const fresh = (): Uint8Array => formatVarStore({ blockSize: 0x200, regionBlocks: 4 });

  it('rejects a bad FV signature, checksum, FileSystemGuid and store header with the offset', () => {
    let img = fresh();
    img[0x28] = 0;
    expectCode(() => parseNvLayout(img), 'BAD_FV_HEADER', 0x28);
    img = fresh();
    img[0x40] = img[0x40]! ^ 1;
    expectCode(() => parseNvLayout(img), 'BAD_FV_HEADER', 0x32);
    img = fresh();
    img[0x48 + 20] = 0;
    expectCode(() => parseNvLayout(img), 'BAD_STORE_HEADER', 0x48 + 20);
    img = fresh();
    img[0x48] = img[0x48]! ^ 1;
    expectCode(() => parseNvLayout(img), 'BAD_STORE_HEADER', 0x48);
  });

  it('rejects a truncated image and an FvLength past the end', () => {
    const img = fresh();
    expect(() => parseNvLayout(img.subarray(0, 0x30))).to.throw();
    expectCode(() => parseNvLayout(img.subarray(0, 0x1000)), 'BAD_FV_HEADER', 0x20);
  });

  it('rejects huge NameSize/DataSize with the offset of the field', () => {
    const img = fresh();
    img.set([0xaa, 0x55, 0x3f], 0x64);
    img.fill(0, 0x67, 0x64 + 60);
    img.set([0, 0, 0, 0x10], 0x64 + 36); // NameSize 0x10000000
    expectCode(() => walkStore(img, parseNvLayout(img)), 'RECORD_OVERRUN', 0x64 + 36);
    img.set([2, 0, 0, 0], 0x64 + 36);
    img.set([0xf0, 0xff, 0xff, 0x7f], 0x64 + 40);
    expectCode(() => walkStore(img, parseNvLayout(img)), 'RECORD_OVERRUN', 0x64 + 40);
  });

  it('ends the list at a bad StartId, as EDK II does, and reports the dirty free area', () => {
    const img = fresh();
    img.set([0xaa, 0x54], 0x64);
    const w = walkStore(img, parseNvLayout(img));
    expect(w.records).to.have.length(0);
    expect(w.freeAreaClean).to.equal(false);
    // The driver reclaims at boot: the listing (after recovery) is empty and clean.
    expect(listVariables(img)).to.have.length(0);
  });

  it('a write queue EDK II would walk forever is BAD_FTW_QUEUE at the header offset', () => {
    const img = fresh();
    const ws = parseNvLayout(img).workingOffset;
    // A Complete header (flags 0xF8) with NumberOfWrites 2^64-1 and PrivateDataSize 0:
    // FTW_WRITE_TOTAL_SIZE wraps to 0, so FtwGetLastWriteHeader never advances.
    img.fill(0, ws + 0x20, ws + 0x20 + 40);
    img[ws + 0x20] = 0xf8;
    img.fill(0xff, ws + 0x20 + 24, ws + 0x20 + 32);
    expectCode(() => listVariables(img), 'BAD_FTW_QUEUE', ws + 0x20);
  });
});
