import { expect } from 'chai';
import {
  EFI_ACTION, EFI_GLOBAL_VARIABLE, ReadyToBootMeasurement, measureAllBootVariables, measureExitBootServices, measureExitBootServicesFailed,
  measureSecureBootPolicy,
} from '@tcg2sim/tcg2-dxe';
import type { VariableReader } from '@tcg2sim/tcg2-dxe';
import { dig, h, startDxe } from './support.ts';

function vars(entries: Record<string, Uint8Array>): VariableReader {
  return { get: (name) => entries[name] };
}

// docs/edk2-dxe.md §9.1 (digests of the whole UEFI_VARIABLE_DATA).
const POLICY: readonly [string, number, string, string][] = [
  ['SecureBoot = 00', 53, '57cd4dc19442475aa82743484f3b1caa88e142b8', '115aa827dbccfb44d216ad9ecfda56bdea620b860a94bed5b7a27bba1c4d02d8'],
  ['PK absent', 36, '9b1387306ebb7ff8e795e7be77563666bbf4516e', 'dea7b80ab53a3daaa24d5cc46c64e1fa9ffd03739f90aadbd8c0867c4a5b4890'],
  ['KEK absent', 38, '9afa86c507419b8570c62167cb9486d9fc809758', 'e670e121fcebd473b8bc41bb801301fc1d9afa33904f06f7149b74f12c47a68f'],
  ['db absent', 36, '5bf8faa078d40ffbd03317c93398b01229a0e1e0', 'baf89a3ccace52750c5f0128351e0422a41597a1adfd50822aa363b9d124ea7c'],
  ['dbx absent', 38, '734424c9fe8fc71716c42096f4b74c88733b175e', '9f75b6823bff6af1024a4e2036719cdd548d3cbc2bf1de8e7ef4d0ed01f94bf9'],
];
// §9.1: the PCR7 separator (data 00000000).
const SEP_SHA1 = '9069ca78e7450a285173431b3e52c5c25299e473';
const SEP_SHA256 = 'df3f619804a92fdb4057192dc43dd748ea778adc52bc498ce80524c014b81119';

describe('MeasureSecureBootPolicy (docs/edk2-dxe.md §9.1)', function () {
  it('measures SecureBoot, PK, KEK, db, dbx (absent ones with no data) into PCR7 with the digests of §9.1, then the separator', async function () {
    const { dxe, tpm } = startDxe(0x03);
    await measureSecureBootPolicy(dxe, vars({ SecureBoot: Uint8Array.of(0) }));
    expect(tpm.extends.map((e) => e.pcr)).to.deep.equal([7, 7, 7, 7, 7, 7]);
    POLICY.forEach(([name, , sha1, sha256], i) => {
      expect([name, dig(tpm.extends[i]?.digests, 0x04), dig(tpm.extends[i]?.digests, 0x0b)]).to.deep.equal([name, sha1, sha256]);
    });
    expect(dig(tpm.extends[5]?.digests, 0x04)).to.equal(SEP_SHA1);
    expect(dig(tpm.extends[5]?.digests, 0x0b)).to.equal(SEP_SHA256);
    // Record sizes, SHA1+SHA256 (§15): data sizes 53/36/38/36/38 and the separator 4.
    const sizes = POLICY.map(([, n]) => 72 + n);
    const area = dxe.area(2);
    expect(area?.size).to.equal(69 + sizes.reduce((a, b) => a + b, 0) + 76);
  });

  it('uses the other SecureBoot digests of §9.1 for SecureBoot = 01 and for an absent SecureBoot (52 bytes)', async function () {
    const on = startDxe(0x03);
    await measureSecureBootPolicy(on.dxe, vars({ SecureBoot: Uint8Array.of(1) }));
    expect(dig(on.tpm.extends[0]?.digests, 0x0b)).to.equal('ccfc4bb32888a345bc8aeadaba552b627d99348c767681ab3141f5b01e40a40e');
    const absent = startDxe(0x03);
    await measureSecureBootPolicy(absent.dxe, vars({}));
    expect(dig(absent.tpm.extends[0]?.digests, 0x04)).to.equal('2f20112a3f55398b208e0c42681389b4cb5b1823');
    expect(dig(absent.tpm.extends[0]?.digests, 0x0b)).to.equal('ce9ce386b52e099f3019e512a0d6062d6b560efe4ff3e5661c7525e2f9c263df');
  });

  it('measures dbt only when it exists, and "UEFI Debug Mode" first when the debugger PCD is set', async function () {
    const { dxe, tpm } = startDxe(0x02);
    await measureSecureBootPolicy(dxe, vars({ dbt: Uint8Array.of(1, 2) }), { firmwareDebuggerInitialized: true });
    expect(tpm.extends).to.have.length(8);
    expect(dig(tpm.extends[0]?.digests, 0x0b)).to.equal('a62bd67b2cc295976651b354468c0047f8d1547d25056ded5952aaf5991762a3');
  });
});

