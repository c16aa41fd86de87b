import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { guidFromString } from '@tcg2sim/binary-codec';
import { decodeEventLog, EV } from '@tcg2sim/event-log';
import { requirePrerequisites } from '@tcg2sim/test-support';
import { EFI_IMAGE_SECURITY_DATABASE, SecureBootAuthorityMeasurement } from '@tcg2sim/tcg2-dxe';
import type { AuthorityMatch } from '@tcg2sim/uefi';
import { dig, killTpm, startDxe } from './support.ts';

const SNAKEOIL_CERT = '/usr/share/ovmf/PkKek-1-snakeoil.pem';
/** The owner GUID of the snakeoil db entry in Debian's OVMF_VARS_4M.snakeoil.fd. */
const SNAKEOIL_OWNER = 'A0BAA8A3-041D-48A8-BC87-C36D121B5E3D';

function authority(data: Uint8Array): AuthorityMatch {
  return { variableName: 'db', vendorGuid: EFI_IMAGE_SECURITY_DATABASE, via: 'certificate', signatureType: 'A5C059A1-94E4-4AA7-87B5-AB155C2BF072', listIndex: 0, entryIndex: 0, signatureData: data };
}

describe('SecureBootHook (DxeImageVerificationLib Measurement.c): PCR7 EV_EFI_VARIABLE_AUTHORITY', () => {
  let snakeoilEntry: Uint8Array;
  before(function () {
    requirePrerequisites(this, { files: [SNAKEOIL_CERT] });
    const der = new X509Certificate(readFileSync(SNAKEOIL_CERT)).raw;
    snakeoilEntry = new Uint8Array(Buffer.concat([guidFromString(SNAKEOIL_OWNER), der]));
  });

  it('logs UEFI_VARIABLE_DATA {image-security GUID, "db", the EFI_SIGNATURE_DATA} with the digests real OVMF 2022.11 extended', async () => {
    // Digests of event 25 of a real boot (q35 + SMM, OVMF_CODE_4M.secboot.fd, OVMF_VARS_4M.snakeoil.fd,
    // a loader signed by sbsign with the snakeoil key), as tpm2_eventlog printed them.
    const { dxe, tpm } = startDxe(0x03);
    const m = new SecureBootAuthorityMeasurement();
    const out = await m.measure(dxe, [authority(snakeoilEntry)]);
    expect(out.map((o) => o.outcome)).to.deep.equal(['measured']);
    expect(tpm.extends.map((e) => e.pcr)).to.deep.equal([7]);
    expect(dig(tpm.extends[0]?.digests, 0x04)).to.equal('07e17b13d72b7f6c8b06d59892dfa962cb467ae7');
    expect(dig(tpm.extends[0]?.digests, 0x0b)).to.equal('3e45733d81577680037ee00c931b1b636bbe2508185c0c4f9ca68e0feceb786e');
    const area = dxe.area(2);
    const ev = decodeEventLog(area?.used ?? new Uint8Array()).events.at(-1);
    expect(ev?.eventType).to.equal(EV.EFI_VARIABLE_AUTHORITY);
    expect(ev?.eventData.length).to.equal(943);
  });

  it('measures the same entry only once per boot, and a different entry again', async () => {
    const { dxe, tpm } = startDxe(0x02);
    const m = new SecureBootAuthorityMeasurement();
    await m.measure(dxe, [authority(snakeoilEntry)]);
    const again = await m.measure(dxe, [authority(snakeoilEntry.slice())]);
    expect(again.map((o) => o.outcome)).to.deep.equal(['already-measured']);
    const other = snakeoilEntry.slice();
    other[0] = (other[0] ?? 0) ^ 1;
    expect((await m.measure(dxe, [authority(other)])).map((o) => o.outcome)).to.deep.equal(['measured']);
    expect(tpm.extends).to.have.length(2);
    expect(m.measured).to.have.length(2);
  });

  it('remembers nothing when the TPM is gone, so nothing is logged', async () => {
    const { dxe, tpm } = startDxe(0x02);
    await killTpm(dxe, tpm);
    const m = new SecureBootAuthorityMeasurement();
    const out = await m.measure(dxe, [authority(snakeoilEntry)]);
    expect(out.map((o) => o.outcome)).to.deep.equal(['failed']);
    expect(m.measured).to.have.length(0);
  });
});
