/**
 * The Secure Boot parsers on valid vectors, invalid vectors (code + path) and hostile bytes:
 * EFI_SIGNATURE_LIST walks, DER, PKCS#7 SignedData, X.509, the certificate table, and the whole
 * verifier on mutated signed images. Every failure must be a typed error; nothing may hang.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { DecodeError, guidFromString, toHex } from '@tcg2sim/binary-codec';
import { buildEfiApplication, expectErrorCode, makeSigner, requirePrerequisites, sbsign, tempDir } from '@tcg2sim/test-support';
import type { TestSigner } from '@tcg2sim/test-support';
import {
  EFI_CERT_TYPE, EFI_IMAGE_SECURITY_DATABASE_GUID, derHeader, encodeSignatureList, oidFromString, oidToString, parsePeImage, parsePkcs7SignedData,
  parseSignatureLists, parseSpcIndirectData, parseX509, readCertificateTable, readDer, securityDirectory, verifyImage, AUTHENTICODE_HASHES,
  authenticodeImageDigest,
} from '@tcg2sim/uefi';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const OWNER = '11111111-2222-3333-4444-555555555555';

/** Runs `fn`; a DecodeError is fine, anything else escapes. */
function typed(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof DecodeError) {
      expect(e.code).to.be.a('string');
      return;
    }
    throw e;
  }
}

describe('EFI_SIGNATURE_LIST walk (as DxeImageVerificationLib walks db/dbx)', () => {
  const hash = Uint8Array.from({ length: 32 }, (_, i) => i);
  // UEFI 2.9 §32.4.1: header (type GUID, ListSize 28+2*48, HeaderSize 0, SignatureSize 48), then two
  // EFI_SIGNATURE_DATA of owner GUID + SHA-256.
  const twoHashes = encodeSignatureList({ signatureType: EFI_CERT_TYPE.SHA256, entries: [{ owner: OWNER, data: hash }, { owner: OWNER, data: hash.map((b) => b ^ 0xff) }] });

  it('encodes the header as the spec lays it out', () => {
    expect(toHex(twoHashes.subarray(0, 28))).to.equal(toHex(guidFromString(EFI_CERT_TYPE.SHA256)) + '7c000000' + '00000000' + '30000000');
    expect(toHex(twoHashes.subarray(28, 44))).to.equal(toHex(guidFromString(OWNER)));
  });

  it('reads back each entry with its owner, data and the whole EFI_SIGNATURE_DATA', () => {
    const [list] = parseSignatureLists(twoHashes);
    expect(list?.entries.map((e) => [e.index, e.owner, toHex(e.data), e.raw.length])).to.deep.equal([
      [0, OWNER, toHex(hash), 48],
      [1, OWNER, toHex(hash.map((b) => b ^ 0xff)), 48],
    ]);
  });

  it('round-trips any list (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 5 }), fc.uint8Array({ maxLength: 8 }), (size, n, header) => {
        const entries = Array.from({ length: n }, (_, i) => ({ owner: OWNER, data: new Uint8Array(size).fill(i) }));
        const bytes = encodeSignatureList({ signatureType: EFI_CERT_TYPE.X509, entries, signatureHeader: header });
        const [l] = parseSignatureLists(bytes);
        expect(l?.entries.map((e) => toHex(e.data))).to.deep.equal(entries.map((e) => toHex(e.data)));
        expect(toHex(l?.signatureHeader ?? new Uint8Array())).to.equal(toHex(header));
      }),
      { numRuns: 100, seed: 8 }
    );
  });

  it('ends the walk, as EDK II does, at a list larger than the bytes left', () => {
    const bytes = Buffer.concat([twoHashes, twoHashes.subarray(0, 60)]);
    expect(parseSignatureLists(bytes)).to.have.length(1);
  });

  const invalid: readonly [string, (b: Buffer) => void, string, readonly (string | number)[]][] = [
    ['SignatureListSize 0 (EDK II would loop forever)', (b) => b.writeUInt32LE(0, 16), 'BAD_VALUE', ['db', 0, 'signatureListSize']],
    ['SignatureSize 0 (EDK II would divide by zero)', (b) => b.writeUInt32LE(0, 24), 'BAD_VALUE', ['db', 0, 'signatureSize']],
    ['SignatureSize shorter than the owner GUID', (b) => b.writeUInt32LE(8, 24), 'BAD_VALUE', ['db', 0, 'signatureSize']],
    ['SignatureHeaderSize larger than the list', (b) => b.writeUInt32LE(200, 20), 'BAD_VALUE', ['db', 0, 'signatureListSize']],
  ];
  for (const [name, mutate, code, path] of invalid) {
    it(`refuses ${name} with ${code}`, () => {
      const b = Buffer.from(twoHashes);
      mutate(b);
      const e = expectErrorCode(() => parseSignatureLists(b), DecodeError, code);
      expect(e.path).to.deep.equal(path);
    });
  }

  it('refuses trailing bytes too short for a header (EDK II would read past the variable)', () => {
    const e = expectErrorCode(() => parseSignatureLists(Buffer.concat([twoHashes, new Uint8Array(10)])), DecodeError, 'SHORT_BUFFER');
    expect(e.path).to.deep.equal(['db', 1]);
  });

  it('fails only with typed errors on random and mutated bytes (fuzz)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => typed(() => parseSignatureLists(b))),
      { numRuns: 300, seed: 1 }
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(twoHashes.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), (muts) => {
        const b = twoHashes.slice();
        for (const [i, v] of muts) b[i] = v;
        typed(() => parseSignatureLists(b));
      }),
      { numRuns: 300, seed: 2 }
    );
  });
});

