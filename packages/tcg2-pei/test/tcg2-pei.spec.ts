import { expect } from 'chai';
import { decode, encode, guidFromString } from '@tcg2sim/binary-codec';
import { TCGPCREvent, tcgPcrEvent2, digestSizesOf } from '@tcg2sim/event-log';
import {
  EFIHobGuidType, EFIPlatformFirmwareBlob, MeasuredHobData, TCG_HOB_GUID, commandLibTpm, encodeGuidHob, getFvName, runTcg2Pei,
} from '@tcg2sim/tcg2-pei';
import type { PeiFv, Tcg2PeiInput, Tcg2PeiResult } from '@tcg2sim/tcg2-pei';
import { FakePeiTpm, cc, digest, extend, fvBytes, hex, softRig } from './support.ts';

// Command codes (TPM 2.0 Part 2 §6.5.2).
const STARTUP = 0x144;
const SELF_TEST = 0x143;
const GET_CAP = 0x17a;
const PCR_READ = 0x17e;
const PCR_EXTEND = 0x182;
const PCR_ALLOCATE = 0x12b;

const PEIFV: PeiFv = { base: 0x820000n, length: 0x1000n, bytes: fvBytes(0x1000, 0x11) };
const DXEFV: PeiFv = { base: 0x900000n, length: 0x2000n, bytes: fvBytes(0x2000, 0x22, guidFromString('7CB8BDC9-F8EB-4F34-AAEA-3EE4AF6516A1')) };

function input(tpm: Tcg2PeiInput['tpm'], over: Partial<Tcg2PeiInput> = {}): Tcg2PeiInput {
  return { tpm, bootMode: 'normal', bootFv: PEIFV, fvInfos: [DXEFV], ...over };
}

function hobsOf(r: Tcg2PeiResult, guid: string): Uint8Array[] {
  return r.hobs.filter((h) => h.guid === guid).map((h) => h.data);
}

// docs/edk2-pei.md §5.5: the S-CRTM version event of L"" (data 00 00).
const SCRTM_SHA1 = '1489f923c4dca729178b3e3233458550d8dddf29';
const SCRTM_SHA256 = '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7';
// docs/edk2-pei.md §5.2 / docs/edk2-dxe.md §9.2: the S3 error separator (data 01 00 00 00).
const ERROR_SEPARATOR_SHA256 = '67abdd721024f0ff4e0b3f4c2fc13bc5bad42d0b7851d456d88d203d15aaa450';
const ERROR_SEPARATOR_SHA1 = '3c585604e87f855973731fea83e21fab9392d2fc';

