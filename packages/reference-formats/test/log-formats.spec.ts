/**
 * The log-derived formats on synthetic logs: where systemd-pcrlock's components split the
 * firmware's records, and what the Keylime refstate takes from which records. Their agreement with
 * the real systemd-pcrlock and Keylime is tested in packages/cli/test/reference-{pcrlock,keylime}.spec.ts.
 */
import { expect } from 'chai';
import { toHex } from '@tcg2sim/binary-codec';
import { EV, EventLogBuilder, encodeVariableData } from '@tcg2sim/event-log';
import { TPM_ALG_HASH, hash } from '@tcg2sim/hash-lib';
import { encodeSignatureList } from '@tcg2sim/uefi';
import { expectErrorCode } from '@tcg2sim/test-support';
import { ReferenceError, keylimeRefstate, pcrlockComponents, pcrlockJson, pcrlockPath, pythonReEscape } from '@tcg2sim/reference-formats';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const GLOBAL = '8BE4DF61-93CA-11D2-AA0D-00E098032B8C';
const DB = 'D719B2CB-3D3A-4596-A3BC-DAD00E67656F';
const variable = (name: string, guid: string, data: Uint8Array): Uint8Array => encodeVariableData({ variableName: guid, unicodeName: name, variableData: data });
const sep = (pcr: number) => ({ pcrIndex: pcr, eventType: EV.SEPARATOR, eventData: new Uint8Array(4) });

function firmwareLog(): EventLogBuilder {
  const b = new EventLogBuilder({ algs: [TPM_ALG_HASH.SHA1, TPM_ALG_HASH.SHA256] });
  b.add({ pcrIndex: 0, eventType: EV.NO_ACTION, eventData: text('StartupLocality\0\0') });
  b.add({ pcrIndex: 0, eventType: EV.S_CRTM_VERSION, eventData: new Uint8Array(2) });
  b.add({ pcrIndex: 0, eventType: EV.EFI_PLATFORM_FIRMWARE_BLOB, eventData: new Uint8Array(16), digestOf: text('PEIFV') });
  b.add({ pcrIndex: 7, eventType: EV.EFI_VARIABLE_DRIVER_CONFIG, eventData: variable('SecureBoot', GLOBAL, Uint8Array.of(1)) });
  const owner = '11111111-2222-3333-4444-555555555555';
  const sha256Type = 'C1C41626-504C-4092-ACA9-41F936934328';
  const db = encodeSignatureList({ signatureType: sha256Type, entries: [{ owner, data: new Uint8Array(32).fill(7) }] });
  b.add({ pcrIndex: 7, eventType: EV.EFI_VARIABLE_DRIVER_CONFIG, eventData: variable('db', DB, db) });
  b.add({ pcrIndex: 7, eventType: EV.EFI_VARIABLE_DRIVER_CONFIG, eventData: variable('dbx', DB, new Uint8Array(0)) });
  b.add(sep(7));
  b.add({ pcrIndex: 1, eventType: EV.EFI_VARIABLE_BOOT, eventData: variable('BootOrder', GLOBAL, Uint8Array.of(0, 0)) });
  b.add({ pcrIndex: 4, eventType: EV.EFI_BOOT_SERVICES_DRIVER, eventData: new Uint8Array(8), digestOf: text('option rom') });
  b.add({ pcrIndex: 4, eventType: EV.EFI_ACTION, eventData: text('Calling EFI Application from Boot Option') });
  for (const pcr of [0, 1, 2, 3, 4, 5, 6]) b.add(sep(pcr));
  b.add({ pcrIndex: 0, eventType: EV.EFI_PLATFORM_FIRMWARE_BLOB, eventData: new Uint8Array(16), digestOf: text('late blob') });
  b.add({ pcrIndex: 7, eventType: EV.EFI_VARIABLE_AUTHORITY, eventData: variable('db', DB, new Uint8Array(48)) });
  b.add({ pcrIndex: 4, eventType: EV.EFI_BOOT_SERVICES_APPLICATION, eventData: new Uint8Array(32), digestOf: text('shim') });
  return b;
}

