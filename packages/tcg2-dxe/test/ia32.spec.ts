import { expect } from 'chai';
import { EV, decodeEventData, uefiImageLoadEvent } from '@tcg2sim/event-log';
import { decode, encode } from '@tcg2sim/binary-codec';
import { MeasureBootHandler } from '@tcg2sim/tcg2-dxe';
import { hex, startDxe, tinyPe } from './support.ts';

// Vectors from a real boot of Debian's OVMF32_CODE_4M.secboot.fd (ovmf-ia32 2022.11-6+deb12u2:
// IA32 PEI and DXE), q35 + SMM, 512 MiB, TIS, swtpm with all four banks, to the UEFI Shell.
/** Event 0's data: TCG_EfiSpecIDEvent with uintnSize 1 (UINT32) and the four banks. */
const REAL_SPEC_ID = '53706563204944204576656e74303300000000000002000104000000040014000b0020000c0030000d00400000';
/** Event 24's data: the Shell's UEFI_IMAGE_LOAD_EVENT, 20-byte fixed part (UINTN = 4 bytes). */
const REAL_SHELL_IMAGE_LOAD =
  '10f07b1d00000000' + 'c0750c00' + '00000000' + '2c000000' +
  '04071400c9bdb87cebf8344faaea3ee4af6516a10406140083a5047c3e9e1c4fad65e05268d0b4d17fff0400';

describe('Tcg2Dxe with an IA32 DXE (uintnSize 1)', function () {
  it("writes the real IA32 boot's Spec ID event: uintnSize 1, the banks in algorithm order", function () {
    const { dxe } = startDxe(0x0f, { uintnSize: 1 });
    // TCG_PCClientPCREvent header: PCR, EV_NO_ACTION, 20 zero bytes, EventSize 45.
    const used = dxe.area(2)?.used ?? new Uint8Array();
    expect(hex(used.subarray(28, 32))).to.equal('2d000000');
    expect(hex(used.subarray(32, 32 + 45))).to.equal(REAL_SPEC_ID);
  });

  it('the X64 default still writes uintnSize 2 (the byte the IA32 boot differs in)', function () {
    const { dxe } = startDxe(0x0f);
    const x64 = hex(dxe.area(2)?.used.subarray(32, 32 + 45));
    expect(x64.slice(0, 46)).to.equal(REAL_SPEC_ID.slice(0, 46));
    expect(x64.slice(46, 48)).to.equal('02');
  });

  it('encodes the UEFI_IMAGE_LOAD_EVENT with 32-bit UINTN fields (EFI_PHYSICAL_ADDRESS stays 64-bit)', async function () {
    const { dxe, tpm } = startDxe(0x02, { uintnSize: 1 });
    const handler = new MeasureBootHandler([0x900000n], 1);
    const path = Uint8Array.of(0x04, 0x06, 0x14, 0x00, ...new Array<number>(16).fill(0x5a), 0x7f, 0xff, 0x04, 0x00);
    const pe = tinyPe(10);
    const st = await handler.fileAuthentication(dxe, { devicePath: path, fileBuffer: pe, bufferAddress: 0x1d7bf010n, origin: { kind: 'fv', rootFvBase: 0x900000n } });
    expect(st).to.equal('EFI_SUCCESS');
    expect(tpm.extends.map((e) => e.pcr)).to.deep.equal([4]);
    const rec = dxe.area(2)?.used.subarray(65) ?? new Uint8Array();
    // PCR 4, EV_EFI_BOOT_SERVICES_APPLICATION, one SHA256 digest, EventSize 20 + 24 = 44.
    expect(hex(rec.subarray(0, 8))).to.equal('04000000' + '03000080');
    expect(hex(rec.subarray(46, 50))).to.equal('2c000000');
    // ImageLinkTimeAddress is the UINTN copy of the image's ImageBase: tinyPe's 0x140000000 keeps
    // its low 32 bits.
    expect(hex(rec.subarray(50))).to.equal('10f07b1d00000000' + '00040000' + '00000040' + '18000000' + hex(path));
  });

  it("round-trips the real boot's Shell event through the uintnSize 1 codec, and the log decoder reads it", function () {
    const bytes = Buffer.from(REAL_SHELL_IMAGE_LOAD, 'hex');
    const v = decode(uefiImageLoadEvent(1), bytes);
    expect(v.imageLocationInMemory).to.equal(0x1d7bf010n);
    expect(v.imageLengthInMemory).to.equal(816576n);
    expect(v.imageLinkTimeAddress).to.equal(0n);
    expect(v.lengthOfDevicePath).to.equal(44n);
    expect(v.devicePath.length).to.equal(44);
    expect(hex(encode(uefiImageLoadEvent(1), v))).to.equal(REAL_SHELL_IMAGE_LOAD);
    const d = decodeEventData(EV.EFI_BOOT_SERVICES_APPLICATION, bytes, { uintnSize: 1 });
    expect(d.kind === 'image-load' && d.value.lengthOfDevicePath).to.equal(44n);
    // Read as X64 the same bytes do not parse as the event they are.
    const x64 = decodeEventData(EV.EFI_BOOT_SERVICES_APPLICATION, bytes, { uintnSize: 2 });
    expect(x64.kind === 'image-load' && x64.value.lengthOfDevicePath).to.not.equal(44n);
  });
});