describe('Tcg2Pei over the soft TPM (TIS, Tpm2DeviceLibDTpm, Tpm2CommandLib)', function () {
  it('sends the PEI command stream of docs/edk2-pei.md §7.9 in order, with the exact Startup, SelfTest, GetCapability and PCR_Read bytes', async function () {
    const rig = await softRig();
    const r = await runTcg2Pei(input(commandLibTpm(rig.lib)));
    expect(r.outcome).to.equal('measured');
    expect(rig.commands.map(cc)).to.deep.equal([
      STARTUP, GET_CAP, SELF_TEST, GET_CAP, GET_CAP, PCR_READ,
      PCR_EXTEND, GET_CAP, GET_CAP, PCR_READ, PCR_EXTEND, GET_CAP, GET_CAP, PCR_READ, PCR_EXTEND, GET_CAP, GET_CAP, PCR_READ,
    ]);
    expect(hex(rig.commands[0] ?? new Uint8Array())).to.equal('80010000000c000001440000');
    expect(hex(rig.commands[1] ?? new Uint8Array())).to.equal('8001000000160000017a000000050000000000000001');
    expect(hex(rig.commands[2] ?? new Uint8Array())).to.equal('80010000000b0000014300');
    expect(hex(rig.commands[5] ?? new Uint8Array())).to.equal('8001000000260000017e0000000400040301000000' + '0b030100000' + '00c030100000' + '00d03010000');
    // 4 banks: 31 + 4 * 2 + 20 + 32 + 48 + 64 = 203 (0xCB), docs/edk2-pei.md §7.5.
    expect(hex((rig.commands[6] ?? new Uint8Array()).subarray(0, 10))).to.equal('8002000000cb00000182');
  });

  it('sends the same stream through tpm-crb', async function () {
    const rig = await softRig(undefined, 'crb');
    const r = await runTcg2Pei(input(commandLibTpm(rig.lib)));
    expect(r.outcome).to.equal('measured');
    expect(rig.commands.map(cc).slice(0, 7)).to.deep.equal([STARTUP, GET_CAP, SELF_TEST, GET_CAP, GET_CAP, PCR_READ, PCR_EXTEND]);
    expect(rig.commands).to.have.length(18);
  });

  it('extends PCR0 with the S-CRTM version digests of §5.5 and leaves PCR0 equal to the replay of its measurements', async function () {
    const rig = await softRig();
    const r = await runTcg2Pei(input(commandLibTpm(rig.lib)));
    const scrtm = r.measurements[0];
    expect(scrtm?.eventType).to.equal(0x00000008);
    expect(hex(scrtm?.eventData ?? new Uint8Array())).to.equal('0000');
    expect(scrtm?.digests.map((d) => [d.alg, hex(d.digest)])).to.deep.include.members([[0x0004, SCRTM_SHA1], [0x000b, SCRTM_SHA256]]);
    let pcr0: Uint8Array = new Uint8Array(32);
    for (const data of [Uint8Array.of(0, 0), PEIFV.bytes, DXEFV.bytes]) pcr0 = extend('sha256', pcr0, digest('sha256', data));
    expect(hex(rig.backend.tpm.pcr(0x000b, 0) ?? new Uint8Array())).to.equal(hex(pcr0));
    expect(r.measurements.map((m) => hex(m.eventData))).to.deep.equal([
      '0000', '0000820000000000' + '0010000000000000', '0000900000000000' + '0020000000000000',
    ]);
  });

  it('keeps every supported bank in PcdTpm2HashMask for a SHA256-only TPM: 4-bank extends, only SHA256 active (§5.3)', async function () {
    const rig = await softRig(['sha256']);
    const r = await runTcg2Pei(input(commandLibTpm(rig.lib)));
    expect(r.outcome).to.equal('measured');
    expect(r.tpmActiveBanks).to.equal(0x02);
    expect(r.tpmSupportedBanks).to.equal(0x0f);
    expect(r.pcdTpm2HashMask).to.equal(0x0f);
    const extendCmds = rig.commands.filter((c) => cc(c) === PCR_EXTEND);
    expect(extendCmds).to.have.length(3);
    for (const c of extendCmds) expect(c.length).to.equal(0xcb);
    expect(rig.commands.map(cc)).to.not.include(PCR_ALLOCATE);
  });

  it('treats TPM_RC_INITIALIZE from an already started TPM as success and measures', async function () {
    const rig = await softRig();
    await rig.lib.requestUseTpm();
    await rig.lib.submit(Uint8Array.of(0x80, 0x01, 0, 0, 0, 0x0c, 0, 0, 0x01, 0x44, 0, 0));
    rig.commands.length = 0;
    const r = await runTcg2Pei(input(commandLibTpm(rig.lib)));
    expect(r.outcome).to.equal('measured');
    expect(r.measurements).to.have.length(3);
    expect(r.diagnostics.join('\n')).to.contain('TPM_RC_INITIALIZE');
  });

  it('on S3 with no saved state: Startup(STATE) fails, Startup(CLEAR) succeeds, PCR0-7 get the 0x00000001 error separator and nothing else', async function () {
    const rig = await softRig();
    const r = await runTcg2Pei(input(commandLibTpm(rig.lib), { bootMode: 's3' }));
    expect(r.outcome).to.equal('s3-no-measure');
    const codes = rig.commands.map(cc);
    expect(codes.slice(0, 3)).to.deep.equal([STARTUP, STARTUP, GET_CAP]);
    expect(hex(rig.commands[0] ?? new Uint8Array())).to.equal('80010000000c000001440001');
    expect(codes).to.not.include(SELF_TEST);
    expect(r.measurements.map((m) => [m.pcrIndex, m.eventType, hex(m.eventData)])).to.deep.equal(
      [0, 1, 2, 3, 4, 5, 6, 7].map((p) => [p, 4, '01000000'])
    );
    for (const m of r.measurements) {
      expect(m.digests.find((d) => d.alg === 0x000b)?.digest).to.satisfy((d: Uint8Array) => hex(d) === ERROR_SEPARATOR_SHA256);
      expect(m.digests.find((d) => d.alg === 0x0004)?.digest).to.satisfy((d: Uint8Array) => hex(d) === ERROR_SEPARATOR_SHA1);
    }
    for (let pcr = 0; pcr < 8; pcr++) {
      expect(hex(rig.backend.tpm.pcr(0x000b, pcr) ?? new Uint8Array())).to.equal(hex(extend('sha256', new Uint8Array(32), digest('sha256', Uint8Array.of(1, 0, 0, 0)))));
    }
    expect(hobsOf(r, TCG_HOB_GUID.MEASURED_FV)).to.have.length(0);
  });

  it('on S3 after an orderly Shutdown(STATE): Startup(STATE) succeeds and nothing is measured', async function () {
    const rig = await softRig();
    await rig.lib.requestUseTpm();
    await rig.lib.submit(Uint8Array.of(0x80, 0x01, 0, 0, 0, 0x0c, 0, 0, 0x01, 0x44, 0, 0));
    await rig.lib.submit(Uint8Array.of(0x80, 0x01, 0, 0, 0, 0x0c, 0, 0, 0x01, 0x45, 0, 1));
    await rig.backend.powerOff();
    await rig.backend.powerOn();
    rig.commands.length = 0;
    const r = await runTcg2Pei(input(commandLibTpm(rig.lib), { bootMode: 's3' }));
    expect(r.outcome).to.equal('s3-no-measure');
    expect(rig.commands.map(cc).filter((c) => c === STARTUP)).to.have.length(1);
    expect(r.measurements).to.have.length(0);
    expect(r.hobs).to.have.length(0);
  });

  it('reallocates the PCR banks and resets when an active bank is outside PcdTpm2HashMask (§5.3, PCR_Allocate bytes of §7.7)', async function () {
    const rig = await softRig();
    const r = await runTcg2Pei(input(commandLibTpm(rig.lib), { pcdTpm2HashMask: 0x02 }));
    expect(r.outcome).to.equal('reset');
    const alloc = rig.commands.find((c) => cc(c) === PCR_ALLOCATE);
    // 31 + 6 * 4 banks = 55 (0x37); only SHA256 selected.
    expect(hex(alloc ?? new Uint8Array())).to.equal(
      '8002000000370000012b' + '4000000c' + '00000009' + '400000090000000000' + '00000004' +
        '0004030000' + '00' + '000b03ffffff' + '000c03000000' + '000d03000000'
    );
    expect(r.measurements).to.have.length(0);
    expect(r.hobs).to.have.length(0);
    expect(rig.commands.map(cc)).to.not.include(SELF_TEST);
  });
});