describe('DER reader', () => {
  const vectors: readonly [string, string, number, number][] = [
    // X.690 §8.1.3: short form, long form with one and two length octets.
    ['short form', '0403010203', 2, 3],
    ['long form, one octet', '0481800' + '0'.repeat(255), 3, 0x80],
    ['long form, two octets', '308201000' + '0'.repeat(511), 4, 0x100],
  ];
  for (const [name, h, header, len] of vectors) {
    it(`reads the ${name}`, () => {
      const n = readDer(Buffer.from(h, 'hex'));
      expect([n.headerLength, n.value.length]).to.deep.equal([header, len]);
    });
  }
  it('writes the headers it reads (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 70000 }), (len) => {
        const b = Buffer.concat([derHeader(0x04, len), new Uint8Array(len)]);
        expect(readDer(b).value.length).to.equal(len);
      }),
      { numRuns: 200, seed: 3 }
    );
  });
  it('converts OIDs both ways (1.3.6.1.4.1.311.2.1.4 is SPC_INDIRECT_DATA_OBJID)', () => {
    expect(toHex(oidFromString('1.3.6.1.4.1.311.2.1.4'))).to.equal('2b060104018237020104');
    expect(oidToString(Buffer.from('608648016503040201', 'hex'))).to.equal('2.16.840.1.101.3.4.2.1');
  });
  const bad: readonly [string, string, string][] = [
    ['an indefinite length', '3080', 'UNSUPPORTED'],
    ['a five-octet length', '30850000000001', 'UNSUPPORTED'],
    ['a high tag number', '1f0100', 'UNSUPPORTED'],
    ['a length past the end', '300500', 'SHORT_BUFFER'],
    ['a lone tag', '30', 'SHORT_BUFFER'],
  ];
  for (const [name, h, code] of bad) {
    it(`refuses ${name} with ${code}`, () => {
      expectErrorCode(() => readDer(Buffer.from(h, 'hex')), DecodeError, code);
    });
  }
});

