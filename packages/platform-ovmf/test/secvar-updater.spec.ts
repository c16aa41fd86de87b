import { expect } from 'chai';
import { X509Certificate, generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EFI_SECTION, VARIABLE_RUNTIME_DXE_FILE_GUID, VENDOR_GUID } from '@tcg2sim/uefi';
import { SNAKEOIL_CERT, requirePrerequisites, skipOptional, FIRMWARE_CACHE as FIRMWARE } from '@tcg2sim/test-support';
import { FIRMWARE_SECVAR_UPDATER_FILE_GUID, embeddedCertificates, updateTable } from '../src/boot/modules/secvar-updater.ts';
import type { EmbeddedCertificate } from '../src/boot/modules/secvar-updater.ts';
import { VARIABLE_SMM_FILE_GUID as VARIABLE_SMM, maxVariableSizes } from '../src/boot/modules/secvar-updater-space.ts';
import { findModule } from '../src/boot/modules/unit.ts';
import { decompressMemFvs } from '../src/sec.ts';

// A real certificate to embed: Debian ovmf's snakeoil PK/KEK certificate.
const someCertificate = (): Uint8Array => new Uint8Array(new X509Certificate(readFileSync(SNAKEOIL_CERT)).raw);

describe('FirmwareSecvarUpdater: the certificates a driver image carries', function () {
  before(function () {
    requirePrerequisites(this, { files: [SNAKEOIL_CERT], hint: 'install Debian\'s ovmf package (scripts/debian-packages)' });
  });

  it('finds a DER certificate embedded between other bytes, with its subject', () => {
    const der = someCertificate();
    const image = new Uint8Array([...randomBytes(333), ...der, ...randomBytes(77), ...der]);
    const found = embeddedCertificates(image);
    expect(found).to.have.length(2);
    expect(Buffer.from(found[0]?.der ?? []).equals(Buffer.from(der))).to.equal(true);
    expect(found[0]?.subject).to.equal(new X509Certificate(der).subject.replace(/\n/g, ', '));
  });

  it('takes hostile bytes without a crash: look-alike headers, truncated certificates, a key blob', () => {
    const der = someCertificate();
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
    const fake = new Uint8Array([0x30, 0x82, 0xff, 0xff, 0x30, 0x82, 0x01, 0x00, ...randomBytes(600)]);
    // The truncated certificate ends the image: its declared length runs past the end.
    const image = new Uint8Array([...fake, ...spki, ...randomBytes(4096), ...der.subarray(0, der.length - 10)]);
    expect(embeddedCertificates(image)).to.deep.equal([]);
    expect(embeddedCertificates(new Uint8Array(0))).to.deep.equal([]);
  });
});

// The update table of the real drivers (Ubuntu's images, absent in CI: skipped with a notice).
// What it says was confirmed by real boots (packages/cli/test/secvar-updater-boots.spec.ts).
const BUILDS = {
  'jammy-updates 2022.02-3ubuntu0.22.04.7': 'ubuntu-jammy/usr/share/OVMF/OVMF_CODE_4M.secboot.fd',
  'noble 2024.02-2ubuntu0.10': 'ubuntu-noble/usr/share/OVMF/OVMF_CODE_4M.secboot.fd',
  'resolute 2025.11-3ubuntu7': 'ubuntu-resolute/ovmf-generic/usr/share/OVMF/OVMF_CODE_4M.secboot.fd',
} as const;

function driverImage(ctx: Mocha.Context, file: string): Uint8Array {
  const path = join(FIRMWARE, file);
  if (!existsSync(path)) skipOptional(ctx, `firmware ${path} absent (Ubuntu's ovmf package unpacked under the firmware cache; never committed)`);
  const f = findModule(decompressMemFvs(new Uint8Array(readFileSync(path))).dxeFv.volume, { name: 'FirmwareSecvarUpdater', fileGuid: FIRMWARE_SECVAR_UPDATER_FILE_GUID });
  const pe = f?.sections?.find((s) => s.type === EFI_SECTION.PE32)?.body;
  if (pe === undefined) throw new Error(`${path}: no FirmwareSecvarUpdater`);
  return pe;
}

const cnOf = (c: EmbeddedCertificate): string => /CN=([^,]*)/.exec(c.subject)?.[1] ?? '';

describe('FirmwareSecvarUpdater: the update table of Ubuntu\'s drivers', function () {
  this.timeout(60_000);
  for (const [build, file] of Object.entries(BUILDS)) {
    it(`${build}: KEK CA 2011 → KEK 2K CA 2023; PCA 2011 → Windows UEFI CA 2023; UEFI CA 2011 → UEFI CA 2023, Option ROM UEFI CA 2023`, function () {
      const table = updateTable(driverImage(this, file));
      expect(table?.map((g) => ({ variable: `${g.variable} ${g.guid}`, trigger: cnOf(g.trigger), add: g.add.map(cnOf) }))).to.deep.equal([
        { variable: `KEK ${VENDOR_GUID.GLOBAL_VARIABLE}`, trigger: 'Microsoft Corporation KEK CA 2011', add: ['Microsoft Corporation KEK 2K CA 2023'] },
        { variable: `db ${VENDOR_GUID.IMAGE_SECURITY_DATABASE}`, trigger: 'Microsoft Windows Production PCA 2011', add: ['Windows UEFI CA 2023'] },
        { variable: `db ${VENDOR_GUID.IMAGE_SECURITY_DATABASE}`, trigger: 'Microsoft Corporation UEFI CA 2011', add: ['Microsoft UEFI CA 2023', 'Microsoft Option ROM UEFI CA 2023'] },
      ]);
    });
  }

  it('takes hostile bytes without a crash: random bytes, every truncation of a real driver, its table pointers redirected', function () {
    expect(updateTable(new Uint8Array(randomBytes(4096)))).to.equal(undefined);
    expect(updateTable(new Uint8Array(0))).to.equal(undefined);
    const image = driverImage(this, BUILDS['resolute 2025.11-3ubuntu7']);
    const data = image.length - 0x580;
    const zeroed = image.slice();
    zeroed.fill(0, data);
    expect(updateTable(zeroed), 'no table: the module says INCOMPLETE').to.equal(undefined);
    for (let n = 0; n < image.length; n += 97) expect(() => updateTable(image.subarray(0, n))).to.not.throw();
    // Every 8-byte word of .data set to a pointer past the image, one at a time: a table or none, never a throw.
    for (let o = data; o + 8 <= image.length; o += 8) {
      const bad = image.slice();
      new DataView(bad.buffer).setBigUint64(o, 0xffff_ffff_fff0n, true);
      expect(() => updateTable(bad)).to.not.throw();
    }
  });
});