describe('Tcg2Pei failure matrix (docs/edk2-pei.md §5.10) with a scripted TPM', function () {
  it('builds gTpmErrorHobGuid and measures nothing when Tpm2RequestUseTpm fails', async function () {
    const tpm = new FakePeiTpm({ requestUseFails: true });
    const r = await runTcg2Pei(input(tpm));
    expect(r.outcome).to.equal('tpm-error');
    expect(tpm.ops).to.deep.equal(['requestUse']);
    expect(r.hobs.map((h) => h.guid)).to.deep.equal([TCG_HOB_GUID.TPM_ERROR]);
    expect(hex(encodeGuidHob(r.hobs[0] ?? { guid: '', data: new Uint8Array() }))).to.equal(
      '04001800' + '00000000' + '998459ef5eb2' + '3a47' + 'bfafe7e57dce82c4'
    );
  });

  for (const rc of [0x101, 0x0c4, 0x18a]) {
    it(`builds the error HOB and sends nothing more when Startup(CLEAR) answers 0x${rc.toString(16)}`, async function () {
      const tpm = new FakePeiTpm({ startupRc: { CLEAR: rc } });
      const r = await runTcg2Pei(input(tpm));
      expect(r.outcome).to.equal('tpm-error');
      expect(tpm.ops).to.deep.equal(['requestUse', 'startup']);
      expect(r.measurements).to.have.length(0);
      expect(r.hobs.map((h) => h.guid)).to.deep.equal([TCG_HOB_GUID.TPM_ERROR]);
    });
  }

  it('builds the error HOB when the Startup transport fails, and when SelfTest fails at the transport', async function () {
    for (const b of [{ startupThrows: true }, { selfTestThrows: true }]) {
      const r = await runTcg2Pei(input(new FakePeiTpm(b)));
      expect(r.outcome).to.equal('tpm-error');
      expect(r.measurements).to.have.length(0);
    }
  });

  it('ignores SelfTest response codes (Tpm2SelfTest checks only the transport)', async function () {
    const rsp = Uint8Array.of(0x80, 0x01, 0, 0, 0, 0x0a, 0, 0, 0x09, 0x0a); // TPM_RC_TESTING (warning)
    const tpm = commandLibTpm({ requestUseTpm: () => Promise.resolve(), submit: () => Promise.resolve(rsp) });
    await tpm.selfTest(false);
  });

  it('after an extend fails with EFI_DEVICE_ERROR: error HOB, that event not logged, every later measurement fails without a TPM command', async function () {
    const tpm = new FakePeiTpm({ extendFailures: new Map([[0, 'DEVICE_ERROR']]) });
    const r = await runTcg2Pei(input(tpm));
    expect(r.outcome).to.equal('tpm-error');
    expect(tpm.extends).to.have.length(1);
    expect(r.measurements).to.have.length(0);
    expect(r.hobs.map((h) => h.guid)).to.deep.equal([TCG_HOB_GUID.TPM_ERROR]);
  });

  it('after a non-device extend failure (EFI_BUFFER_TOO_SMALL) of the boot FV: not logged, no error HOB, no FvInfo measurement and no MeasuredFv HOB', async function () {
    const tpm = new FakePeiTpm({ extendFailures: new Map([[1, 'BUFFER_TOO_SMALL']]) });
    const r = await runTcg2Pei(input(tpm));
    expect(r.outcome).to.equal('measured');
    expect(tpm.extends).to.have.length(2);
    expect(r.measurements.map((m) => m.eventType)).to.deep.equal([0x8]);
    expect(hobsOf(r, TCG_HOB_GUID.TPM_ERROR)).to.have.length(0);
    expect(hobsOf(r, TCG_HOB_GUID.MEASURED_FV)).to.have.length(0);
  });

  it('leaves an FvInfo FV whose extend failed (non-device) out of the MeasuredFv HOB', async function () {
    const tpm = new FakePeiTpm({ extendFailures: new Map([[2, 'TIMEOUT']]) });
    const r = await runTcg2Pei(input(tpm));
    expect(r.outcome).to.equal('measured');
    expect(r.measuredFvs).to.deep.equal([{ base: 0x820000n, length: 0x1000n }]);
  });

  it('during S3 error separators, a device error stops the remaining separators from reaching the TPM', async function () {
    const tpm = new FakePeiTpm({ startupRc: { STATE: 0x100 + 0x1e }, extendFailures: new Map([[2, 'DEVICE_ERROR']]) });
    const r = await runTcg2Pei(input(tpm, { bootMode: 's3' }));
    expect(tpm.extends.map((e) => e.pcr)).to.deep.equal([0, 1, 2]);
    expect(r.measurements.map((m) => m.pcrIndex)).to.deep.equal([0, 1]);
    expect(r.outcome).to.equal('tpm-error');
  });

  it('assumes SHA1 when GetCapability(PCRS) fails, so every digest list is SHA1 only', async function () {
    const tpm = new FakePeiTpm({ getCapabilityFails: true });
    const r = await runTcg2Pei(input(tpm));
    expect(r.pcdTpm2HashMask).to.equal(0x01);
    for (const e of tpm.extends) expect(e.digests.map((d) => d.alg)).to.deep.equal([0x0004]);
  });

  it('reallocates and resets when the TPM has SM3 active but Tcg2Pei links no SM3 hash instance; still resets when PCR_Allocate fails', async function () {
    const banks = [{ hash: 0x0b, active: true }, { hash: 0x12, active: true }];
    for (const allocateFails of [false, true]) {
      const tpm = new FakePeiTpm({ banks, allocateFails });
      const r = await runTcg2Pei(input(tpm, { hashLibBitmap: 0x0f }));
      expect(r.outcome).to.equal('reset');
      expect(tpm.calls.find((c) => c.op === 'pcrAllocate')).to.deep.equal({ op: 'pcrAllocate', supported: 0x12, allocate: 0x02 });
    }
  });

  it('takes the active banks as PcdTpm2HashMask when the build sets it to 0', async function () {
    const tpm = new FakePeiTpm({ banks: [{ hash: 0x04, active: false }, { hash: 0x0b, active: true }] });
    const r = await runTcg2Pei(input(tpm, { pcdTpm2HashMask: 0 }));
    expect(r.outcome).to.equal('measured');
    expect(r.pcdTpm2HashMask).to.equal(0x02);
    for (const e of tpm.extends) expect(e.digests.map((d) => d.alg)).to.deep.equal([0x000b]);
  });
});

