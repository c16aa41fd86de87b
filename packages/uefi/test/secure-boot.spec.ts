/**
 * DxeImageVerificationLib's decision (edk2-stable202211), branch by branch, on images signed by
 * an independent signer (sbsign) with keys and certificates made by the openssl CLI. Where the
 * question is only "does this signature chain to this certificate", OpenSSL itself answers:
 * `openssl smime -verify -partial_chain -purpose any -no_check_time` is PKCS7_verify with the
 * flags CryptoPkg sets (sbverify agrees in the simple cases, but accepts a chain that ends in an
 * untrusted intermediate, so it is not used for chains).
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash, X509Certificate } from 'node:crypto';
import { DecodeError, encode, guidFromString } from '@tcg2sim/binary-codec';
import {
  buildEfiApplication, makeSigner, requirePrerequisites, sbsign, sbverify, snakeoilSigner, tempDir, SNAKEOIL_CERT, expectErrorCode,
} from '@tcg2sim/test-support';
import type { TestSigner } from '@tcg2sim/test-support';
import {
  AUTHENTICODE_HASHES, EFI_CERT_TYPE, EFI_CERT_TYPE_RSA2048_SHA256_GUID, EFI_IMAGE_SECURITY_DATABASE_GUID, SecureBootError, WIN_CERT_TYPE,
  WinCertificateUefiGuid, authenticodeImageDigest, encodeSignatureList, parsePeImage, parseX509, readCertificateTable, securityDirectory,
  snapshotVariables, spcIndirectDataDigest, verifyImage,
} from '@tcg2sim/uefi';
import type { ImageVerificationResult, SecureBootImageOrigin } from '@tcg2sim/uefi';

const OWNER = '77FA9ABD-0359-4D32-BD60-28F4E78F784B';
const GLOBAL = '8BE4DF61-93CA-11D2-AA0D-00E098032B8C';
const hex = (b: Uint8Array | undefined): string => Buffer.from(b ?? new Uint8Array()).toString('hex');

interface Db {
  readonly db?: Uint8Array;
  readonly dbx?: Uint8Array;
  readonly dbt?: Uint8Array;
  readonly secureBoot?: Uint8Array | null;
}

function x509List(...certs: Uint8Array[]): Buffer {
  return Buffer.concat(certs.map((c) => encodeSignatureList({ signatureType: EFI_CERT_TYPE.X509, entries: [{ owner: OWNER, data: c }] })));
}
function sha256List(...hashes: Uint8Array[]): Uint8Array {
  return encodeSignatureList({ signatureType: EFI_CERT_TYPE.SHA256, entries: hashes.map((data) => ({ owner: OWNER, data })) });
}
/** A dbx EFI_CERT_X509_SHA256 entry: SHA-256 of the TBSCertificate + EFI_TIME of revocation. */
function tbsHashList(cert: Uint8Array, year = 0): Uint8Array {
  const time = new Uint8Array(16);
  new DataView(time.buffer).setUint16(0, year, true);
  if (year !== 0) time[2] = 1;
  const h = createHash('sha256').update(parseX509(cert).tbs).digest();
  return encodeSignatureList({ signatureType: EFI_CERT_TYPE.X509_SHA256, entries: [{ owner: OWNER, data: Buffer.concat([h, time]) }] });
}

function verify(image: Uint8Array, d: Db, origin: SecureBootImageOrigin = 'fixed-media'): ImageVerificationResult {
  const vars: Record<string, Uint8Array | undefined> = { db: d.db, dbx: d.dbx, dbt: d.dbt };
  return verifyImage({
    image,
    origin,
    variables: {
      get: (name, guid) => {
        if (name === 'SecureBoot' && guid === GLOBAL) return d.secureBoot === null ? undefined : (d.secureBoot ?? Uint8Array.of(1));
        return guid === EFI_IMAGE_SECURITY_DATABASE_GUID ? vars[name] : undefined;
      },
    },
  });
}

function imageSha256(image: Uint8Array): Uint8Array {
  const d = authenticodeImageDigest(image, parsePeImage(image), AUTHENTICODE_HASHES[2]);
  if (d === undefined) throw new Error('no digest');
  return d;
}

