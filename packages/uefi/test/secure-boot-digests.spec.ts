/**
 * PKCS#7 cases sbsign cannot produce, built by a small test signer whose output OpenSSL's
 * PKCS7_verify (`openssl smime -verify`) judges independently: other digest algorithms (the
 * hash EDK II picks from AuthData+32), signatures without authenticated attributes, a wrong
 * messageDigest, an unknown digestAlgorithms entry, two signers, a signer without its
 * certificate.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildEfiApplication, makeSigner, requirePrerequisites, tempDir } from '@tcg2sim/test-support';
import type { TestSigner } from '@tcg2sim/test-support';
import { AUTHENTICODE_HASHES, EFI_CERT_TYPE, EFI_IMAGE_SECURITY_DATABASE_GUID, authenticodeImageDigest, encodeSignatureList, parsePeImage, verifyImage } from '@tcg2sim/uefi';
import type { ImageVerificationResult } from '@tcg2sim/uefi';
import { authenticodeSign } from './helpers/authenticode-builder.ts';
import type { BuilderSigner, DigestName, SignedImage } from './helpers/authenticode-builder.ts';

const OWNER = '11111111-2222-3333-4444-555555555555';

function dbOf(...lists: Uint8Array[]): (n: string, g: string) => Uint8Array | undefined {
  const db = Buffer.concat(lists);
  return (n, g) => (n === 'SecureBoot' ? Uint8Array.of(1) : n === 'db' && g === EFI_IMAGE_SECURITY_DATABASE_GUID ? db : undefined);
}
function x509(cert: Uint8Array): Uint8Array {
  return encodeSignatureList({ signatureType: EFI_CERT_TYPE.X509, entries: [{ owner: OWNER, data: cert }] });
}
function verify(s: SignedImage, get: (n: string, g: string) => Uint8Array | undefined): ImageVerificationResult {
  return verifyImage({ image: s.image, origin: 'fixed-media', variables: { get } });
}

describe('Authenticode signatures beyond sbsign\'s (checked by OpenSSL\'s PKCS7_verify)', function () {
  this.timeout(60_000);
  const tmp = tempDir('tcg2sim-sbdig-');
  const unsigned = buildEfiApplication(Uint8Array.from({ length: 5000 }, (_, i) => (i * 13) & 0xff));
  let a: TestSigner;
  let b: TestSigner;
  let sa: BuilderSigner;
  let sb: BuilderSigner;

  function openssl(s: SignedImage, anchor: string): boolean {
    writeFileSync(join(tmp.path, 'p7.der'), s.pkcs7);
    writeFileSync(join(tmp.path, 'content.bin'), s.content);
    try {
      execFileSync('openssl', ['smime', '-verify', '-inform', 'DER', '-in', join(tmp.path, 'p7.der'), '-content', join(tmp.path, 'content.bin'), '-binary',
        '-CAfile', anchor, '-partial_chain', '-purpose', 'any', '-no_check_time', '-out', '/dev/null'], { stdio: 'pipe' });
      return true;
    } catch {
      return false;
    }
  }

  before(function () {
    requirePrerequisites(this, { tools: ['openssl'] });
    a = makeSigner(tmp.path, 'a');
    b = makeSigner(tmp.path, 'b');
    sa = { key: createPrivateKey(readFileSync(a.keyFile)), certDer: a.certDer };
    sb = { key: createPrivateKey(readFileSync(b.keyFile)), certDer: b.certDer };
  });
  after(() => {
    tmp.remove();
  });

  for (const digest of ['sha1', 'sha256', 'sha384', 'sha512'] as const satisfies readonly DigestName[]) {
    it(`verifies a ${digest} signature with the ${digest} image hash (OpenSSL agrees), and finds that hash in a db list of its type`, () => {
      const s = authenticodeSign(unsigned, { digest, signers: [sa] });
      expect(openssl(s, a.certFile)).to.equal(true);
      expect(verify(s, dbOf(x509(a.certDer))).status).to.equal('EFI_SUCCESS');
      const row = AUTHENTICODE_HASHES.find((h) => h.nodeName === digest);
      if (row === undefined) throw new Error(digest);
      const h = authenticodeImageDigest(s.image, parsePeImage(s.image), row) ?? new Uint8Array();
      const byHash = verify(s, dbOf(x509(b.certDer), encodeSignatureList({ signatureType: row.certType, entries: [{ owner: OWNER, data: h }] })));
      expect(byHash.authorities.map((x) => [x.via, x.signatureType])).to.deep.equal([['hash', row.certType]]);
    });
  }

  it('skips a SHA-224 signature: DxeImageVerificationLib has no SHA-224 hash functions', () => {
    const s = authenticodeSign(unsigned, { digest: 'sha224', signers: [sa] });
    expect(openssl(s, a.certFile)).to.equal(true);
    expect(verify(s, dbOf(x509(a.certDer))).status).to.equal('EFI_ACCESS_DENIED');
  });

  it('verifies a signature over the content itself when there are no authenticated attributes', () => {
    const s = authenticodeSign(unsigned, { digest: 'sha256', signers: [sa], authenticatedAttributes: false });
    expect(openssl(s, a.certFile)).to.equal(true);
    expect(verify(s, dbOf(x509(a.certDer))).status).to.equal('EFI_SUCCESS');
  });

  it('denies a signature whose messageDigest attribute does not match the content', () => {
    const s = authenticodeSign(unsigned, { digest: 'sha256', signers: [sa], messageDigest: new Uint8Array(32) });
    expect(openssl(s, a.certFile)).to.equal(false);
    expect(verify(s, dbOf(x509(a.certDer))).status).to.equal('EFI_ACCESS_DENIED');
  });

  it('denies SignedData listing a digest algorithm OpenSSL cannot set up', () => {
    const s = authenticodeSign(unsigned, { digest: 'sha256', signers: [sa], digestAlgorithms: ['2.16.840.1.101.3.4.2.1', '1.2.3.4.5'] });
    expect(openssl(s, a.certFile)).to.equal(false);
    expect(verify(s, dbOf(x509(a.certDer))).status).to.equal('EFI_ACCESS_DENIED');
  });

  it('requires every SignerInfo to chain to the db certificate (PKCS7_verify checks all signers)', () => {
    const s = authenticodeSign(unsigned, { digest: 'sha256', signers: [sa, sb] });
    expect(openssl(s, a.certFile)).to.equal(false);
    expect(verify(s, dbOf(x509(a.certDer))).status).to.equal('EFI_ACCESS_DENIED');
    expect(verify(s, dbOf(x509(a.certDer), x509(b.certDer))).status).to.equal('EFI_ACCESS_DENIED');
  });

  it('counts a signer whose certificate is missing as forbidden when dbx exists (Pkcs7GetSigners fails: AUTH_SIG_FAILED)', () => {
    const s = authenticodeSign(unsigned, { digest: 'sha256', signers: [sa], certificates: [b.certDer] });
    const noDbx = verify(s, dbOf(x509(a.certDer)));
    expect([noDbx.status, noDbx.action]).to.deep.equal(['EFI_ACCESS_DENIED', 'AUTH_UNTESTED']);
    const dbx = encodeSignatureList({ signatureType: EFI_CERT_TYPE.SHA256, entries: [{ owner: OWNER, data: new Uint8Array(32) }] });
    const get = dbOf(x509(a.certDer));
    const r = verify(s, (n, g) => (n === 'dbx' ? dbx : get(n, g)));
    expect([r.status, r.action]).to.deep.equal(['EFI_ACCESS_DENIED', 'AUTH_SIG_FAILED']);
  });

  it('verifies ECDSA P-384 keys with SHA-384', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const keyFile = join(tmp.path, 'p384.key');
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const certFile = join(tmp.path, 'p384.pem');
    execFileSync('openssl', ['req', '-new', '-x509', '-key', keyFile, '-out', certFile, '-subj', '/CN=p384', '-days', '30', '-sha384'], { stdio: 'pipe' });
    const certDer = new Uint8Array(new X509Certificate(readFileSync(certFile)).raw);
    const s = authenticodeSign(unsigned, { digest: 'sha384', signers: [{ key: privateKey, certDer }] });
    expect(openssl(s, certFile)).to.equal(true);
    expect(verify(s, dbOf(x509(certDer))).status).to.equal('EFI_SUCCESS');
  });
});