describe('pcrlockComponents', () => {
  const log = firmwareLog().build();
  const byName = new Map(pcrlockComponents(log).map((c) => [c.name, c]));
  const digest = (s: string): string => toHex(hash(TPM_ALG_HASH.SHA256, text(s)));

  it("splits the firmware's records as systemd-pcrlock's lock-* verbs do, without separators and the calling action", () => {
    expect([...byName.keys()]).to.deep.equal([
      '240-secureboot-policy', '250-firmware-code-early', '250-firmware-config-early', '550-firmware-code-late', '550-firmware-config-late', '620-secureboot-authority',
    ]);
    expect(byName.get('250-firmware-code-early')?.records.map((r) => r.pcr)).to.deep.equal([0, 0, 4]);
    expect(byName.get('250-firmware-code-early')?.records[1]?.digests).to.deep.include({ hashAlg: 'sha256', digest: digest('PEIFV') });
    expect(byName.get('550-firmware-code-late')?.records.map((r) => r.digests[1]?.digest)).to.deep.equal([digest('late blob')]);
    expect(byName.get('250-firmware-config-early')?.records.map((r) => r.pcr)).to.deep.equal([1]);
    expect(byName.get('550-firmware-config-late')?.records).to.deep.equal([]);
    expect(byName.get('240-secureboot-policy')?.records.map((r) => r.pcr)).to.deep.equal([7, 7, 7]);
    expect(byName.get('620-secureboot-authority')?.records).to.have.length(1);
  });

  it('limits PCRs and banks when asked, and writes systemd.pcrlock(5) JSON under NAME.pcrlock.d/', () => {
    const c = pcrlockComponents(log, { pcrs: new Set([0]), banks: new Set([TPM_ALG_HASH.SHA256]) });
    const early = c.find((x) => x.name === '250-firmware-code-early');
    if (early === undefined) throw new Error('no component');
    expect(early.records.map((r) => r.pcr)).to.deep.equal([0, 0]);
    expect(JSON.parse(pcrlockJson(early))).to.deep.equal({ records: early.records.map((r) => ({ pcr: 0, digests: [{ hashAlg: 'sha256', digest: r.digests[0]?.digest }] })) });
    expect(pcrlockPath(early)).to.equal('250-firmware-code-early.pcrlock.d/tcg2sim.pcrlock');
    expect(c.find((x) => x.name === '240-secureboot-policy')?.records).to.deep.equal([]);
  });
});

describe('keylimeRefstate', () => {
  it("takes create_mb_refstate's fields from their records", () => {
    const { refstate, notes } = keylimeRefstate(firmwareLog().build());
    expect(refstate.has_secureboot).to.equal(true);
    expect(refstate.scrtm_and_bios).to.have.length(1);
    expect(refstate.scrtm_and_bios[0]?.platform_firmware).to.deep.equal([{ sha256: `0x${toHex(hash(TPM_ALG_HASH.SHA256, text('PEIFV')))}` }, { sha256: `0x${toHex(hash(TPM_ALG_HASH.SHA256, text('late blob')))}` }]);
    expect(refstate.db).to.deep.equal([{ SignatureOwner: '11111111-2222-3333-4444-555555555555', SignatureData: `0x${'07'.repeat(32)}` }]);
    expect(refstate.dbx).to.deep.equal([]);
    expect(refstate.pk).to.deep.equal([]);
    expect(refstate.kernels).to.deep.equal([]);
    expect(notes.join(' ')).to.match(/1 boot application/);
  });

  it('refuses a log without SHA-256 digests and names a bad UEFI_VARIABLE_DATA', () => {
    const sha1 = new EventLogBuilder({ algs: [TPM_ALG_HASH.SHA1] });
    sha1.add({ pcrIndex: 0, eventType: EV.S_CRTM_VERSION, eventData: new Uint8Array(2) });
    expectErrorCode(() => keylimeRefstate(sha1.build()), ReferenceError, 'MISSING_PCR');
    const bad = new EventLogBuilder({ algs: [TPM_ALG_HASH.SHA256] });
    bad.add({ pcrIndex: 7, eventType: EV.EFI_VARIABLE_DRIVER_CONFIG, eventData: new Uint8Array(10) });
    expectErrorCode(() => keylimeRefstate(bad.build()), ReferenceError, 'BAD_EVENT');
  });

  it("escapes the kernel command line as Python's re.escape does", () => {
    // Vectors from CPython 3.11's re.escape.
    expect(pythonReEscape('/vmlinuz-6.1.0 root=/dev/vda2 ro quiet')).to.equal('/vmlinuz\\-6\\.1\\.0\\ root=/dev/vda2\\ ro\\ quiet');
    expect(pythonReEscape('a+b*c?d(e)[f]{g}|h^i$j\\k.l&m~n#o\tp')).to.equal('a\\+b\\*c\\?d\\(e\\)\\[f\\]\\{g\\}\\|h\\^i\\$j\\\\k\\.l\\&m\\~n\\#o\\\tp');
    expect(pythonReEscape('plain_text:1,2=3@4%5!6\'7"8<9>0')).to.equal('plain_text:1,2=3@4%5!6\'7"8<9>0');
  });
});
