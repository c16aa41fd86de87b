/**
 * Secure Boot test fixtures made by independent tools: keys and certificates by the openssl CLI,
 * Authenticode signatures by sbsign (sbsigntool). Tests that use them list `openssl` and
 * `sbsign` in requirePrerequisites.
 */
import { execFileSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A key and its certificate, as PEM files in a directory (and the certificate's DER). */
export interface TestSigner {
  readonly keyFile: string;
  readonly certFile: string;
  /** The certificate, DER: what a db EFI_CERT_X509 entry holds. */
  readonly certDer: Uint8Array;
}

/** Debian's snakeoil PK/KEK/db key (ovmf package) and its passphrase (README.Debian). */
export const SNAKEOIL_KEY = '/usr/share/ovmf/PkKek-1-snakeoil.key';
export const SNAKEOIL_CERT = '/usr/share/ovmf/PkKek-1-snakeoil.pem';
export const SNAKEOIL_PASSPHRASE = 'snakeoil';

function derOf(pemFile: string): Uint8Array {
  return new Uint8Array(new X509Certificate(readFileSync(pemFile)).raw);
}

/** The snakeoil key, decrypted into `dir` (sbsign cannot take a passphrase). */
export function snakeoilSigner(dir: string): TestSigner {
  const keyFile = join(dir, 'snakeoil.key');
  const key = createPrivateKey({ key: readFileSync(SNAKEOIL_KEY), passphrase: SNAKEOIL_PASSPHRASE });
  writeFileSync(keyFile, key.export({ type: 'pkcs8', format: 'pem' }));
  return { keyFile, certFile: SNAKEOIL_CERT, certDer: derOf(SNAKEOIL_CERT) };
}

/** Options of {@link makeSigner}. */
export interface MakeSignerOptions {
  /** Issue the certificate with this CA instead of self-signing it. */
  readonly issuer?: TestSigner;
  /** basicConstraints CA:TRUE (and keyUsage keyCertSign) on the new certificate. */
  readonly ca?: boolean;
  /** Key algorithm: RSA 2048 (default) or ECDSA P-256. */
  readonly keyType?: 'rsa' | 'ec';
  /** More extension lines in openssl's config syntax, e.g. `1.2.3.4=critical,ASN1:NULL`. */
  readonly extensions?: readonly string[];
}

/** A fresh key and certificate named `name` in `dir`, made by the openssl CLI. */
export function makeSigner(dir: string, name: string, o: MakeSignerOptions = {}): TestSigner {
  const keyFile = join(dir, `${name}.key`);
  const certFile = join(dir, `${name}.pem`);
  const cfg = join(dir, `${name}.cnf`);
  const ext = o.ca === true
    ? 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign,digitalSignature\n'
    : 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n';
  const akid = (o.issuer !== undefined ? 'authorityKeyIdentifier=keyid\n' : '') + (o.extensions ?? []).map((l) => `${l}\n`).join('');
  writeFileSync(cfg, `[req]\ndistinguished_name=dn\nx509_extensions=v3\nprompt=no\n[dn]\nCN=tcg2sim test ${name}\n[v3]\n${ext}subjectKeyIdentifier=hash\n${akid}`);
  const newkey = o.keyType === 'ec' ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'] : ['-newkey', 'rsa:2048'];
  if (o.issuer === undefined) {
    execFileSync('openssl', ['req', '-new', '-x509', ...newkey, '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '3650', '-config', cfg], { stdio: 'pipe' });
  } else {
    const csr = join(dir, `${name}.csr`);
    execFileSync('openssl', ['req', '-new', ...newkey, '-nodes', '-keyout', keyFile, '-out', csr, '-config', cfg], { stdio: 'pipe' });
    execFileSync('openssl', ['x509', '-req', '-in', csr, '-CA', o.issuer.certFile, '-CAkey', o.issuer.keyFile, '-CAcreateserial', '-out', certFile, '-days', '3650', '-extfile', cfg, '-extensions', 'v3'], { stdio: 'pipe' });
  }
  return { keyFile, certFile, certDer: derOf(certFile) };
}

/**
 * `image` signed by sbsign with `signer` (intermediate certificates from `chain` added to the
 * PKCS#7 certificates), read back as bytes. Signing an already signed image appends a signature.
 */
export function sbsign(dir: string, image: Uint8Array, signer: TestSigner, chain: readonly TestSigner[] = []): Uint8Array {
  const input = join(dir, 'unsigned.efi');
  const output = join(dir, 'signed.efi');
  writeFileSync(input, image);
  const args = ['--key', signer.keyFile, '--cert', signer.certFile, '--output', output];
  if (chain.length > 0) {
    const bundle = join(dir, 'chain.pem');
    writeFileSync(bundle, chain.map((c) => readFileSync(c.certFile, 'utf8')).join(''));
    args.push('--addcert', bundle);
  }
  execFileSync('sbsign', [...args, input], { stdio: 'pipe' });
  return new Uint8Array(readFileSync(output));
}

/** sbverify's verdict on `image` against `certFile` (true = "Signature verification OK"). */
export function sbverify(dir: string, image: Uint8Array, certFile: string): boolean {
  const file = join(dir, 'verify.efi');
  writeFileSync(file, image);
  try {
    execFileSync('sbverify', ['--cert', certFile, file], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}
