/**
 * `tcg2sim pe`: the image digests against pesign (its own Authenticode implementation), the
 * Secure Boot answers against Debian's OVMF variable stores with loaders signed by sbsign, and the
 * EV_EFI_VARIABLE_AUTHORITY event against a UEFI_VARIABLE_DATA assembled here by hand from the
 * snakeoil certificate's bytes as they sit in the store file.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  OVMF_DIR, SNAKEOIL_CERT, buildEfiApplication, lazyTempDir, makeSigner, requirePrerequisites, sbsign, sbverify, snakeoilSigner,
} from '@tcg2sim/test-support';
import { formatVarStore, parseFlashImage, setVariable, walkFv } from '@tcg2sim/uefi';
import { runCli } from './harness.ts';

const SNAKEOIL_VARS = join(OVMF_DIR, 'OVMF_VARS_4M.snakeoil.fd');
const MS_VARS = join(OVMF_DIR, 'OVMF_VARS_4M.ms.fd');
const PLAIN_VARS = join(OVMF_DIR, 'OVMF_VARS_4M.fd');
const SECBOOT_CODE = join(OVMF_DIR, 'OVMF_CODE_4M.secboot.fd');
const SNAKEOIL_KEY = '/usr/share/ovmf/PkKek-1-snakeoil.key';

interface PeJson {
  format: string;
  machine: number;
  subsystem: number;
  digests: Record<string, string> | null;
  imageEvent: { pcr: number; eventType: string } | null;
  signatures: { kind: string; digestAlgorithm: string | null; digestMatchesImage: boolean; signers: { subject: string; serial: string }[]; certificates: unknown[] }[];
  secureBoot?: {
    secureBoot: number;
    verified: boolean;
    decision: string;
    status: string;
    action: string;
    authorities: { listIndex: number; entryIndex: number; via: string; signatureTypeName: string | null; owner: string; subject: string | null }[];
    authorityEvents: { pcr: number; eventType: string; data: string; digests: Record<string, string> }[];
  };
}

async function peJson(...args: string[]): Promise<PeJson> {
  const r = await runCli('pe', ...args, '--json');
  expect(r.status, r.err).to.equal(0);
  expect(r.err).to.equal('');
  return JSON.parse(r.out) as PeJson;
}

function pesign(file: string, digest: 'sha1' | 'sha256'): string {
  const out = execFileSync('pesign', ['-h', '-d', digest, '-i', file], { encoding: 'utf8' });
  const m = /hash:\s*([0-9a-f]+)/.exec(out);
  if (m?.[1] === undefined) throw new Error(`pesign printed no hash for ${file}`);
  return m[1];
}

/** A distinct loader (its code differs by `tag`). */
function loader(tag: number): Uint8Array {
  return buildEfiApplication(Uint8Array.of(0x90, tag, 0xf4, 0xeb, 0xfd));
}

