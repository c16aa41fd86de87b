import { expect } from 'chai';
import fc from 'fast-check';
import { DecodeError, decode, encode, toHex } from '@tcg2sim/binary-codec';
import { TPM_ALG_HASH, hashAll } from '@tcg2sim/hash-lib';
import {
  EV, UEFIPlatformFirmwareBlob, UEFIPlatformFirmwareBlob2, UEFIVariableData, TCGEfiStartupLocalityEvent,
  TCGSp800155PlatformIdEvent2, decodeEventData, encodeVariableData, uefiGptData, uefiHandoffTablePointers,
  uefiHandoffTablePointers2, uefiImageLoadEvent,
} from '@tcg2sim/event-log';
import { GLOBAL_VARIABLE, IMAGE_SECURITY_DATABASE, SHELL_DEVICE_PATH } from './fixtures/ovmf-like.ts';

const ascii = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));
const digests = (data: Uint8Array): [string, string] => {
  const [a, b] = hashAll([TPM_ALG_HASH.SHA1, TPM_ALG_HASH.SHA256], data);
  return [toHex(a?.digest ?? new Uint8Array()), toHex(b?.digest ?? new Uint8Array())];
};

describe('UEFI_VARIABLE_DATA', () => {
  // docs/edk2-dxe.md §9.1: the PCR7 variables of an empty OVMF_VARS store, digest = H(whole structure).
  const VECTORS = [
    { name: 'SecureBoot = 00', guid: GLOBAL_VARIABLE, var: 'SecureBoot', data: [0], size: 53, sha1: '57cd4dc19442475aa82743484f3b1caa88e142b8', sha256: '115aa827dbccfb44d216ad9ecfda56bdea620b860a94bed5b7a27bba1c4d02d8' },
    { name: 'SecureBoot = 01', guid: GLOBAL_VARIABLE, var: 'SecureBoot', data: [1], size: 53, sha1: 'd4fdd1f14d4041494deb8fc990c45343d2277d08', sha256: 'ccfc4bb32888a345bc8aeadaba552b627d99348c767681ab3141f5b01e40a40e' },
    { name: 'SecureBoot absent', guid: GLOBAL_VARIABLE, var: 'SecureBoot', data: [], size: 52, sha1: '2f20112a3f55398b208e0c42681389b4cb5b1823', sha256: 'ce9ce386b52e099f3019e512a0d6062d6b560efe4ff3e5661c7525e2f9c263df' },
    { name: 'PK absent', guid: GLOBAL_VARIABLE, var: 'PK', data: [], size: 36, sha1: '9b1387306ebb7ff8e795e7be77563666bbf4516e', sha256: 'dea7b80ab53a3daaa24d5cc46c64e1fa9ffd03739f90aadbd8c0867c4a5b4890' },
    { name: 'KEK absent', guid: GLOBAL_VARIABLE, var: 'KEK', data: [], size: 38, sha1: '9afa86c507419b8570c62167cb9486d9fc809758', sha256: 'e670e121fcebd473b8bc41bb801301fc1d9afa33904f06f7149b74f12c47a68f' },
    { name: 'db absent', guid: IMAGE_SECURITY_DATABASE, var: 'db', data: [], size: 36, sha1: '5bf8faa078d40ffbd03317c93398b01229a0e1e0', sha256: 'baf89a3ccace52750c5f0128351e0422a41597a1adfd50822aa363b9d124ea7c' },
    { name: 'dbx absent', guid: IMAGE_SECURITY_DATABASE, var: 'dbx', data: [], size: 38, sha1: '734424c9fe8fc71716c42096f4b74c88733b175e', sha256: '9f75b6823bff6af1024a4e2036719cdd548d3cbc2bf1de8e7ef4d0ed01f94bf9' },
  ];
  for (const v of VECTORS) {
    it(`encodes ${v.name} to the bytes OVMF measures (size ${v.size}, SHA1 ${v.sha1.slice(0, 8)}…)`, () => {
      const bytes = encodeVariableData({ variableName: v.guid, unicodeName: v.var, variableData: new Uint8Array(v.data) });
      expect(bytes.length).to.equal(v.size);
      expect(digests(bytes)).to.deep.equal([v.sha1, v.sha256]);
      const back = decodeEventData(EV.EFI_VARIABLE_DRIVER_CONFIG, bytes);
      expect(back.kind).to.equal('variable');
      if (back.kind === 'variable') expect(back.value).to.deep.equal({ variableName: v.guid, unicodeName: v.var, variableData: new Uint8Array(v.data) });
    });
  }

  it('round-trips any name and data', () => {
    fc.assert(
      fc.property(fc.uuid(), fc.string({ unit: 'binary', maxLength: 40 }), fc.uint8Array({ maxLength: 300 }), (g, name, data) => {
        const v = { variableName: g.toUpperCase(), unicodeName: name, variableData: data };
        expect(decode(UEFIVariableData, encode(UEFIVariableData, v))).to.deep.equal(v);
      }),
      { numRuns: 200 }
    );
  });

  it('reports lengths larger than the event as SHORT_BUFFER at the UnicodeNameLength field, without allocating', () => {
    const bytes = encodeVariableData({ variableName: GLOBAL_VARIABLE, unicodeName: 'PK', variableData: new Uint8Array(0) });
    new DataView(bytes.buffer).setBigUint64(24, 0xffffffffffffffffn, true);
    const v = decodeEventData(EV.EFI_VARIABLE_DRIVER_CONFIG, bytes);
    expect(v.kind).to.equal('invalid');
    if (v.kind === 'invalid') {
      expect(v.error.code).to.equal('SHORT_BUFFER');
      expect(v.error.offset).to.equal(16);
    }
  });
});