describe('boot variables, EFI actions, separators and ExitBootServices (§2, §9.2, §9.3)', function () {
  it('measures BootOrder then Boot#### in BootOrder order with the digest of the variable data only (§9.2 example)', async function () {
    const { dxe, tpm } = startDxe(0x02);
    const order = Uint8Array.of(0x0a, 0, 1, 0, 2, 0);
    const read: string[] = [];
    await measureAllBootVariables(dxe, {
      get: (name, guid) => {
        read.push(name);
        expect(guid).to.equal(EFI_GLOBAL_VARIABLE);
        return name === 'BootOrder' ? order : name === 'Boot0002' ? undefined : Uint8Array.of(name.length);
      },
    });
    expect(read).to.deep.equal(['BootOrder', 'Boot000A', 'Boot0001', 'Boot0002']);
    expect(tpm.extends.map((e) => e.pcr)).to.deep.equal([1, 1, 1]);
    expect(dig(tpm.extends[0]?.digests, 0x0b)).to.equal(h('sha256', order));
    const example = startDxe(0x02);
    await measureAllBootVariables(example.dxe, vars({ BootOrder: Uint8Array.of(0, 0, 1, 0, 2, 0) }));
    expect(dig(example.tpm.extends[0]?.digests, 0x0b)).to.equal('90c2698921ca9fd02950be353f721888760e33ab5095a21e50f1e4360b6de1a0');
    // UEFI_VARIABLE_DATA of BootOrder with 3 entries: 32 + 2*9 + 6 = 56 bytes (record 106, §15).
    expect(example.dxe.area(2)?.size).to.equal(65 + 106);
  });

  it('measures nothing in PCR1 without BootOrder', async function () {
    const { dxe, tpm } = startDxe(0x02);
    await measureAllBootVariables(dxe, vars({ Boot0000: Uint8Array.of(1) }));
    expect(tpm.extends).to.have.length(0);
  });

  it('first ReadyToBoot: boot variables, "Calling" in PCR4, separators in PCR0-6; later ones "Returning" then "Calling"', async function () {
    const { dxe, tpm } = startDxe(0x03);
    const rtb = new ReadyToBootMeasurement();
    await rtb.signal(dxe, vars({}));
    await rtb.signal(dxe, vars({}));
    expect(tpm.extends.map((e) => e.pcr)).to.deep.equal([4, 0, 1, 2, 3, 4, 5, 6, 4, 4]);
    const calling = '3d6772b4f84ed47595d72a2c4c5ffd15f5bb72c7507fe26f2aaee2c69d5633ba';
    expect(dig(tpm.extends[0]?.digests, 0x0b)).to.equal(calling);
    expect(dig(tpm.extends[0]?.digests, 0x04)).to.equal('cd0fdb4531a6ec41be2753ba042637d6e5f7f256');
    for (let i = 1; i <= 7; i++) expect(dig(tpm.extends[i]?.digests, 0x0b)).to.equal(SEP_SHA256);
    expect(dig(tpm.extends[8]?.digests, 0x0b)).to.equal('7044f06303e54fa96c3fcd1a0f11047c03d209074470b1fd60460c9f007e28a6');
    expect(dig(tpm.extends[9]?.digests, 0x0b)).to.equal(calling);
    expect(rtb.attempts).to.equal(2);
  });

  it('logs the EBS actions in PCR5 with the digests of §2 (success: Invocation + Success; failure in 202211: only Failure)', async function () {
    const { dxe, tpm } = startDxe(0x03);
    await measureExitBootServices(dxe);
    await measureExitBootServicesFailed(dxe);
    expect(tpm.extends.map((e) => [e.pcr, dig(e.digests, 0x04), dig(e.digests, 0x0b)])).to.deep.equal([
      [5, '443a6b7b82b7af564f2e393cd9d5a388b7fa4a98', 'd8043d6b7b85ad358eb3b6ae6a873ab7ef23a26352c5dc4faa5aeedacf5eb41b'],
      [5, '475545ddc978d7bfd036facc7e2e987f48189f0d', 'b54f7542cbd872a81a9d9dea839b2b8d747c7ebd5ea6615c40f42f44a6dbeba0'],
      [5, 'b14c5fbdc7cd971636a0e54fec1a56d6da849512', '23ddecbc32ea9e91ffc984b55d9fb34b24f61fd6d95d5d33dd95e824415fdd4f'],
    ]);
    expect(EFI_ACTION.EXIT_BOOT_SERVICES_INVOCATION.length).to.equal(29);
  });
});