describe('tcg2sim pe: image facts and digests', () => {
  const dir = lazyTempDir('tcg2sim-cli-pe-');
  after(() => dir.remove());

  it('gives the Authenticode digests pesign computes for OVMF-embedded drivers and applications of every subsystem and format', async function () {
    requirePrerequisites(this, { tools: ['pesign'], files: [SECBOOT_CODE] });
    const flash = parseFlashImage(new Uint8Array(readFileSync(SECBOOT_CODE)));
    const picked = new Map<string, Uint8Array>();
    for (const v of flash.volumes) {
      for (const n of walkFv(v)) {
        if (n.kind !== 'section' || n.type !== 0x10) continue;
        const b = n.body;
        const pe = b[0x3c] === undefined ? 0 : new DataView(b.buffer, b.byteOffset).getUint32(0x3c, true);
        const magic = new DataView(b.buffer, b.byteOffset).getUint16(pe + 24, true);
        const subsystem = new DataView(b.buffer, b.byteOffset).getUint16(pe + 24 + 68, true);
        const key = `${magic}:${subsystem}`;
        if (!picked.has(key)) picked.set(key, b);
      }
    }
    // PE32 boot-service drivers, PE32+ boot-service and runtime drivers and applications.
    expect([...picked.keys()].sort()).to.deep.equal(['267:11', '523:10', '523:11', '523:12']);
    for (const [key, body] of picked) {
      const f = join(dir.path, `ovmf-${key.replace(':', '-')}.efi`);
      writeFileSync(f, body);
      const j = await peJson(f);
      expect(j.format, key).to.equal(key.startsWith('267') ? 'PE32' : 'PE32+');
      expect(j.digests?.['sha256'], key).to.equal(pesign(f, 'sha256'));
      expect(j.digests?.['sha1'], key).to.equal(pesign(f, 'sha1'));
      expect(j.digests?.['sha384']).to.match(/^[0-9a-f]{96}$/);
      expect(j.digests?.['sha512']).to.match(/^[0-9a-f]{128}$/);
      expect(j.digests?.['sm3_256']).to.match(/^[0-9a-f]{64}$/);
      expect(j.imageEvent, key).to.deep.equal(key.endsWith(':10') ? { pcr: 4, eventType: 'EV_EFI_BOOT_SERVICES_APPLICATION' }
        : key.endsWith(':11') ? { pcr: 2, eventType: 'EV_EFI_BOOT_SERVICES_DRIVER' } : { pcr: 2, eventType: 'EV_EFI_RUNTIME_SERVICES_DRIVER' });
      expect(j.signatures).to.deep.equal([]);
    }
  });

  it('reads the signature of a signed loader: its digest, signer and certificates, and the image digests pesign gives', async function () {
    requirePrerequisites(this, { tools: ['pesign', 'sbsign'], files: [SNAKEOIL_KEY] });
    const signed = sbsign(dir.path, loader(1), snakeoilSigner(dir.path));
    const f = join(dir.path, 'signed.efi');
    writeFileSync(f, signed);
    const j = await peJson(f);
    expect(j).to.include({ format: 'PE32+', machine: 0x8664, subsystem: 10 });
    expect(j.digests?.['sha256']).to.equal(pesign(f, 'sha256'));
    expect(j.digests?.['sha1']).to.equal(pesign(f, 'sha1'));
    const snake = new X509Certificate(readFileSync(SNAKEOIL_CERT));
    expect(j.signatures).to.have.length(1);
    const s = j.signatures[0];
    expect(s?.kind).to.equal('pkcs7');
    expect(s?.digestAlgorithm).to.equal('SHA256');
    expect(s?.digestMatchesImage).to.equal(true);
    expect(s?.signers.map((c) => c.serial)).to.deep.equal([snake.serialNumber.toLowerCase()]);
    expect(s?.signers[0]?.subject).to.equal(snake.subject.replace(/\n/g, ', '));
    expect(s?.certificates).to.have.length(1);
  });

  it('gives in every bank the Authenticode hash computed by hand for a one-section image (checked against pesign in sha256)', async function () {
    requirePrerequisites(this, { tools: ['pesign'] });
    const img = loader(11);
    const f = join(dir.path, 'by-hand.efi');
    writeFileSync(f, img);
    // Headers and .text fill the file: the hash skips only CheckSum and the Security directory entry.
    const opt = new DataView(img.buffer).getUint32(0x3c, true) + 24;
    const covered = Buffer.concat([img.subarray(0, opt + 64), img.subarray(opt + 68, opt + 112 + 8 * 4), img.subarray(opt + 112 + 8 * 5)]);
    const byHand = (alg: string): string => createHash(alg).update(covered).digest('hex');
    expect(byHand('sha256')).to.equal(pesign(f, 'sha256'));
    const j = await peJson(f);
    expect(j.digests).to.deep.equal({ sha1: byHand('sha1'), sha256: byHand('sha256'), sha384: byHand('sha384'), sha512: byHand('sha512'), sm3_256: byHand('sm3') });
  });

  it('answers for a TE image without digests (EDK II measures no TE image)', async () => {
    const te = new Uint8Array(40 + 40 + 0x200);
    const v = new DataView(te.buffer);
    v.setUint16(0, 0x5a56, true); // 'VZ'
    v.setUint16(2, 0x8664, true);
    te[4] = 1; // NumberOfSections
    te[5] = 11; // boot-service driver
    v.setUint16(6, 0x200 - 40 - 40 + 40, true); // StrippedSize
    v.setUint32(8, 0x1000, true);
    v.setUint32(12, 0x1000, true);
    te.set(new TextEncoder().encode('.text'), 40);
    const f = join(dir.path, 'image.te');
    writeFileSync(f, te);
    const j = await peJson(f);
    expect(j).to.include({ format: 'TE', machine: 0x8664, subsystem: 11, digests: null, imageEvent: null });
  });

  it('prints a readable answer without --json', async function () {
    requirePrerequisites(this, { tools: ['pesign'] });
    const f = join(dir.path, 'plain.efi');
    writeFileSync(f, loader(2));
    const r = await runCli('pe', f);
    expect(r.status).to.equal(0);
    expect(r.out).to.include(pesign(f, 'sha256'));
  });
});