describe('EV_SEPARATOR and EV_EFI_ACTION data', () => {
  it('hashes separator 00000000 to the values of docs/edk2-dxe.md §9.1', () => {
    expect(digests(new Uint8Array(4))).to.deep.equal(['9069ca78e7450a285173431b3e52c5c25299e473', 'df3f619804a92fdb4057192dc43dd748ea778adc52bc498ce80524c014b81119']);
    expect(decodeEventData(EV.SEPARATOR, new Uint8Array(4))).to.deep.equal({ kind: 'separator', value: 0 });
  });
  it('reads the error separator 00000001 as value 1', () => {
    expect(decodeEventData(EV.SEPARATOR, new Uint8Array([1, 0, 0, 0]))).to.deep.equal({ kind: 'separator', value: 1 });
  });
  it('reports a separator that is not 4 bytes as invalid BAD_VALUE', () => {
    const v = decodeEventData(EV.SEPARATOR, new Uint8Array(3));
    expect(v.kind === 'invalid' && v.error.code).to.equal('BAD_VALUE');
  });
  // docs/edk2-dxe.md §2: the action strings, logged without NUL.
  const ACTIONS = [
    ['Calling EFI Application from Boot Option', 'cd0fdb4531a6ec41be2753ba042637d6e5f7f256', '3d6772b4f84ed47595d72a2c4c5ffd15f5bb72c7507fe26f2aaee2c69d5633ba'],
    ['Returning from EFI Application from Boot Option', 'b6ae9742d3936a4291cfed8df775bc4657e368c0', '7044f06303e54fa96c3fcd1a0f11047c03d209074470b1fd60460c9f007e28a6'],
    ['Exit Boot Services Invocation', '443a6b7b82b7af564f2e393cd9d5a388b7fa4a98', 'd8043d6b7b85ad358eb3b6ae6a873ab7ef23a26352c5dc4faa5aeedacf5eb41b'],
    ['Exit Boot Services Returned with Success', '475545ddc978d7bfd036facc7e2e987f48189f0d', 'b54f7542cbd872a81a9d9dea839b2b8d747c7ebd5ea6615c40f42f44a6dbeba0'],
  ] as const;
  for (const [s, sha1, sha256] of ACTIONS) {
    it(`reads and hashes "${s}"`, () => {
      expect(decodeEventData(EV.EFI_ACTION, ascii(s))).to.deep.equal({ kind: 'text', value: s });
      expect(digests(ascii(s))).to.deep.equal([sha1, sha256]);
    });
  }
});

describe('UEFI_PLATFORM_FIRMWARE_BLOB and BLOB2', () => {
  it('decodes OVMF PEIFV {0x820000, 0xE0000}', () => {
    const bytes = encode(UEFIPlatformFirmwareBlob, { blobBase: 0x820000n, blobLength: 0xe0000n });
    expect(toHex(bytes)).to.equal('0000820000000000' + '00000e0000000000');
    expect(decodeEventData(EV.EFI_PLATFORM_FIRMWARE_BLOB, bytes)).to.deep.equal({ kind: 'firmware-blob', value: { blobBase: 0x820000n, blobLength: 0xe0000n } });
  });
  it('decodes the Tcg2Pei BLOB2 form with its Fv(GUID) description', () => {
    const desc = ascii('Fv(7CB8BDC9-F8EB-4F34-AAEA-3EE4AF6516A1)\0');
    const bytes = encode(UEFIPlatformFirmwareBlob2, { blobDescription: desc, blobBase: 0x900000n, blobLength: 0xc00000n });
    expect(bytes.length).to.equal(1 + 41 + 16);
    const v = decodeEventData(EV.EFI_PLATFORM_FIRMWARE_BLOB2, bytes);
    expect(v.kind).to.equal('firmware-blob2');
  });
  it('treats a 16-byte EV_POST_CODE as a blob and other lengths as text', () => {
    expect(decodeEventData(EV.POST_CODE, new Uint8Array(16)).kind).to.equal('firmware-blob');
    expect(decodeEventData(EV.POST_CODE, ascii('ACPI DATA'))).to.deep.equal({ kind: 'text', value: 'ACPI DATA' });
  });
});

