import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DecodeError, encode } from '@tcg2sim/binary-codec';
import { decodeEventLog, EV, uefiHandoffTablePointers } from '@tcg2sim/event-log';
import { hashAll, TPM_ALG_HASH } from '@tcg2sim/hash-lib';
import { parseSmbiosAnchor, parseSmbiosStructures, SMBIOS_ANCHOR_FILE, SMBIOS_TABLES_FILE } from '@tcg2sim/qemu-fwcfg';
import {
  LEGACY_BDS_PLATFORM_OPTIONS, MachineDescription, SMBIOS_TABLE_GUID, bdsPlatformOptions, decompressMemFvs, filterSmbiosEntry, filteredSmbiosTable,
  ovmfSmbiosTable, smbiosEntryPointAddress, type0StringsOf,
} from '@tcg2sim/platform-ovmf';
import { FIRMWARE_CACHE, requirePrerequisites, skipOptional, skipWithoutLocalBuild, debianOvmfDir, fetchHint } from '@tcg2sim/test-support';

const VECTORS = new URL('../../test/vectors/debian-sid-2026.08/', import.meta.url);
const vector = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(name, VECTORS)));
/** SmbiosPlatformDxe's PCDs in sid's ovmf-generic 2026.08 (read from the image below). */
const SID_TYPE0 = { vendor: 'Debian distribution of EDK II', version: '2026.08+ds-2', releaseDate: '09/26/2026' };

function smbiosFiles(prefix: string): Map<string, Uint8Array> {
  return new Map([[SMBIOS_ANCHOR_FILE, vector(`${prefix}-smbios-anchor.bin`)], [SMBIOS_TABLES_FILE, vector(`${prefix}-smbios-tables.bin`)]]);
}