describe('tcg2sim pe --vars: Secure Boot with the Debian OVMF stores', () => {
  const dir = lazyTempDir('tcg2sim-cli-pe-sb-');
  after(() => dir.remove());

  it('allows the snakeoil-signed loader by the snakeoil db certificate and gives the PCR7 authority event OVMF logs', async function () {
    requirePrerequisites(this, { tools: ['sbsign', 'sbverify'], files: [SNAKEOIL_VARS, SNAKEOIL_KEY] });
    const signed = sbsign(dir.path, loader(3), snakeoilSigner(dir.path));
    expect(sbverify(dir.path, signed, SNAKEOIL_CERT)).to.equal(true);
    const f = join(dir.path, 'snakeoil-signed.efi');
    writeFileSync(f, signed);
    const j = await peJson(f, '--vars', SNAKEOIL_VARS);
    const sb = j.secureBoot;
    expect(sb).to.include({ secureBoot: 1, verified: true, decision: 'allowed', status: 'EFI_SUCCESS' });

    // The EFI_SIGNATURE_DATA in the store file: SignatureOwner (16 bytes) then the certificate.
    const store = readFileSync(SNAKEOIL_VARS);
    const cert = new X509Certificate(readFileSync(SNAKEOIL_CERT)).raw;
    const at = store.indexOf(cert);
    expect(at).to.be.greaterThan(16);
    const sd = Buffer.from(store.subarray(at - 16, at + cert.length));
    const le = (a: number, b: number): string => Buffer.from(sd.subarray(a, b)).reverse().toString('hex');
    const be = (a: number, b: number): string => sd.subarray(a, b).toString('hex');
    const owner = [le(0, 4), le(4, 6), le(6, 8), be(8, 10), be(10, 16)].join('-').toUpperCase();
    expect(sb?.authorities).to.deep.equal([{
      variable: 'db', vendorGuid: 'D719B2CB-3D3A-4596-A3BC-DAD00E67656F', via: 'certificate', listIndex: 0, entryIndex: 0,
      signatureType: 'A5C059A1-94E4-4AA7-87B5-AB155C2BF072', signatureTypeName: 'EFI_CERT_X509_GUID', owner,
      subject: new X509Certificate(cert).subject.replace(/\n/g, ', '), hash: null,
    }]);

    // UEFI_VARIABLE_DATA {gEfiImageSecurityDatabaseGuid, 2, len, L"db", EFI_SIGNATURE_DATA} by hand.
    const guid = Buffer.from('cbb219d73a3d9645a3bcdad00e67656f', 'hex'); // D719B2CB-3D3A-4596-A3BC-DAD00E67656F
    const lengths = Buffer.alloc(16);
    lengths.writeBigUInt64LE(2n, 0);
    lengths.writeBigUInt64LE(BigInt(sd.length), 8);
    const varData = Buffer.concat([guid, lengths, Buffer.from('db', 'utf16le'), sd]);
    expect(sb?.authorityEvents).to.have.length(1);
    const ev = sb?.authorityEvents[0];
    expect(ev).to.include({ pcr: 7, eventType: 'EV_EFI_VARIABLE_AUTHORITY', data: varData.toString('hex') });
    expect(ev?.digests['sha256']).to.equal(createHash('sha256').update(varData).digest('hex'));
    expect(ev?.digests['sha1']).to.equal(createHash('sha1').update(varData).digest('hex'));
    const r = await runCli('pe', f, '--vars', SNAKEOIL_VARS);
    expect(r.status).to.equal(0);
    expect(r.out).to.include(createHash('sha256').update(varData).digest('hex'));
  });

  it('denies a loader signed by a fresh key (a successful answer, exit 0) and logs no authority event', async function () {
    requirePrerequisites(this, { tools: ['openssl', 'sbsign', 'sbverify'], files: [SNAKEOIL_VARS] });
    const signer = makeSigner(dir.path, 'fresh');
    const signed = sbsign(dir.path, loader(4), signer);
    expect(sbverify(dir.path, signed, SNAKEOIL_CERT)).to.equal(false);
    const f = join(dir.path, 'fresh-signed.efi');
    writeFileSync(f, signed);
    const j = await peJson(f, '--vars', SNAKEOIL_VARS);
    expect(j.secureBoot).to.include({ secureBoot: 1, verified: true, decision: 'denied', status: 'EFI_ACCESS_DENIED' });
    expect(j.secureBoot?.authorities).to.deep.equal([]);
    expect(j.secureBoot?.authorityEvents).to.deep.equal([]);
    // OVMF executes option ROM images without verifying them (PcdOptionRomImageVerificationPolicy 0).
    const rom = await peJson(f, '--vars', SNAKEOIL_VARS, '--origin', 'option-rom');
    expect(rom.secureBoot).to.include({ secureBoot: 1, verified: false, decision: 'allowed', status: 'EFI_SUCCESS' });
  });

  it('denies an unsigned image with the Microsoft store', async function () {
    requirePrerequisites(this, { files: [MS_VARS] });
    const f = join(dir.path, 'unsigned.efi');
    writeFileSync(f, loader(5));
    const j = await peJson(f, '--vars', MS_VARS);
    expect(j.secureBoot).to.include({ secureBoot: 1, verified: true, decision: 'denied', status: 'EFI_ACCESS_DENIED', action: 'AUTH_UNTESTED' });
    expect(j.secureBoot?.authorityEvents).to.deep.equal([]);
  });

  it('says verification does not run with the store without keys (Secure Boot off)', async function () {
    requirePrerequisites(this, { files: [PLAIN_VARS] });
    const f = join(dir.path, 'unsigned-off.efi');
    writeFileSync(f, loader(6));
    const j = await peJson(f, '--vars', PLAIN_VARS);
    expect(j.secureBoot).to.include({ secureBoot: 0, verified: false, decision: 'allowed', status: 'EFI_SUCCESS' });
    expect(j.secureBoot?.authorityEvents).to.deep.equal([]);
  });
});