describe('UEFI_IMAGE_LOAD_EVENT', () => {
  it('decodes the 76-byte Shell event of docs/edk2-dxe.md §12.4 with its device path kept raw', () => {
    const codec = uefiImageLoadEvent(2);
    const v = { imageLocationInMemory: 0x7e5d8018n, imageLengthInMemory: 876672n, imageLinkTimeAddress: 0n, lengthOfDevicePath: 44n, devicePath: SHELL_DEVICE_PATH };
    const bytes = encode(codec, v);
    expect(bytes.length).to.equal(76);
    expect(decodeEventData(EV.EFI_BOOT_SERVICES_APPLICATION, bytes)).to.deep.equal({ kind: 'image-load', value: v });
  });
  it('reads 32-bit UINTN fields when the Spec ID says uintnSize 1 (IA32)', () => {
    const codec = uefiImageLoadEvent(1);
    const v = { imageLocationInMemory: 0x1000n, imageLengthInMemory: 10n, imageLinkTimeAddress: 0x2000n, lengthOfDevicePath: 4n, devicePath: new Uint8Array([0x7f, 0xff, 4, 0]) };
    expect(encode(codec, v).length).to.equal(8 + 4 + 4 + 4 + 4);
    expect(decode(codec, encode(codec, v))).to.deep.equal(v);
  });
  it('reports an event shorter than the fixed part as SHORT_BUFFER', () => {
    const v = decodeEventData(EV.EFI_BOOT_SERVICES_DRIVER, new Uint8Array(20));
    expect(v.kind === 'invalid' && v.error.code).to.equal('SHORT_BUFFER');
  });
});

describe('UEFI_GPT_DATA', () => {
  const header = {
    signature: ascii('EFI PART'), revision: 0x10000, headerSize: 92, headerCrc32: 1, reserved: 0, myLba: 1n, alternateLba: 99n,
    firstUsableLba: 34n, lastUsableLba: 60n, diskGuid: '01234567-89AB-CDEF-0123-456789ABCDEF', partitionEntryLba: 2n,
    numberOfPartitionEntries: 128, sizeOfPartitionEntry: 128, partitionEntryArrayCrc32: 2,
  };
  const entry = {
    partitionTypeGuid: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B', uniquePartitionGuid: '11111111-2222-3333-4444-555555555555',
    startingLba: 34n, endingLba: 60n, attributes: 0n, partitionName: new Uint8Array(72), extra: new Uint8Array(0),
  };
  it('round-trips a one-partition table (92 + 8 + 128 bytes)', () => {
    const v = { uefiPartitionHeader: header, partitions: [entry] };
    const bytes = encode(uefiGptData(2), v);
    expect(bytes.length).to.equal(228);
    expect(decodeEventData(EV.EFI_GPT_EVENT, bytes)).to.deep.equal({ kind: 'gpt', value: v });
  });
  it('bounds NumberOfPartitions by the bytes present (LIMIT_EXCEEDED)', () => {
    const bytes = encode(uefiGptData(2), { uefiPartitionHeader: header, partitions: [entry] });
    new DataView(bytes.buffer).setBigUint64(92, 1n << 40n, true);
    const v = decodeEventData(EV.EFI_GPT_EVENT, bytes);
    expect(v.kind === 'invalid' && v.error.code).to.equal('LIMIT_EXCEEDED');
  });
});

describe('UEFI_HANDOFF_TABLE_POINTERS and POINTERS2', () => {
  it('round-trips the SMBIOS table pointer (32 bytes on X64)', () => {
    const v = { tableEntry: [{ vendorGuid: 'EB9D2D31-2D88-11D3-9A16-0090273FC14D', vendorTable: 0x7fb4d000n }] };
    const bytes = encode(uefiHandoffTablePointers(2), v);
    expect(bytes.length).to.equal(32);
    expect(decodeEventData(EV.EFI_HANDOFF_TABLES, bytes)).to.deep.equal({ kind: 'handoff-tables', value: v });
  });
  it('round-trips the 45-byte POINTERS2 form with the "SmbiosTable" description', () => {
    const v = { tableDescription: ascii('SmbiosTable\0'), tableEntry: [{ vendorGuid: 'F2FD1544-9794-4A2C-992E-E5BBCF20E394', vendorTable: 0x7fb4c000n }] };
    const bytes = encode(uefiHandoffTablePointers2(2), v);
    expect(bytes.length).to.equal(45);
    expect(decodeEventData(EV.EFI_HANDOFF_TABLES2, bytes)).to.deep.equal({ kind: 'handoff-tables2', value: v });
  });
});