describe('FirmwareSecvarUpdater: PcdMaxVariableSize and PcdMaxAuthVariableSize from the variable driver\'s code', function () {
  this.timeout(60_000);
  // OvmfPkg's DSCs: 0x8400 and 0x8400 with a 4 MiB flash, 0x2000 and 0x2800 with a 2 MiB one.
  const DRIVERS = [
    ['jammy 4 MiB SMM', BUILDS['jammy-updates 2022.02-3ubuntu0.22.04.7'], 'VariableSmm', VARIABLE_SMM, { max: 0x8400, maxAuth: 0x8400 }],
    ['noble 4 MiB SMM', BUILDS['noble 2024.02-2ubuntu0.10'], 'VariableSmm', VARIABLE_SMM, { max: 0x8400, maxAuth: 0x8400 }],
    ['resolute 4 MiB SMM', BUILDS['resolute 2025.11-3ubuntu7'], 'VariableSmm', VARIABLE_SMM, { max: 0x8400, maxAuth: 0x8400 }],
    ['jammy 4 MiB', 'ubuntu-jammy/usr/share/OVMF/OVMF_CODE_4M.fd', 'VariableRuntimeDxe', VARIABLE_RUNTIME_DXE_FILE_GUID, { max: 0x8400, maxAuth: 0x8400 }],
    ['jammy 2 MiB', 'ubuntu-jammy/usr/share/OVMF/OVMF_CODE.fd', 'VariableRuntimeDxe', VARIABLE_RUNTIME_DXE_FILE_GUID, { max: 0x2000, maxAuth: 0x2800 }],
  ] as const;
  const driver = (ctx: Mocha.Context, file: string, name: string, guid: string): Uint8Array => {
    const path = join(FIRMWARE, file);
    if (!existsSync(path)) skipOptional(ctx, `firmware ${path} absent (Ubuntu's ovmf package unpacked under the firmware cache; never committed)`);
    const f = findModule(decompressMemFvs(new Uint8Array(readFileSync(path))).dxeFv.volume, { name, fileGuid: guid });
    const pe = f?.sections?.find((s) => s.type === EFI_SECTION.PE32)?.body;
    if (pe === undefined) throw new Error(`${path}: no ${name}`);
    return pe;
  };
  for (const [build, file, name, guid, sizes] of DRIVERS) {
    it(`${build} ${name}: MaxVariableSize 0x${sizes.max.toString(16)}, MaxAuthVariableSize 0x${sizes.maxAuth.toString(16)}`, function () {
      expect(maxVariableSizes(driver(this, file, name, guid))).to.deep.equal(sizes);
    });
  }

  it('finds the two stores only as a single pair on one base register; random bytes, truncations and a second pair give nothing', function () {
    // mov qword [r14+0xC0], 0x8400; mov qword [r14+0xC8], 0x8400 (resolute's VariableSmm)
    const r14 = [0x49, 0xc7, 0x86, 0xc0, 0, 0, 0, 0x00, 0x84, 0, 0, 0x49, 0xc7, 0x86, 0xc8, 0, 0, 0, 0x00, 0x84, 0, 0];
    // mov qword [r12+0xC0], 0x2000; (three other instructions) mov qword [r12+0xC8], 0x2800 (jammy's 2 MiB VariableRuntimeDxe)
    const r12 = [0x49, 0xc7, 0x84, 0x24, 0xc0, 0, 0, 0, 0x00, 0x20, 0, 0, 0x41, 0x88, 0x44, 0x24, 0x7c, 0x41, 0x89, 0xc6,
      0x49, 0xc7, 0x84, 0x24, 0xc8, 0, 0, 0, 0x00, 0x28, 0, 0];
    const pad = (b: readonly number[]): Uint8Array => new Uint8Array([0x90, 0x90, ...b, 0xc3, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc]);
    expect(maxVariableSizes(pad(r14))).to.deep.equal({ max: 0x8400, maxAuth: 0x8400 });
    expect(maxVariableSizes(pad(r12))).to.deep.equal({ max: 0x2000, maxAuth: 0x2800 });
    expect(maxVariableSizes(pad([...r14, ...r12])), 'two pairs: which one is not known').to.equal(undefined);
    const otherBase = [...r12];
    otherBase[22] = 0x86; // [r14+0xC8] after [r12+0xC0]
    expect(maxVariableSizes(pad(otherBase))).to.equal(undefined);
    expect(maxVariableSizes(new Uint8Array(0))).to.equal(undefined);
    for (let n = 0; n < r12.length; n++) expect(() => maxVariableSizes(new Uint8Array(r12.slice(0, n)))).to.not.throw();
    expect(() => maxVariableSizes(new Uint8Array(randomBytes(1 << 16)))).to.not.throw();
  });
});