describe('Tcg2Pei PCD policies (§5.2, §5.5)', function () {
  it('skips TPM2_Startup when PcdTpm2InitializationPolicy is 0, SelfTest when PcdTpm2SelfTestPolicy is 0, the S-CRTM event when PcdTpm2ScrtmPolicy is 0', async function () {
    const tpm = new FakePeiTpm();
    const r = await runTcg2Pei(input(tpm, { initializationPolicy: 0, selfTestPolicy: 0, scrtmPolicy: 0, debugCode: false }));
    expect(tpm.ops).to.deep.equal(['requestUse', 'getCapabilityPcrs', 'pcrExtend', 'pcrExtend']);
    expect(r.measurements.map((m) => m.eventType)).to.deep.equal([0x80000008, 0x80000008]);
  });

  it('sends the firmware version string as UCS-2 with its NUL (StrSize bytes)', async function () {
    const r = await runTcg2Pei(input(new FakePeiTpm(), { firmwareVersion: 'v1' }));
    expect(hex(r.measurements[0]?.eventData ?? new Uint8Array())).to.equal('760031000000');
  });
});

describe('Tcg2Pei FV measurement policy (§5.6, §5.7)', function () {
  it('logs EV_EFI_PLATFORM_FIRMWARE_BLOB {base, length} when PcdTcgPfpMeasurementRevision < 105', async function () {
    const r = await runTcg2Pei(input(new FakePeiTpm(), { pfpMeasurementRevision: 104 }));
    const fv = r.measurements[1];
    expect(fv?.eventType).to.equal(0x80000008);
    expect(decode(EFIPlatformFirmwareBlob, fv?.eventData ?? new Uint8Array())).to.deep.equal({ blobBase: 0x820000n, blobLength: 0x1000n });
  });

  it('logs EV_EFI_PLATFORM_FIRMWARE_BLOB2 with "Fv(<GUID>)" in upper case (PrintLib %g) from the FV header, or the template without a name', async function () {
    const r = await runTcg2Pei(input(new FakePeiTpm(), { pfpMeasurementRevision: 105 }));
    const [, peifv, dxefv] = r.measurements;
    expect(peifv?.eventType).to.equal(0x8000000a);
    expect(peifv?.eventData.length).to.equal(58);
    const text = (b: Uint8Array | undefined): string => Buffer.from(b?.subarray(1, 42) ?? new Uint8Array()).toString('latin1');
    expect(peifv?.eventData[0]).to.equal(41);
    expect(text(peifv?.eventData)).to.equal('Fv(XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX)\0');
    expect(text(dxefv?.eventData)).to.equal('Fv(7CB8BDC9-F8EB-4F34-AAEA-3EE4AF6516A1)\0');
    expect(hex(dxefv?.eventData.subarray(42) ?? new Uint8Array())).to.equal('0000900000000000' + '0020000000000000');
  });

  it('reads FvName only when the FV and its extended header fit (GetFvName)', function () {
    const guid = guidFromString('6938079B-B503-4E3D-9D24-B28337A25806');
    expect(getFvName({ base: 0n, length: 0x100n, bytes: fvBytes(0x100, 0, guid) })).to.equal('6938079B-B503-4E3D-9D24-B28337A25806');
    expect(getFvName({ base: 0n, length: 0x5bn, bytes: fvBytes(0x100, 0, guid) })).to.equal(undefined); // 0x48 + 0x14 > 0x5B
    expect(getFvName({ base: 0n, length: 0x5cn, bytes: fvBytes(0x100, 0, guid) })).to.equal('6938079B-B503-4E3D-9D24-B28337A25806');
    const low = fvBytes(0x100, 0, guid);
    low[0x34] = 0x3f;
    expect(getFvName({ base: 0n, length: 0x100n, bytes: low })).to.equal(undefined);
    expect(getFvName({ base: 0n, length: 0x3fn, bytes: fvBytes(0x3f, 0) })).to.equal(undefined);
  });

  it('skips excluded FVs (not measured, not recorded) and measures an FV listed twice only once', async function () {
    const tpm = new FakePeiTpm();
    const r = await runTcg2Pei(input(tpm, { fvInfos: [DXEFV, PEIFV, DXEFV], excludedFvs: [{ base: 0x900000n, length: 0x2000n }] }));
    expect(tpm.extends).to.have.length(2);
    expect(r.measuredFvs).to.deep.equal([{ base: 0x820000n, length: 0x1000n }]);
  });

  it('does not measure child FVs (FvInfo with a parent) but records them after the measured FVs, de-duplicated by base', async function () {
    const child: PeiFv = { base: 0xa00000n, length: 0x100n, bytes: new Uint8Array(0x100), parentFvName: '7CB8BDC9-F8EB-4F34-AAEA-3EE4AF6516A1' };
    const tpm = new FakePeiTpm();
    const r = await runTcg2Pei(input(tpm, { fvInfos: [child, DXEFV, { ...child, length: 0x200n }] }));
    expect(tpm.extends).to.have.length(3);
    expect(r.measuredFvs).to.deep.equal([
      { base: 0x820000n, length: 0x1000n }, { base: 0x900000n, length: 0x2000n }, { base: 0xa00000n, length: 0x100n },
    ]);
  });

  it('extends and logs the pre-hashed digests when they cover PcdTpm2HashMask, and hashes the FV when they do not', async function () {
    const sha1 = { alg: 0x0004 as const, digest: new Uint8Array(20).fill(0xa1) };
    const sha256 = { alg: 0x000b as const, digest: new Uint8Array(32).fill(0xb2) };
    const banks = [{ hash: 0x04, active: true }, { hash: 0x0b, active: true }];
    const tpm = new FakePeiTpm({ banks });
    const r = await runTcg2Pei(input(tpm, { prehashedFvs: [{ base: 0x900000n, length: 0x2000n, digests: [sha256, sha1, sha256] }] }));
    expect(tpm.extends[2]?.digests).to.deep.equal([sha256, sha1]);
    expect(r.measurements[2]?.digests).to.deep.equal([sha256, sha1]);
    const tpm2 = new FakePeiTpm({ banks });
    await runTcg2Pei(input(tpm2, { prehashedFvs: [{ base: 0x900000n, length: 0x2000n, digests: [sha256] }] }));
    expect(hex(tpm2.extends[2]?.digests[1]?.digest ?? new Uint8Array())).to.equal(hex(digest('sha256', DXEFV.bytes)));
  });

  it('hashes event data with the given HashLib (sync or async), asking for the masked banks in order, and extends what it returns', async function () {
    const banks = [{ hash: 0x04, active: true }, { hash: 0x0b, active: true }];
    const asked: { algs: readonly number[]; data: Uint8Array }[] = [];
    const fake = (algs: readonly (0x0004 | 0x000b | 0x000c | 0x000d | 0x0012)[], data: Uint8Array) => {
      asked.push({ algs, data });
      return algs.map((alg) => ({ alg, digest: new Uint8Array(alg === 0x0004 ? 20 : 32).fill(asked.length) }));
    };
    for (const hashAll of [fake, async (algs: Parameters<typeof fake>[0], data: Uint8Array) => Promise.resolve(fake(algs, data))]) {
      asked.length = 0;
      const tpm = new FakePeiTpm({ banks });
      const r = await runTcg2Pei(input(tpm, { hashAll }));
      expect(asked.map((a) => a.algs)).to.deep.equal([[0x0004, 0x000b], [0x0004, 0x000b], [0x0004, 0x000b]]);
      expect(asked[1]?.data).to.equal(PEIFV.bytes);
      expect(asked[2]?.data).to.equal(DXEFV.bytes);
      expect(tpm.extends[2]?.digests).to.deep.equal([
        { alg: 0x0004, digest: new Uint8Array(20).fill(3) },
        { alg: 0x000b, digest: new Uint8Array(32).fill(3) },
      ]);
      expect(r.measurements[2]?.digests).to.deep.equal(tpm.extends[2]?.digests);
    }
  });
});