describe('PKCS#7, X.509 and the certificate table on hostile input', function () {
  this.timeout(60_000);
  const tmp = tempDir('tcg2sim-sbfuzz-');
  let signer: TestSigner;
  let signed: Uint8Array;
  let authData: Uint8Array;
  let db: Uint8Array;

  before(function () {
    requirePrerequisites(this, { tools: ['openssl', 'sbsign'] });
    signer = makeSigner(tmp.path, 'fuzz');
    signed = sbsign(tmp.path, buildEfiApplication(new Uint8Array(3000).fill(0x90)), signer);
    const dir = securityDirectory(parsePeImage(signed));
    authData = dir === undefined ? new Uint8Array() : (readCertificateTable(signed, dir).entries[0]?.authData ?? new Uint8Array());
    db = encodeSignatureList({ signatureType: EFI_CERT_TYPE.X509, entries: [{ owner: OWNER, data: signer.certDer }] });
  });
  after(() => {
    tmp.remove();
  });

  it('parses sbsign\'s SignedData: one SHA-256 signer whose certificate is the signing certificate', () => {
    const p7 = parsePkcs7SignedData(authData);
    expect(p7.digestAlgorithms).to.deep.equal(['608648016503040201']);
    expect(p7.contentType).to.equal('2b060104018237020104');
    expect(p7.certificates.map(toHex)).to.deep.equal([toHex(signer.certDer)]);
    expect(p7.signerInfos).to.have.length(1);
    expect(toHex(p7.signerInfos[0]?.serialNumber ?? new Uint8Array())).to.equal(toHex(parseX509(signer.certDer).serialNumber));
  });

  it('finds in SpcIndirectDataContent the SHA-256 image hash pesign computes, which is also ours', function () {
    requirePrerequisites(this, { tools: ['pesign'] });
    const spc = parseSpcIndirectData(parsePkcs7SignedData(authData));
    expect([spc.dataType, spc.digestAlgorithm]).to.deep.equal(['2b06010401823702010f', '608648016503040201']);
    const file = join(tmp.path, 'signed.efi');
    writeFileSync(file, signed);
    const out = execFileSync('pesign', ['-h', '-d', 'sha256', '-i', file], { encoding: 'utf8' });
    expect(toHex(spc.digest)).to.equal(/hash:\s*([0-9a-f]+)/.exec(out)?.[1]);
    expect(toHex(authenticodeImageDigest(signed, parsePeImage(signed), AUTHENTICODE_HASHES[2]) ?? new Uint8Array())).to.equal(toHex(spc.digest));
  });

  const mutations = (n: number) => fc.array(fc.tuple(fc.nat(n - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 });

  it('fails only with typed errors on mutated signatures and certificates (fuzz)', () => {
    fc.assert(
      fc.property(mutations(authData.length), (muts) => {
        const b = authData.slice();
        for (const [i, v] of muts) b[i] = v;
        typed(() => parsePkcs7SignedData(b));
      }),
      { numRuns: 300, seed: 4 }
    );
    fc.assert(
      fc.property(mutations(signer.certDer.length), (muts) => {
        const b = signer.certDer.slice();
        for (const [i, v] of muts) b[i] = v;
        typed(() => parseX509(b));
      }),
      { numRuns: 200, seed: 5 }
    );
  });

  it('gives a verdict (never an exception) for signed images mutated in their headers and certificate table (fuzz)', () => {
    const dir = securityDirectory(parsePeImage(signed));
    const start = dir?.virtualAddress ?? 0;
    const hot = fc.oneof(fc.integer({ min: 0, max: 0x200 }), fc.integer({ min: start, max: signed.length - 1 }));
    const vars = { get: (n: string, g: string) => (n === 'SecureBoot' ? Uint8Array.of(1) : n === 'db' && g === EFI_IMAGE_SECURITY_DATABASE_GUID ? db : undefined) };
    expect(verifyImage({ image: signed, origin: 'fixed-media', variables: vars }).status).to.equal('EFI_SUCCESS');
    fc.assert(
      fc.property(fc.array(fc.tuple(hot, fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (muts) => {
        const b = signed.slice();
        for (const [i, v] of muts) b[i] = v;
        const r = verifyImage({ image: b, origin: 'fixed-media', variables: vars });
        expect(['EFI_SUCCESS', 'EFI_ACCESS_DENIED']).to.include(r.status);
      }),
      { numRuns: 150, seed: 6 }
    );
  });

  it('gives a verdict or a typed error for mutated db and dbx variables (fuzz)', () => {
    const dbx = encodeSignatureList({ signatureType: EFI_CERT_TYPE.X509_SHA256, entries: [{ owner: OWNER, data: new Uint8Array(48) }] });
    fc.assert(
      fc.property(fc.boolean(), fc.array(fc.tuple(fc.nat(4095), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (inDbx, muts) => {
        const a = db.slice();
        const x = dbx.slice();
        for (const [i, v] of muts) {
          const t = inDbx ? x : a;
          t[i % t.length] = v;
        }
        const vars = { get: (n: string) => (n === 'SecureBoot' ? Uint8Array.of(1) : n === 'db' ? a : n === 'dbx' ? x : undefined) };
        typed(() => verifyImage({ image: signed, origin: 'fixed-media', variables: vars }));
      }),
      { numRuns: 150, seed: 7 }
    );
  });
});