/** OpenSSL's PKCS7_verify of the image's first signature against one trusted certificate. */
function opensslVerifies(dir: string, signed: Uint8Array, anchorFile: string): boolean {
  const dirEntry = securityDirectory(parsePeImage(signed));
  const authData = dirEntry === undefined ? undefined : readCertificateTable(signed, dirEntry).entries[0]?.authData;
  const content = authData === undefined ? undefined : spcIndirectDataDigest(authData, 32)?.content;
  if (authData === undefined || content === undefined) throw new Error('no Authenticode signature');
  writeFileSync(join(dir, 'p7.der'), authData);
  writeFileSync(join(dir, 'content.bin'), content);
  try {
    execFileSync('openssl', ['smime', '-verify', '-inform', 'DER', '-in', join(dir, 'p7.der'), '-content', join(dir, 'content.bin'), '-binary',
      '-CAfile', anchorFile, '-partial_chain', '-purpose', 'any', '-no_check_time', '-out', '/dev/null'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

/** Rewrites the first certificate-table entry as a WIN_CERTIFICATE_UEFI_GUID of `certType`. */
function asGuidCertificate(signed: Uint8Array, certType: string): Uint8Array {
  const img = parsePeImage(signed);
  const dir = securityDirectory(img);
  if (dir === undefined) throw new Error('unsigned');
  const first = readCertificateTable(signed, dir).entries[0];
  if (first?.authData === undefined) throw new Error('no pkcs7');
  const body = first.authData;
  const len = 24 + body.length;
  const pad = (8 - (len % 8)) % 8;
  const entry = Buffer.concat([encode(WinCertificateUefiGuid, { hdr: { dwLength: len, wRevision: 0x0200, wCertificateType: WIN_CERT_TYPE.EFI_GUID }, certType }), body, new Uint8Array(pad)]);
  const out = Buffer.concat([signed.subarray(0, dir.virtualAddress), entry]);
  const dirAt = img.optionalHeaderOffset + 112 + 4 * 8;
  out.writeUInt32LE(entry.length, dirAt + 4);
  return new Uint8Array(out);
}

describe('DxeImageVerificationHandler (Secure Boot, edk2-stable202211)', function () {
  this.timeout(60_000);
  const tmp = tempDir('tcg2sim-sb-');
  let snake: TestSigner;
  let fresh: TestSigner;
  let root: TestSigner;
  let inter: TestSigner;
  let leaf: TestSigner;
  let ec: TestSigner;
  const unsigned = buildEfiApplication(Uint8Array.from({ length: 9000 }, (_, i) => (i * 7) & 0xff));
  let bySnake: Uint8Array;
  let byFresh: Uint8Array;
  let byLeafWithChain: Uint8Array;
  let byLeafAlone: Uint8Array;

  /** The snakeoil key and certificate (Debian's ovmf package; no tool needed). */
  function needSnakeoil(ctx: Mocha.Context): void {
    requirePrerequisites(ctx, { files: ['/usr/share/ovmf/PkKek-1-snakeoil.key', SNAKEOIL_CERT] });
    snake = snakeoilSigner(tmp.path);
  }
  /** Everything signed: keys and certificates by openssl, signatures by sbsign (made once). */
  let signedMade = false;
  function needSigned(ctx: Mocha.Context): void {
    needSnakeoil(ctx);
    requirePrerequisites(ctx, { tools: ['openssl', 'sbsign', 'sbverify'] });
    if (signedMade) return;
    signedMade = true;
    fresh = makeSigner(tmp.path, 'fresh');
    root = makeSigner(tmp.path, 'root', { ca: true });
    inter = makeSigner(tmp.path, 'inter', { ca: true, issuer: root });
    leaf = makeSigner(tmp.path, 'leaf', { issuer: inter });
    ec = makeSigner(tmp.path, 'ec', { keyType: 'ec' });
    bySnake = sbsign(tmp.path, unsigned, snake);
    byFresh = sbsign(tmp.path, unsigned, fresh);
    byLeafWithChain = sbsign(tmp.path, unsigned, leaf, [inter]);
    byLeafAlone = sbsign(tmp.path, unsigned, leaf);
  }
  after(() => {
    tmp.remove();
  });

  describe('when verification does not run', () => {
    it('passes images from a firmware volume without looking at them (policy ALWAYS_EXECUTE)', () => {
      const r = verify(new Uint8Array(10), {}, 'fv');
      expect([r.status, r.skipped]).to.deep.equal(['EFI_SUCCESS', true]);
    });
    it('passes PCI option ROM images under OVMF\'s policy 0', function () {
      needSigned(this);
      expect(verify(byFresh, { db: x509List(snake.certDer) }, 'option-rom').status).to.equal('EFI_SUCCESS');
    });
    it('passes everything when SecureBoot is absent or 0', function () {
      needSigned(this);
      expect(verify(byFresh, { secureBoot: null }).skipped).to.equal(true);
      expect(verify(byFresh, { secureBoot: Uint8Array.of(0) }).status).to.equal('EFI_SUCCESS');
    });
    it('denies a file that is not a loadable PE image, with no authority', function () {
      needSnakeoil(this);
      const r = verify(new Uint8Array(4096), { db: x509List(snake.certDer) });
      expect([r.status, r.authorities.length]).to.deep.equal(['EFI_ACCESS_DENIED', 0]);
    });
  });

  describe('unsigned images', () => {
    it('allows an image whose SHA-256 Authenticode hash is a db entry, naming that EFI_SIGNATURE_DATA', function () {
      needSnakeoil(this);
      const digest = imageSha256(unsigned);
      const r = verify(unsigned, { db: Buffer.concat([x509List(snake.certDer), sha256List(new Uint8Array(32), digest)]) });
      expect(r.status).to.equal('EFI_SUCCESS');
      expect(r.authorities).to.have.length(1);
      const a = r.authorities[0];
      expect([a?.via, a?.listIndex, a?.entryIndex, a?.signatureType]).to.deep.equal(['hash', 1, 1, EFI_CERT_TYPE.SHA256]);
      expect(hex(a?.signatureData)).to.equal(hex(guidFromString(OWNER)) + hex(digest));
    });
    it('denies it when the same hash is also in dbx', () => {
      const digest = imageSha256(unsigned);
      const r = verify(unsigned, { db: sha256List(digest), dbx: sha256List(digest) });
      expect([r.status, r.authorities.length]).to.deep.equal(['EFI_ACCESS_DENIED', 0]);
    });
    it('denies it when the hash is in neither', function () {
      needSnakeoil(this);
      expect(verify(unsigned, { db: x509List(snake.certDer) }).status).to.equal('EFI_ACCESS_DENIED');
    });
  });

  describe('signed images', () => {
    before(function () {
      needSigned(this);
    });
    it('allows an image sbsign signed with the snakeoil key when db holds the snakeoil certificate (sbverify agrees)', () => {
      const db = x509List(snake.certDer);
      const r = verify(bySnake, { db });
      expect(r.status).to.equal('EFI_SUCCESS');
      expect(r.authorities.map((a) => [a.via, a.listIndex, a.entryIndex])).to.deep.equal([['certificate', 0, 0]]);
      // The whole EFI_SIGNATURE_DATA: owner GUID + the certificate, as Debian's PEM file holds it.
      expect(hex(r.authorities[0]?.signatureData)).to.equal(hex(guidFromString(OWNER)) + hex(new X509Certificate(readFileSync(SNAKEOIL_CERT)).raw));
      expect(sbverify(tmp.path, bySnake, SNAKEOIL_CERT)).to.equal(true);
    });
    it('denies an image signed by a key in no db, with no authority (sbverify agrees it does not chain to db)', () => {
      const r = verify(byFresh, { db: x509List(snake.certDer) });
      expect([r.status, r.action, r.authorities.length]).to.deep.equal(['EFI_ACCESS_DENIED', 'AUTH_UNTESTED', 0]);
      expect(sbverify(tmp.path, byFresh, SNAKEOIL_CERT)).to.equal(false);
    });
    it('names the matching entry when db holds several lists and certificates', () => {
      const r = verify(bySnake, { db: Buffer.concat([sha256List(new Uint8Array(32)), x509List(fresh.certDer), x509List(snake.certDer)]) });
      expect(r.authorities.map((a) => [a.listIndex, a.entryIndex])).to.deep.equal([[2, 0]]);
      expect(r.authenticodeVerifications).to.equal(2);
    });
    it('verifies ECDSA signatures as well as RSA ones', () => {
      const signed = sbsign(tmp.path, unsigned, ec);
      expect(verify(signed, { db: x509List(ec.certDer) }).status).to.equal('EFI_SUCCESS');
    });
    it('denies an image changed after signing (the SpcIndirectDataContent digest no longer matches)', () => {
      const t = bySnake.slice();
      const at = (securityDirectory(parsePeImage(t))?.virtualAddress ?? 0) - 100;
      t[at] = (t[at] ?? 0) ^ 1;
      expect(verify(t, { db: x509List(snake.certDer) }).status).to.equal('EFI_ACCESS_DENIED');
    });
  });

  describe('certificate chains (PKCS7_verify, partial chains allowed)', () => {
    before(function () {
      needSigned(this);
    });
    const cases: readonly [string, () => Uint8Array, () => TestSigner, boolean][] = [
      ['a root CA in db, the intermediate in the signature', () => byLeafWithChain, () => root, true],
      ['the intermediate CA in db (a partial chain)', () => byLeafWithChain, () => inter, true],
      ['the signing certificate itself in db', () => byLeafWithChain, () => leaf, true],
      ['a root CA in db, the intermediate missing from the signature', () => byLeafAlone, () => root, false],
      ['an unrelated certificate in db', () => byLeafWithChain, () => fresh, false],
    ];
    for (const [name, image, anchor, ok] of cases) {
      it(`${ok ? 'allows' : 'denies'} with ${name}, as OpenSSL's PKCS7_verify decides`, () => {
        expect(verify(image(), { db: x509List(anchor().certDer) }).status).to.equal(ok ? 'EFI_SUCCESS' : 'EFI_ACCESS_DENIED');
        expect(opensslVerifies(tmp.path, image(), anchor().certFile)).to.equal(ok);
      });
    }
  });

  describe('critical extensions (OpenSSL refuses those it does not handle)', () => {
    before(function () {
      needSigned(this);
    });
    const cases: readonly [string, string, boolean][] = [
      ['an unknown critical extension', '1.2.3.4=critical,ASN1:NULL', false],
      ['a critical extKeyUsage (handled)', 'extendedKeyUsage=critical,codeSigning', true],
      ['an unknown non-critical extension', '1.2.3.4=ASN1:NULL', true],
    ];
    for (const [name, ext, ok] of cases) {
      it(`${ok ? 'allows' : 'denies'} a signing certificate with ${name}, as OpenSSL's PKCS7_verify decides`, () => {
        const s = makeSigner(tmp.path, `crit${ok ? 'ok' : 'bad'}${name.length}`, { extensions: [ext] });
        const signed = sbsign(tmp.path, unsigned, s);
        expect(verify(signed, { db: x509List(s.certDer) }).status).to.equal(ok ? 'EFI_SUCCESS' : 'EFI_ACCESS_DENIED');
        expect(opensslVerifies(tmp.path, signed, s.certFile)).to.equal(ok);
      });
    }
  });

  describe('dbx', () => {
    before(function () {
      needSigned(this);
    });
    it('denies (AUTH_SIG_FAILED) a signature that a dbx X.509 certificate verifies, before db is looked at', () => {
      const r = verify(bySnake, { db: x509List(snake.certDer), dbx: x509List(snake.certDer) });
      expect([r.status, r.action, r.authorities.length]).to.deep.equal(['EFI_ACCESS_DENIED', 'AUTH_SIG_FAILED', 0]);
    });
    it('denies a signer whose TBSCertificate SHA-256 is in dbx with a zero revocation time', () => {
      const r = verify(byLeafWithChain, { db: x509List(root.certDer), dbx: tbsHashList(leaf.certDer) });
      expect([r.status, r.action]).to.deep.equal(['EFI_ACCESS_DENIED', 'AUTH_SIG_FAILED']);
    });
    it('denies a revoked signer with a revocation time when there is no dbt to check a timestamp against', () => {
      expect(verify(byLeafWithChain, { db: x509List(root.certDer), dbx: tbsHashList(leaf.certDer, 2020) }).status).to.equal('EFI_ACCESS_DENIED');
    });
    it('refuses to guess when a timestamp would have to be checked against dbt (NOT_MODELLED)', () => {
      expectErrorCode(() => verify(byLeafWithChain, { db: x509List(root.certDer), dbx: tbsHashList(leaf.certDer, 2020), dbt: x509List(fresh.certDer) }), SecureBootError, 'NOT_MODELLED');
    });
    it('does not allow through a db certificate whose own TBS hash is in dbx', () => {
      const r = verify(byLeafWithChain, { db: x509List(inter.certDer), dbx: tbsHashList(inter.certDer) });
      expect([r.status, r.authorities.length]).to.deep.equal(['EFI_ACCESS_DENIED', 0]);
    });
    it('measures the db authority and then denies (AUTH_SIG_FOUND) a signed image whose hash is in dbx', () => {
      const r = verify(bySnake, { db: x509List(snake.certDer), dbx: sha256List(imageSha256(bySnake)) });
      expect([r.status, r.action]).to.deep.equal(['EFI_ACCESS_DENIED', 'AUTH_SIG_FOUND']);
      expect(r.authorities.map((a) => a.via)).to.deep.equal(['certificate']);
    });
  });

  describe('the certificate table', () => {
    before(function () {
      needSigned(this);
    });
    it('allows a signed image through a db hash entry when no db certificate verifies it', () => {
      const r = verify(byFresh, { db: Buffer.concat([x509List(snake.certDer), sha256List(imageSha256(byFresh))]) });
      expect(r.status).to.equal('EFI_SUCCESS');
      expect(r.authorities.map((a) => [a.via, a.listIndex])).to.deep.equal([['hash', 1]]);
    });
    it('walks several signatures and is allowed by the second one (sbsign appends)', () => {
      const twice = sbsign(tmp.path, byFresh, snake);
      const dir = securityDirectory(parsePeImage(twice));
      expect(dir === undefined ? 0 : readCertificateTable(twice, dir).entries.length).to.equal(2);
      const r = verify(twice, { db: x509List(snake.certDer) });
      expect(r.status).to.equal('EFI_SUCCESS');
      expect(r.authorities).to.have.length(1);
    });
    it('verifies a PKCS#7 signature wrapped in WIN_CERTIFICATE_UEFI_GUID with gEfiCertPkcs7Guid', () => {
      expect(verify(asGuidCertificate(bySnake, EFI_CERT_TYPE.PKCS7), { db: x509List(snake.certDer) }).status).to.equal('EFI_SUCCESS');
    });
    it('skips a WIN_CERTIFICATE_UEFI_GUID of type EFI_CERT_TYPE_RSA2048_SHA256 (so the image is denied)', () => {
      const r = verify(asGuidCertificate(bySnake, EFI_CERT_TYPE_RSA2048_SHA256_GUID), { db: x509List(snake.certDer) });
      expect([r.status, r.authorities.length]).to.deep.equal(['EFI_ACCESS_DENIED', 0]);
    });
    it('denies a verified image whose Security directory is 8 bytes longer than its certificates (the walk stops short)', () => {
      const img = parsePeImage(bySnake);
      const dir = securityDirectory(img);
      const longer = Buffer.concat([bySnake, new Uint8Array(8)]);
      longer.writeUInt32LE((dir?.size ?? 0) + 8, img.optionalHeaderOffset + 112 + 4 * 8 + 4);
      const r = verify(new Uint8Array(longer), { db: x509List(snake.certDer) });
      expect(r.status).to.equal('EFI_ACCESS_DENIED');
      expect(r.authorities).to.have.length(1);
    });
    it('skips a signature whose ContentInfo length is not in the two-octet form HashPeImageByType expects', () => {
      const t = bySnake.slice();
      const dir = securityDirectory(parsePeImage(t));
      t[(dir?.virtualAddress ?? 0) + 8 + 1] = 0x81;
      expect(verify(t, { db: x509List(snake.certDer) }).status).to.equal('EFI_ACCESS_DENIED');
    });
  });

  describe('Debian\'s OVMF_VARS_4M.snakeoil.fd', () => {
    before(function () {
      needSigned(this);
    });
    it('holds the snakeoil certificate as its only db entry, and that db allows the snakeoil-signed image', function () {
      const vars = '/usr/share/OVMF/OVMF_VARS_4M.snakeoil.fd';
      requirePrerequisites(this, { files: [vars] });
      const store = snapshotVariables(readFileSync(vars));
      const db = store.get('db', EFI_IMAGE_SECURITY_DATABASE_GUID)?.data ?? new Uint8Array();
      const dbx = store.get('dbx', EFI_IMAGE_SECURITY_DATABASE_GUID)?.data ?? new Uint8Array();
      expect(db.length).to.equal(28 + 16 + snake.certDer.length);
      const r = verify(bySnake, { db, dbx });
      expect(r.status).to.equal('EFI_SUCCESS');
      expect(hex(r.authorities[0]?.signatureData.subarray(16))).to.equal(hex(snake.certDer));
    });
  });

  it('throws a typed error for a db EDK II could not walk, never a crash', function () {
    needSigned(this);
    const bad = Buffer.from(x509List(snake.certDer));
    bad.writeUInt32LE(0, 24); // SignatureSize 0
    expectErrorCode(() => verify(bySnake, { db: bad }), DecodeError, 'BAD_VALUE');
  });
});