// Truth: the EV_EFI_HANDOFF_TABLES event (PCR1) of real boots of sid's ovmf-generic 2026.08 under
// QEMU 7.2 (test/vectors/debian-sid-2026.08), and the SMBIOS fw_cfg files the same QEMU builds for
// those VMs (read with @tcg2sim/qemu-fwcfg).
describe('SmbiosMeasurementDxe: the SMBIOS event of sid\'s 2026.08 from QEMU\'s fw_cfg tables', () => {
  for (const [prefix, log, machine, memoryMiB] of [['q35-512', 'q35-tis-512', 'q35', 512], ['pc-768', 'pc-tis-768', 'pc', 768]] as const) {
    it(`${machine}, ${memoryMiB} MiB: the filtered table hashes to the real event's digests in every bank, with its event data`, () => {
      const real = decodeEventLog(vector(`${log}-eventlog.bin`)).events.filter((e) => e.eventType === EV.EFI_HANDOFF_TABLES);
      expect(real).to.have.length(1);
      const table = ovmfSmbiosTable(smbiosFiles(prefix), SID_TYPE0);
      expect(table?.version).to.equal(0x0208);
      expect(table?.ovmfType0).to.equal(true);
      const hashed = filteredSmbiosTable(table ?? { version: 0, bytes: new Uint8Array(), ovmfType0: false, evidence: '' });
      const algs = [TPM_ALG_HASH.SHA1, TPM_ALG_HASH.SHA256, TPM_ALG_HASH.SHA384, TPM_ALG_HASH.SHA512];
      const ours = hashAll(algs, hashed).map((d) => Buffer.from(d.digest).toString('hex'));
      expect(ours).to.deep.equal(algs.map((a) => Buffer.from(real[0]?.digests.find((d) => d.hashAlg === a)?.digest ?? []).toString('hex')));
      // The filter matters: the unfiltered table (QEMU's UUID field, CPU counts) hashes otherwise.
      expect(Buffer.from(hashAll([TPM_ALG_HASH.SHA256], table?.bytes ?? new Uint8Array())[0]?.digest ?? []).toString('hex')).to.not.equal(ours[1]);
      const data = encode(uefiHandoffTablePointers(8), { tableEntry: [{ vendorGuid: SMBIOS_TABLE_GUID, vendorTable: smbiosEntryPointAddress(MachineDescription.parse({ machine, memoryMiB })) }] });
      expect(Buffer.from(data).toString('hex')).to.equal(Buffer.from(real[0]?.eventData ?? []).toString('hex'));
    });
  }

  it('OVMF\'s type 0 takes the lowest free handle and the end structure 0xFEFF (SMBIOS 2.8)', () => {
    const t = ovmfSmbiosTable(smbiosFiles('q35-512'), SID_TYPE0);
    const all = parseSmbiosStructures(t?.bytes ?? new Uint8Array());
    expect(all.map((s) => [s.type, s.handle])).to.deep.equal([[1, 0x100], [3, 0x300], [4, 0x400], [16, 0x1000], [17, 0x1100], [19, 0x1300], [32, 0x2000], [0, 0], [127, 0xfeff]]);
    expect(Buffer.from(all[7]?.bytes ?? []).toString('latin1')).to.contain('Debian distribution of EDK II\x002026.08+ds-2\x0009/26/2026\0\0');
  });

  it('the filter: a string field becomes spaces of the same length and its index 0; OEM types keep only the header', () => {
    // Type 1 (27 bytes): Manufacturer 1, ProductName 2, Version 3, SerialNumber 4 at 0x07, a UUID, WakeUpType 6.
    const t1 = Uint8Array.from([1, 27, 0, 1, 1, 2, 3, 4, ...new Array<number>(16).fill(0xaa), 6, 0, 0, ...Buffer.from('A\0B\0C\0SER1\0\0', 'latin1')]);
    filterSmbiosEntry(t1);
    expect(t1[7]).to.equal(0);
    expect([...t1.subarray(8, 25)].every((b) => b === 0)).to.equal(true);
    expect(Buffer.from(t1.subarray(27)).toString('latin1')).to.equal('A\0B\0C\0    \0\0');
    const oem = Uint8Array.from([0x80, 6, 1, 0, 9, 9, 0x41, 0, 0]);
    filterSmbiosEntry(oem);
    expect([...oem]).to.deep.equal([0x80, 6, 1, 0, 0, 0, 0, 0, 0]);
    // An index past the last string names the last one (GetSmbiosStringById's walk).
    const t3 = Uint8Array.from([3, 9, 0, 3, 1, 0, 0, 9, 0, ...Buffer.from('X\0LAST\0\0', 'latin1')]);
    filterSmbiosEntry(t3);
    expect(Buffer.from(t3.subarray(9)).toString('latin1')).to.equal('X\0    \0\0');
  });

  it('malformed fw_cfg data: a DecodeError naming the file and offset, never a crash or hang', () => {
    const tables = vector('q35-512-smbios-tables.bin');
    const cut = (n: number): unknown => {
      try {
        return parseSmbiosStructures(tables.subarray(0, n));
      } catch (e) {
        return e;
      }
    };
    for (const n of [1, 3, 27, 60, tables.length - 1]) {
      const e = cut(n);
      expect(e, `cut at ${n}`).to.be.instanceOf(DecodeError);
      expect((e as DecodeError).message).to.contain(SMBIOS_TABLES_FILE);
    }
    const short = Uint8Array.from([1, 2, 0, 0, 0, 0]);
    expect(() => parseSmbiosStructures(short)).to.throw(DecodeError, /length 2 < 4/);
    expect(() => parseSmbiosAnchor(new Uint8Array(30))).to.throw(DecodeError, /neither/);
    expect(() => parseSmbiosAnchor(new Uint8Array(31))).to.throw(DecodeError, /_SM_/);
    // An anchor that disagrees with the tables is not taken (DetectSmbiosVersion): PcdSmbiosVersion 2.8.
    const anchor = vector('q35-512-smbios-anchor.bin').slice();
    anchor[7] = 7;
    expect(ovmfSmbiosTable(new Map([[SMBIOS_ANCHOR_FILE, anchor], [SMBIOS_TABLES_FILE, tables]]), SID_TYPE0)?.evidence).to.match(/^QEMU's SMBIOS 2\.7/);
    expect(ovmfSmbiosTable(new Map(), SID_TYPE0)).to.equal(undefined);
  });
});

describe('sid\'s ovmf-generic 2026.08 image: what decides its SMBIOS and BDS events', function () {
  this.timeout(60_000);
  const code = join(debianOvmfDir('sid', 'ovmf-generic'), 'OVMF_CODE_4M.fd');

  it('type 0 strings, the Boot Manager Menu, "EFI Firmware Setup" and PEIFV\'s base are read from the image', function () {
    requirePrerequisites(this, { files: [code], hint: fetchHint('sid', 'ovmf-generic') });
    // sid moves on: these facts are of one upload (the live sid-boot.integration.spec checks any).
    const pkg = join(code, '..', '..', '..', '..', 'PACKAGE');
    const deb = existsSync(pkg) ? readFileSync(pkg, 'utf8').trim() : '';
    if (deb !== 'ovmf-generic_2026.08+ds-2_all.deb') skipOptional(this, `${code} is from ${deb || 'an unknown upload'}, not ovmf-generic 2026.08+ds-2: sid moved on (sid-boot.integration.spec checks the new upload against live boots)`);
    const sec = decompressMemFvs(readFileSync(code));
    expect(type0StringsOf(sec, '2026.08+ds-2').strings).to.deep.equal(SID_TYPE0);
    const o = bdsPlatformOptions(sec);
    expect(o.menu).to.deep.equal({ fileGuid: 'EEC25BDC-67F2-4D95-B1D5-F81B2039D11D', description: 'BootManagerMenuApp' });
    expect(o.firmwareSetup).to.equal(true);
    expect(o.shellAttributes).to.equal(0x101);
    // The real boot's PCR0 firmware blobs: PEIFV at 0x830000 (sid's MEMFD), DXEFV at 0x900000.
    expect([sec.peiFv.base, sec.dxeFv.base]).to.deep.equal([0x830000n, 0x900000n]);
  });

  it('the local edk2-stable202505 X64 SMM build: the vendor literal follows code padding 0F 1F 40 00 (reads as \'@\'); BdsDxe\'s copy of PcdFirmwareVendor gives it without', function () {
    // Truth: the build's PCDs (docs/newer-ovmf.md "Local builds of edk2 releases") and its real boots l2505-* (PCR1, predict-smm-relocation.spec.ts).
    const code = join(FIRMWARE_CACHE, 'local-edk2/edk2-stable202505-x64-smm/OVMF_CODE_4M.secboot.fd');
    if (!existsSync(code)) skipWithoutLocalBuild(this, 'edk2-stable202505 X64 SMM', code);
    const sec = decompressMemFvs(readFileSync(code));
    expect(type0StringsOf(sec, '2025.05-local').strings).to.deep.equal({ vendor: 'tcg2sim local build of EDK II', version: '2025.05-local', releaseDate: '05/23/2025' });
  });

  it('trixie\'s 2025.02 keeps the earlier options (UiApp as the menu, the Shell bootable)', function () {
    const trixie = join(debianOvmfDir('trixie'), 'OVMF_CODE_4M.fd');
    requirePrerequisites(this, { files: [trixie], hint: fetchHint('trixie') });
    const sec = decompressMemFvs(readFileSync(trixie));
    expect(bdsPlatformOptions(sec)).to.deep.equal({ ...LEGACY_BDS_PLATFORM_OPTIONS, evidence: [] });
    expect(sec.peiFv.base).to.equal(0x820000n);
  });
});