describe('Tcg2Pei HOBs (docs/edk2-pei.md §5.9)', function () {
  it('writes the GUID HOB header and rounds HobLength up to a multiple of 8', function () {
    for (const n of [0, 1, 7, 8, 9]) {
      const b = encodeGuidHob({ guid: TCG_HOB_GUID.MEASURED_FV, data: new Uint8Array(n).fill(0xee) });
      const h = decode(EFIHobGuidType, b.subarray(0, 24));
      expect(h).to.deep.equal({ hobType: 4, hobLength: Math.ceil((24 + n) / 8) * 8, reserved: 0, name: TCG_HOB_GUID.MEASURED_FV });
      expect(b.length).to.equal(h.hobLength);
    }
  });

  it('puts a TCG 1.2 HOB before each TCG2 HOB while SHA1 is in the mask, with the 32-byte TCG_PCR_EVENT_HDR and the compact TCG_PCR_EVENT2', async function () {
    const r = await runTcg2Pei(input(new FakePeiTpm()));
    expect(r.hobs.map((h) => h.guid)).to.deep.equal([
      TCG_HOB_GUID.TCG_EVENT_ENTRY, TCG_HOB_GUID.TCG_EVENT2_ENTRY, TCG_HOB_GUID.TCG_EVENT_ENTRY, TCG_HOB_GUID.TCG_EVENT2_ENTRY,
      TCG_HOB_GUID.TCG_EVENT_ENTRY, TCG_HOB_GUID.TCG_EVENT2_ENTRY, TCG_HOB_GUID.MEASURED_FV,
    ]);
    const [e12, e2] = r.hobs;
    expect(hex(e12?.data ?? new Uint8Array())).to.equal('00000000' + '08000000' + SCRTM_SHA1 + '02000000' + '0000');
    // 4 banks: compact digest list 176 bytes, S-CRTM event 190 bytes (§5.9).
    expect(e2?.data.length).to.equal(190);
    expect(r.hobs.filter((h) => h.guid === TCG_HOB_GUID.TCG_EVENT2_ENTRY).map((h) => h.data.length)).to.deep.equal([190, 204, 204]);
    const ev = decode(tcgPcrEvent2(digestSizesOf(undefined)), e2?.data ?? new Uint8Array());
    expect(ev.digests.map((d) => d.hashAlg)).to.deep.equal([0x0004, 0x000b, 0x000c, 0x000d]);
    expect(decode(TCGPCREvent, e12?.data ?? new Uint8Array()).event).to.deep.equal(Uint8Array.of(0, 0));
  });

  it('builds no TCG 1.2 HOB when SHA1 is not in PcdTpm2HashMask', async function () {
    const r = await runTcg2Pei(input(new FakePeiTpm({ banks: [{ hash: 0x0b, active: true }, { hash: 0x0c, active: false }] })));
    expect(r.pcdTpm2HashMask).to.equal(0x06);
    expect(hobsOf(r, TCG_HOB_GUID.TCG_EVENT_ENTRY)).to.have.length(0);
    expect(hobsOf(r, TCG_HOB_GUID.TCG_EVENT2_ENTRY)).to.have.length(3);
  });

  it('sizes the MeasuredFv HOB as sizeof (UINTN) + 16 N: exact on IA32 PEI, 4 spare bytes on X64, entries from offset 4', async function () {
    const ia32 = hobsOf(await runTcg2Pei(input(new FakePeiTpm(), { peiUintnSize: 4 })), TCG_HOB_GUID.MEASURED_FV)[0];
    const x64 = hobsOf(await runTcg2Pei(input(new FakePeiTpm(), { peiUintnSize: 8 })), TCG_HOB_GUID.MEASURED_FV)[0];
    const expected = '02000000' + '0000820000000000' + '0010000000000000' + '0000900000000000' + '0020000000000000';
    expect(hex(ia32 ?? new Uint8Array())).to.equal(expected);
    expect(hex(x64 ?? new Uint8Array())).to.equal(expected + '00000000');
    expect(decode(MeasuredHobData, ia32 ?? new Uint8Array()).measuredFvBuf).to.have.length(2);
    expect(encodeGuidHob({ guid: TCG_HOB_GUID.MEASURED_FV, data: ia32 ?? new Uint8Array() }).length).to.equal(64);
  });

  it('encodes EFI_PLATFORM_FIRMWARE_BLOB little-endian, 16 bytes', function () {
    expect(hex(encode(EFIPlatformFirmwareBlob, { blobBase: 0x820000n, blobLength: 0xe0000n }))).to.equal('00008200000000000000' + '0e0000000000');
  });
});