describe('tcg2sim pe --vars: an image hash in db and dbx', () => {
  const dir = lazyTempDir('tcg2sim-cli-pe-hash-');
  after(() => dir.remove());

  const GLOBAL = '8BE4DF61-93CA-11D2-AA0D-00E098032B8C';
  const DB = 'D719B2CB-3D3A-4596-A3BC-DAD00E67656F';
  // EFI_CERT_SHA256_GUID C1C41626-504C-4092-ACA9-41F936934328 and an owner, in EFI_GUID byte order.
  const SHA256_TYPE = Buffer.from('2616c4c14c509240aca941f936934328', 'hex');
  const OWNER = Buffer.from('00112233445566778899aabbccddeeff', 'hex');

  /** One EFI_SIGNATURE_LIST of one EFI_CERT_SHA256 entry, laid out by hand. */
  function sha256List(digest: Buffer): Buffer {
    const h = Buffer.alloc(12);
    h.writeUInt32LE(28 + 48, 0); // SignatureListSize
    h.writeUInt32LE(0, 4); // SignatureHeaderSize
    h.writeUInt32LE(48, 8); // SignatureSize
    return Buffer.concat([SHA256_TYPE, h, OWNER, digest]);
  }

  function store(name: string, vars: Record<string, Buffer>): string {
    const img = formatVarStore({ blockSize: 0x1000, regionBlocks: 4 });
    setVariable(img, { name: 'PK', guid: GLOBAL, attributes: 0x27, data: Uint8Array.of(1) });
    for (const [n, data] of Object.entries(vars)) setVariable(img, { name: n, guid: DB, attributes: 0x27, data });
    const f = join(dir.path, name);
    writeFileSync(f, img);
    return f;
  }

  it('allows an unsigned image whose SHA-256 (pesign\'s) is in db, and the authority event holds that db entry', async function () {
    requirePrerequisites(this, { tools: ['pesign'] });
    const f = join(dir.path, 'hashed.efi');
    writeFileSync(f, loader(8));
    const digest = Buffer.from(pesign(f, 'sha256'), 'hex');
    const j = await peJson(f, '--vars', store('db-hash.fd', { db: sha256List(digest) }));
    expect(j.secureBoot).to.include({ secureBoot: 1, verified: true, decision: 'allowed', status: 'EFI_SUCCESS' });
    expect(j.secureBoot?.authorities.map((a) => [a.via, a.listIndex, a.entryIndex, a.signatureTypeName])).to.deep.equal([['hash', 0, 0, 'EFI_CERT_SHA256_GUID']]);
    const lengths = Buffer.alloc(16);
    lengths.writeBigUInt64LE(2n, 0);
    lengths.writeBigUInt64LE(48n, 8);
    const varData = Buffer.concat([Buffer.from('cbb219d73a3d9645a3bcdad00e67656f', 'hex'), lengths, Buffer.from('db', 'utf16le'), OWNER, digest]);
    expect(j.secureBoot?.authorityEvents.map((e) => [e.data, e.digests['sha256']])).to.deep.equal([
      [varData.toString('hex'), createHash('sha256').update(varData).digest('hex')],
    ]);
  });

  it('denies it when the same hash is also in dbx, with no authority event', async function () {
    requirePrerequisites(this, { tools: ['pesign'] });
    const f = join(dir.path, 'revoked.efi');
    writeFileSync(f, loader(9));
    const digest = Buffer.from(pesign(f, 'sha256'), 'hex');
    const j = await peJson(f, '--vars', store('dbx-hash.fd', { db: sha256List(digest), dbx: sha256List(digest) }));
    expect(j.secureBoot).to.include({ decision: 'denied', status: 'EFI_ACCESS_DENIED' });
    expect(j.secureBoot?.authorityEvents).to.deep.equal([]);
  });

  it('denies a snakeoil-signed image whose hash is in dbx, after logging the db certificate that verified it (as OVMF does)', async function () {
    requirePrerequisites(this, { tools: ['sbsign', 'pesign'], files: [SNAKEOIL_KEY] });
    const f = join(dir.path, 'signed-revoked.efi');
    writeFileSync(f, sbsign(dir.path, loader(10), snakeoilSigner(dir.path)));
    const cert = new X509Certificate(readFileSync(SNAKEOIL_CERT)).raw;
    // EFI_CERT_X509_GUID A5C059A1-94E4-4AA7-87B5-AB155C2BF072 list of the snakeoil certificate.
    const h = Buffer.alloc(12);
    h.writeUInt32LE(28 + 16 + cert.length, 0);
    h.writeUInt32LE(16 + cert.length, 8);
    const x509List = Buffer.concat([Buffer.from('a159c0a5e494a74a87b5ab155c2bf072', 'hex'), h, OWNER, cert]);
    const digest = Buffer.from(pesign(f, 'sha256'), 'hex');
    const j = await peJson(f, '--vars', store('db-cert-dbx-hash.fd', { db: x509List, dbx: sha256List(digest) }));
    expect(j.secureBoot).to.include({ decision: 'denied', status: 'EFI_ACCESS_DENIED', action: 'AUTH_SIG_FOUND' });
    expect(j.secureBoot?.authorities.map((a) => a.via)).to.deep.equal(['certificate']);
    expect(j.secureBoot?.authorityEvents).to.have.length(1);
  });

  it('refuses a db EDK II could not walk, and a dbx revocation time with a dbt it does not model, with exit 2 and one line', async function () {
    requirePrerequisites(this, { tools: ['sbsign'], files: [SNAKEOIL_KEY] });
    const f = join(dir.path, 'signed-dbt.efi');
    writeFileSync(f, sbsign(dir.path, loader(12), snakeoilSigner(dir.path)));
    const zeroSize = sha256List(Buffer.alloc(32));
    zeroSize.writeUInt32LE(0, 24); // SignatureSize 0: EDK II would divide by zero
    const badDb = store('bad-db.fd', { db: zeroSize });
    const r1 = await runCli('pe', f, '--vars', badDb);
    expect(r1.status).to.equal(2);
    expect(r1.err.trim().split('\n')).to.have.length(1);
    expect(r1.err).to.include(badDb);

    // dbx: EFI_CERT_X509_SHA256 (3BD2A492-96C0-4079-B420-FCF98EF103ED) of the signer's TBSCertificate,
    // revoked in 2020; dbt: an X.509 list. The TBSCertificate is the first element of the certificate.
    const cert = new X509Certificate(readFileSync(SNAKEOIL_CERT)).raw;
    const outerHeader = 2 + ((cert[1] ?? 0) & 0x7f);
    const tbsLen = ((cert[outerHeader + 2] ?? 0) << 8) | (cert[outerHeader + 3] ?? 0);
    const tbs = cert.subarray(outerHeader, outerHeader + 4 + tbsLen);
    const time = Buffer.alloc(16);
    time.writeUInt16LE(2020, 0);
    time[2] = 1;
    time[3] = 1;
    const h = Buffer.alloc(12);
    h.writeUInt32LE(28 + 16 + 48, 0);
    h.writeUInt32LE(16 + 48, 8);
    const dbx = Buffer.concat([Buffer.from('92a4d23bc0967940b420fcf98ef103ed', 'hex'), h, OWNER, createHash('sha256').update(tbs).digest(), time]);
    const hx = Buffer.alloc(12);
    hx.writeUInt32LE(28 + 16 + cert.length, 0);
    hx.writeUInt32LE(16 + cert.length, 8);
    const dbt = Buffer.concat([Buffer.from('a159c0a5e494a74a87b5ab155c2bf072', 'hex'), hx, OWNER, cert]);
    const timed = store('dbx-time-dbt.fd', { dbx, dbt });
    const r2 = await runCli('pe', f, '--vars', timed, '--json');
    expect(r2.status, r2.out).to.equal(2);
    expect(r2.err.trim().split('\n')).to.have.length(1);
    expect(r2.err).to.include(f);
  });
});