describe('EV_NO_ACTION structures', () => {
  it('decodes a StartupLocality event (17 bytes, locality 3)', () => {
    const bytes = encode(TCGEfiStartupLocalityEvent, { signature: 'StartupLocality', startupLocality: 3 });
    expect(toHex(bytes)).to.equal('537461727475704c6f63616c6974790003');
    expect(decodeEventData(EV.NO_ACTION, bytes)).to.deep.equal({ kind: 'startup-locality', value: { signature: 'StartupLocality', startupLocality: 3 } });
  });
  it('decodes an SP800-155 Event2 platform id (signature without NUL)', () => {
    const v = {
      signature: 'SP800-155 Event2', platformManufacturerId: 0x1234, referenceManifestGuid: '11111111-2222-3333-4444-555555555555',
      platformManufacturerStr: ascii('ACME\0'), platformModel: ascii('M1\0'), platformVersion: ascii('1\0'),
      firmwareManufacturerStr: ascii('EDK II\0'), firmwareManufacturerId: 0, firmwareVersion: ascii('2022.11\0'),
    };
    const bytes = encode(TCGSp800155PlatformIdEvent2, v);
    expect(decodeEventData(EV.NO_ACTION, bytes)).to.deep.equal({ kind: 'sp800-155-event2', value: v });
  });
  it('leaves unknown EV_NO_ACTION data raw', () => {
    expect(decodeEventData(EV.NO_ACTION, ascii('something else entirely'))).to.deep.equal({ kind: 'raw' });
  });
});

describe('string and CRTM event data', () => {
  it('reads EV_OMIT_BOOT_DEVICE_EVENTS as its ASCII string', () => {
    expect(decodeEventData(EV.OMIT_BOOT_DEVICE_EVENTS, ascii('BOOT ATTEMPTS OMITTED'))).to.deep.equal({ kind: 'text', value: 'BOOT ATTEMPTS OMITTED' });
  });
  it('reads EV_S_CRTM_VERSION as a UCS-2 string without its NUL (OVMF logs L"" = 00 00)', () => {
    expect(decodeEventData(EV.S_CRTM_VERSION, new Uint8Array(2))).to.deep.equal({ kind: 'ucs2', value: '' });
    expect(decodeEventData(EV.S_CRTM_VERSION, new Uint8Array(Buffer.from('2022.11\0', 'utf16le')))).to.deep.equal({ kind: 'ucs2', value: '2022.11' });
  });
  it('reads EV_S_CRTM_CONTENTS as a blob (16 bytes) or a BLOB2', () => {
    expect(decodeEventData(EV.S_CRTM_CONTENTS, new Uint8Array(16)).kind).to.equal('firmware-blob');
    const blob2 = encode(UEFIPlatformFirmwareBlob2, { blobDescription: ascii('CRTM\0'), blobBase: 0xffe00000n, blobLength: 0x200000n });
    expect(decodeEventData(EV.S_CRTM_CONTENTS, blob2).kind).to.equal('firmware-blob2');
  });
  it('reads the H-CRTM event as its "HCRTM" string', () => {
    expect(decodeEventData(EV.EFI_HCRTM_EVENT, ascii('HCRTM'))).to.deep.equal({ kind: 'text', value: 'HCRTM' });
  });
});

describe('decodeEventData on hostile input', () => {
  it('never throws for any type and any bytes: bad data is `invalid` with a DecodeError', () => {
    const types = [0, 1, 3, 4, 5, 7, 8, 0xb, 0xd, 0x12, 0x80000001, 0x80000002, 0x80000003, 0x80000004, 0x80000005, 0x80000006, 0x80000007, 0x80000008, 0x80000009, 0x8000000a, 0x8000000b, 0x8000000c, 0x80000010, 0x800000e0];
    fc.assert(
      fc.property(fc.constantFrom(...types), fc.uint8Array({ maxLength: 400 }), fc.constantFrom(1, 2), (t, data, uintnSize) => {
        const v = decodeEventData(t, data, { uintnSize });
        if (v.kind === 'invalid') expect(v.error).to.be.instanceOf(DecodeError);
      }),
      { numRuns: 2000 }
    );
  });
});
