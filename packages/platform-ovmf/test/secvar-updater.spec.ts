import { expect } from 'chai';
import { X509Certificate, generateKeyPairSync, randomBytes } from 'node:crypto';
import { embeddedCertificates } from '../src/boot/modules/secvar-updater.ts';

import { readFileSync } from 'node:fs';
import { SNAKEOIL_CERT, requirePrerequisites } from '@tcg2sim/test-support';

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