describe('tcg2sim pe: bad input', () => {
  const dir = lazyTempDir('tcg2sim-cli-pe-bad-');
  after(() => dir.remove());

  /** The snakeoil-signed loader (signed once), for the cases that need a signature. */
  let signedOnce: Uint8Array | undefined;
  function signedLoader(ctx: Mocha.Context, files: readonly string[] = []): Uint8Array {
    requirePrerequisites(ctx, { tools: ['sbsign'], files: [SNAKEOIL_KEY, ...files] });
    signedOnce ??= sbsign(dir.path, loader(7), snakeoilSigner(dir.path));
    return signedOnce;
  }

  /** Exit 2, nothing on stdout, one stderr line naming `file` and an offset. */
  async function expectBad(file: string, ...args: string[]): Promise<void> {
    const r = await runCli('pe', ...args);
    expect(r.status, r.err).to.equal(2);
    expect(r.out).to.equal('');
    expect(r.err.trim().split('\n')).to.have.length(1);
    expect(r.err).to.include(file);
  }

  function write(name: string, data: Uint8Array): string {
    const f = join(dir.path, name);
    writeFileSync(f, data);
    return f;
  }

  it('refuses a file that is not a PE or TE image', async () => {
    const f = write('text.efi', new TextEncoder().encode('#!/bin/sh\necho not an image\n'));
    await expectBad(f, f);
    const e = write('empty.efi', new Uint8Array());
    await expectBad(e, e, '--json');
  });

  it('refuses truncated images: headers cut, sections cut, certificate table cut', async function () {
    const signed = signedLoader(this);
    for (const n of [0x40, 0x100, 0x300, signed.length - 100]) {
      const f = write(`cut-${n}.efi`, signed.subarray(0, n));
      await expectBad(f, f, '--json');
    }
  });

  it('refuses a damaged variable store, naming the store', async function () {
    const signed = signedLoader(this, [SNAKEOIL_VARS]);
    const img = new Uint8Array(readFileSync(SNAKEOIL_VARS));
    img[0x28] = 0;
    const store = write('bad-vars.fd', img);
    const f = write('ok.efi', signed);
    await expectBad(store, f, '--vars', store);
    const tiny = write('tiny-vars.fd', img.subarray(0, 0x30));
    await expectBad(tiny, f, '--vars', tiny, '--json');
  });

  it('refuses a missing file and an unknown --origin', async () => {
    const missing = join(dir.path, 'missing.efi');
    await expectBad(missing, missing);
    const f = write('origin.efi', loader(7));
    const r = await runCli('pe', f, '--origin', 'network');
    expect(r.status).to.equal(2);
    expect(r.err.trim().split('\n')).to.have.length(1);
  });

  it('answers 0 or refuses with 2 and one line for mutated signed images, never a crash', async function () {
    const signed = signedLoader(this, [SNAKEOIL_VARS]);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(signed.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), async (flips) => {
        const m = Uint8Array.from(signed);
        for (const [i, b] of flips) m[i] = b;
        const f = write('mutated.efi', m);
        const r = await runCli('pe', f, '--vars', SNAKEOIL_VARS, '--json');
        expect([0, 2]).to.include(r.status);
        if (r.status === 0) expect(() => JSON.parse(r.out) as unknown).to.not.throw();
        else expect(r.err.trim().split('\n')).to.have.length(1);
      }),
      { numRuns: 40, seed: 0x7e5 }
    );
  });
});
