import { expect } from 'chai';
import { decodeFirst } from '@tcg2sim/binary-codec';
import { TCGPCREvent, tcgPcrEvent2, digestSizesOf } from '@tcg2sim/event-log';
import {
  EFI_TCG2_EVENT_LOG_FORMAT, EFI_TCG2_FLAG, QemuPhysicalPresence, noActionDigestList, TCG2_PHYSICAL_PRESENCE,
} from '@tcg2sim/tcg2-dxe';
import type { LogArea, Tcg2Dxe } from '@tcg2sim/tcg2-dxe';
import { peImageDigests } from '@tcg2sim/uefi';
import { PeiTpmCommandError } from '@tcg2sim/tcg2-pei';
import { ProtocolError } from '@tcg2sim/tpm2-device-lib';
import { dig, h, hex, killTpm, startDxe, tinyPe, tinyPeDigest, tinyTe } from './support.ts';

const TCG_1_2 = EFI_TCG2_EVENT_LOG_FORMAT.TCG_1_2;
const TCG_2 = EFI_TCG2_EVENT_LOG_FORMAT.TCG_2;
const EV_NO_ACTION = 3;
const EV_EFI_ACTION = 0x80000007;

interface Rec {
  readonly offset: number;
  readonly pcrIndex: number;
  readonly eventType: number;
  readonly digests: readonly { hashAlg: number; digest: Uint8Array }[];
  readonly event: Uint8Array;
}

/** The TCG_2 records after the SpecID event, with their offsets. */
function records(dxe: Tcg2Dxe): Rec[] {
  const area = dxe.area(TCG_2) as LogArea;
  let [, rest] = decodeFirst(TCGPCREvent, area.used);
  const codec = tcgPcrEvent2(digestSizesOf(dxe.specId));
  const out: Rec[] = [];
  while (rest.length > 0) {
    const offset = area.size - rest.length;
    const [e, r] = decodeFirst(codec, rest);
    out.push({ offset, ...e });
    rest = r;
  }
  return out;
}

function ev(pcrIndex: number, eventType: number, data: Uint8Array, size?: number): { pcrIndex: number; eventType: number; eventData: Uint8Array; size?: number } {
  return size === undefined ? { pcrIndex, eventType, eventData: data } : { pcrIndex, eventType, eventData: data, size };
}

const SIG = '53706563204944204576656e74303300';
const HDR = '00000000' + '03000000' + '00'.repeat(20);

describe('Tcg2Dxe SpecID event (docs/edk2-dxe.md §3.5)', function () {
  const cases: readonly [string, number, string][] = [
    ['SHA256 only', 0x02, HDR + '21000000' + SIG + '00000000' + '00020002' + '01000000' + '0b002000' + '00'],
    ['SHA1+SHA256', 0x03, HDR + '25000000' + SIG + '00000000' + '00020002' + '02000000' + '04001400' + '0b002000' + '00'],
    ['SHA1/256/384/512', 0x0f, HDR + '2d000000' + SIG + '00000000' + '00020002' + '04000000' + '04001400' + '0b002000' + '0c003000' + '0d004000' + '00'],
  ];
  for (const [name, active, expected] of cases) {
    it(`writes the exact SpecID bytes for ${name} as the first record of the TCG_2 area`, function () {
      const { dxe } = startDxe(active);
      const area = dxe.area(TCG_2);
      expect(hex(area?.used)).to.equal(expected);
      expect(area?.bytes[area.size]).to.equal(0xff);
    });
  }
});

describe('EFI_TCG2_PROTOCOL.GetCapability (§3.1, §4.1)', function () {
  it('returns the 36 naturally aligned bytes, zero padding, NumberOfPCRBanks = popcount(HashAlgorithmBitmap), no 1.2 log without SHA1', function () {
    const { dxe } = startDxe(0x02);
    const r = dxe.getCapability(36);
    expect(r.status).to.equal('EFI_SUCCESS');
    expect(hex(r.bytes)).to.equal(
      '24' + '0101' + '0101' + '000000' + '0f000000' + '02000000' + '01' + '00' + '0010' + '0010' + '0000' + '49424d00' + '04000000' + '02000000'
    );
  });

  it('reports SupportedEventLogs 0x3 when SHA1 is active', function () {
    const { dxe } = startDxe(0x03);
    expect(dxe.getCapability(40).bytes?.subarray(12, 16)).to.deep.equal(Uint8Array.of(3, 0, 0, 0));
  });

  it('answers a TrEE 1.0 caller (28 <= Size < 36) with 28 bytes and versions 1.0', function () {
    const { dxe } = startDxe(0x02);
    for (const size of [28, 35]) {
      const r = dxe.getCapability(size);
      expect(r.status).to.equal('EFI_SUCCESS');
      expect(r.size).to.equal(28);
      expect(hex(r.bytes)).to.equal('1c' + '0100' + '0100' + '000000' + '0f000000' + '02000000' + '01' + '00' + '0010' + '0010' + '0000' + '49424d00');
    }
  });

  it('sets Size = 36 and returns EFI_BUFFER_TOO_SMALL below 28, writing nothing else', function () {
    const { dxe } = startDxe(0x02);
    expect(dxe.getCapability(27)).to.deep.equal({ status: 'EFI_BUFFER_TOO_SMALL', size: 36 });
  });

  it('reports TPMPresentFlag 0 after a device error', async function () {
    const { dxe, tpm } = startDxe(0x02);
    await killTpm(dxe, tpm);
    expect(dxe.getCapability(36).bytes?.[16]).to.equal(0);
  });
});

describe('EFI_TCG2_PROTOCOL.GetEventLog (§4.2, §5)', function () {
  it('rejects formats other than 1 and 2, and TCG_1_2 when SHA1 is inactive', function () {
    const { dxe } = startDxe(0x02);
    for (const f of [0, 3, 4]) expect(dxe.getEventLog(f).status).to.equal('EFI_INVALID_PARAMETER');
    expect(dxe.getEventLog(TCG_1_2).status).to.equal('EFI_INVALID_PARAMETER');
  });

  it('gives LastEntry = Location for a TCG_2 log holding only SpecID, and LastEntry 0 for an empty 1.2 log', function () {
    const { dxe } = startDxe(0x03);
    const r2 = dxe.getEventLog(TCG_2);
    expect([r2.status, r2.location, r2.lastEntry, r2.truncated]).to.deep.equal(['EFI_SUCCESS', 0, 0, false]);
    expect(dxe.getEventLog(TCG_1_2).lastEntry).to.equal(undefined);
  });

  it('points LastEntry at the start of the newest record', async function () {
    const { dxe } = startDxe(0x02);
    await dxe.hashLogExtend(4, EV_EFI_ACTION, new Uint8Array(3), new Uint8Array(3));
    await dxe.hashLogExtend(4, EV_EFI_ACTION, new Uint8Array(5), new Uint8Array(5));
    expect(dxe.getEventLog(TCG_2).lastEntry).to.equal(65 + 53);
  });

  it('starts filling the final events table only after the first GetEventLog(TCG_2); the call itself adds nothing', async function () {
    const { dxe } = startDxe(0x03);
    await dxe.hashLogExtend(5, EV_EFI_ACTION, new Uint8Array(1), new Uint8Array(1));
    dxe.getEventLog(TCG_1_2);
    await dxe.hashLogExtend(5, EV_EFI_ACTION, new Uint8Array(2), new Uint8Array(2));
    expect(dxe.finalEvents.numberOfEvents).to.equal(0n);
    dxe.getEventLog(TCG_2);
    expect(dxe.finalEvents.numberOfEvents).to.equal(0n);
    await dxe.hashLogExtend(5, EV_EFI_ACTION, new Uint8Array(3), new Uint8Array(3));
    expect(dxe.finalEvents.numberOfEvents).to.equal(1n);
    const last = records(dxe).at(-1);
    const area = dxe.area(TCG_2);
    expect(hex(dxe.finalEvents.records)).to.equal(hex(area?.used.subarray(last?.offset ?? 0)));
    expect(hex(dxe.finalEvents.bytes.subarray(0, 16))).to.equal('0100000000000000' + '0100000000000000');
  });

  it('reports Location 0 / LastEntry 0 / not truncated when the TPM is gone, without arming the final table', async function () {
    const { dxe, tpm } = startDxe(0x02);
    await killTpm(dxe, tpm);
    expect(dxe.getEventLog(TCG_2)).to.deep.equal({ status: 'EFI_SUCCESS', location: 0, truncated: false });
  });
});

describe('log area truncation (§5.3)', function () {
  it('allows an exact fill, then returns EFI_VOLUME_FULL for good (after extending the PCR), even for a record that would fit', async function () {
    // SHA256 only: SpecID 65 bytes, a record with n data bytes is 50 + n.
    const { dxe, tpm } = startDxe(0x02, { logAreaLength: 65 + 54 + 60 });
    expect(await dxe.hashLogExtend(4, EV_EFI_ACTION, new Uint8Array(4), new Uint8Array(4))).to.equal('EFI_SUCCESS');
    expect(await dxe.hashLogExtend(4, EV_EFI_ACTION, new Uint8Array(10), new Uint8Array(10))).to.equal('EFI_SUCCESS');
    expect(dxe.area(TCG_2)?.size).to.equal(dxe.area(TCG_2)?.laml);
    expect(await dxe.hashLogExtend(4, EV_EFI_ACTION, new Uint8Array(1), new Uint8Array(1))).to.equal('EFI_VOLUME_FULL');
    expect(tpm.extends).to.have.length(3);
    expect(dxe.getEventLog(TCG_2).truncated).to.equal(true);
    const big = startDxe(0x02, { logAreaLength: 200 });
    expect(await big.dxe.hashLogExtend(4, EV_EFI_ACTION, new Uint8Array(100), new Uint8Array(100))).to.equal('EFI_VOLUME_FULL');
    expect(await big.dxe.hashLogExtend(4, EV_EFI_ACTION, new Uint8Array(0), new Uint8Array(0))).to.equal('EFI_VOLUME_FULL');
  });

  it('does not copy an event to the final table when the main log is truncated; a full final table is truncated on its own', async function () {
    const { dxe } = startDxe(0x02, { logAreaLength: 65 + 51, finalLogAreaLength: 16 + 51 });
    dxe.getEventLog(TCG_2);
    expect(await dxe.hashLogExtend(4, EV_EFI_ACTION, new Uint8Array(1), new Uint8Array(1))).to.equal('EFI_SUCCESS');
    expect(await dxe.hashLogExtend(4, EV_EFI_ACTION, new Uint8Array(1), new Uint8Array(1))).to.equal('EFI_VOLUME_FULL');
    expect(dxe.finalEvents.numberOfEvents).to.equal(1n);
    const f = startDxe(0x02, { finalLogAreaLength: 16 + 50 });
    f.dxe.getEventLog(TCG_2);
    expect(await f.dxe.hashLogExtend(4, EV_EFI_ACTION, new Uint8Array(1), new Uint8Array(1))).to.equal('EFI_VOLUME_FULL');
    expect(f.dxe.finalEvents.truncated).to.equal(true);
    expect(f.dxe.area(TCG_2)?.size).to.equal(65 + 51);
  });
});

describe('EFI_TCG2_PROTOCOL.HashLogExtendEvent argument checks, in EDK II order (§4.3)', function () {
  it('rejects a NULL event, then NULL data for a non-NO_ACTION event, before looking at the TPM', async function () {
    const { dxe, tpm } = startDxe(0x02);
    await killTpm(dxe, tpm);
    expect(await dxe.hashLogExtendEvent(0n, new Uint8Array(1), undefined)).to.equal('EFI_INVALID_PARAMETER');
    expect(await dxe.hashLogExtendEvent(0n, undefined, ev(4, EV_EFI_ACTION, new Uint8Array(1)))).to.equal('EFI_INVALID_PARAMETER');
    // Then TPMPresentFlag: a dead TPM wins over a bad size or PCR index.
    expect(await dxe.hashLogExtendEvent(0n, new Uint8Array(1), ev(4, EV_EFI_ACTION, new Uint8Array(1), 3))).to.equal('EFI_DEVICE_ERROR');
    expect(await dxe.hashLogExtendEvent(0n, new Uint8Array(1), ev(24, EV_EFI_ACTION, new Uint8Array(1)))).to.equal('EFI_DEVICE_ERROR');
  });

  it('rejects Size < HeaderSize + 4 and PCRIndex > 23 (EV_NO_ACTION included); Size = HeaderSize + 4 logs no data', async function () {
    const { dxe, tpm } = startDxe(0x02);
    expect(await dxe.hashLogExtendEvent(0n, new Uint8Array(1), ev(4, EV_EFI_ACTION, new Uint8Array(1), 17))).to.equal('EFI_INVALID_PARAMETER');
    expect(await dxe.hashLogExtendEvent(0n, new Uint8Array(1), ev(24, EV_EFI_ACTION, new Uint8Array(1)))).to.equal('EFI_INVALID_PARAMETER');
    expect(await dxe.hashLogExtendEvent(0n, undefined, ev(24, EV_NO_ACTION, new Uint8Array(1)))).to.equal('EFI_INVALID_PARAMETER');
    expect(tpm.extends).to.have.length(0);
    expect(await dxe.hashLogExtendEvent(0n, new Uint8Array(7), ev(23, EV_EFI_ACTION, new Uint8Array(9), 18))).to.equal('EFI_SUCCESS');
    const r = records(dxe).at(-1);
    expect([r?.pcrIndex, r?.event.length]).to.deep.equal([23, 0]);
    expect(dig(tpm.extends[0]?.digests, 0x0b)).to.equal(h('sha256', new Uint8Array(7)));
  });

  it('hashes DataToHash (not the event data) in every HashLib bank and logs only the active ones', async function () {
    const { dxe, tpm } = startDxe(0x02);
    const data = new TextEncoder().encode('hash me');
    await dxe.hashLogExtendEvent(0n, data, ev(8, 0xd, Uint8Array.of(1, 2, 3)));
    expect(tpm.extends[0]?.digests.map((d) => d.alg)).to.deep.equal([0x04, 0x0b, 0x0c, 0x0d]);
    const r = records(dxe)[0];
    expect(r?.digests.map((d) => [d.hashAlg, hex(d.digest)])).to.deep.equal([[0x0b, h('sha256', data)]]);
    expect(hex(r?.event)).to.equal('010203');
  });

  it('with EXTEND_ONLY extends but logs nothing; EXTEND_ONLY with EV_NO_ACTION does nothing at all', async function () {
    const { dxe, tpm } = startDxe(0x02);
    const before = dxe.area(TCG_2)?.size;
    expect(await dxe.hashLogExtendEvent(EFI_TCG2_FLAG.EXTEND_ONLY, new Uint8Array(1), ev(8, 0xd, new Uint8Array(1)))).to.equal('EFI_SUCCESS');
    expect(await dxe.hashLogExtendEvent(EFI_TCG2_FLAG.EXTEND_ONLY, undefined, ev(8, EV_NO_ACTION, new Uint8Array(1)))).to.equal('EFI_SUCCESS');
    expect(tpm.extends).to.have.length(1);
    expect(dxe.area(TCG_2)?.size).to.equal(before);
  });

  it('with PE_COFF_IMAGE extends the Authenticode-style image digest of a real PE32+, and rejects a TE image with EFI_UNSUPPORTED', async function () {
    const { dxe, tpm } = startDxe(0x03);
    const pe = tinyPe(10);
    const digests = (img: Uint8Array, algs: readonly (0x04 | 0x0b | 0x0c | 0x0d | 0x12)[]) => {
      try {
        return peImageDigests(img, algs);
      } catch {
        return undefined;
      }
    };
    expect(await dxe.hashLogExtendEvent(EFI_TCG2_FLAG.PE_COFF_IMAGE, pe, ev(4, 0x80000003, new Uint8Array(4)), digests)).to.equal('EFI_SUCCESS');
    expect(dig(tpm.extends[0]?.digests, 0x0b)).to.equal(tinyPeDigest('sha256', pe));
    expect(dig(tpm.extends[0]?.digests, 0x04)).to.equal(tinyPeDigest('sha1', pe));
    expect(await dxe.hashLogExtendEvent(EFI_TCG2_FLAG.PE_COFF_IMAGE, tinyTe(10), ev(4, 0x80000003, new Uint8Array(4)), digests)).to.equal('EFI_UNSUPPORTED');
    expect(tpm.extends).to.have.length(1);
  });

  it('marks the TPM absent after EFI_DEVICE_ERROR: every later call returns EFI_DEVICE_ERROR', async function () {
    const { dxe, tpm } = startDxe(0x02);
    await killTpm(dxe, tpm);
    expect(dxe.tpmPresent).to.equal(false);
    expect(await dxe.hashLogExtendEvent(0n, new Uint8Array(1), ev(8, 0xd, new Uint8Array(1)))).to.equal('EFI_DEVICE_ERROR');
    expect(await dxe.submitCommand(new Uint8Array(10), 10)).to.deep.equal({ status: 'EFI_DEVICE_ERROR' });
  });
});

describe('EV_NO_ACTION through HashLogExtendEvent: the multi-bank defect (§4.3, checked in Tcg2Dxe.c and Tpm2Help.c)', function () {
  const cases: readonly [string, number, number[]][] = [
    ['SHA256 only: correct', 0x02, [0x0b]],
    ['SHA1+SHA256: only SHA1 survives', 0x03, [0x04]],
    ['SHA256+SHA384: only SHA256 survives', 0x06, [0x0b]],
    ['4 banks: only SHA1 survives', 0x0f, [0x04]],
    ['SHA512+SM3: both survive (SM3 lands on the second 66-byte stride)', 0x18, [0x0d, 0x12]],
  ];
  for (const [name, active, algs] of cases) {
    it(`logs zero digests for ${name}, without extending`, async function () {
      const { dxe, tpm } = startDxe(active, { tpmSupportedBanks: 0x1f, hashMask: 0x1f });
      const data = Uint8Array.of(9, 9, 9);
      expect(await dxe.hashLogExtendEvent(0n, undefined, ev(12, EV_NO_ACTION, data))).to.equal('EFI_SUCCESS');
      expect(tpm.extends).to.have.length(0);
      const r = records(dxe).at(-1);
      expect(r?.pcrIndex).to.equal(12);
      expect(r?.digests.map((d) => d.hashAlg)).to.deep.equal(algs);
      for (const d of r?.digests ?? []) expect(d.digest.every((x) => x === 0)).to.equal(true);
    });
  }

  it('matches an independent reading of the TPML_DIGEST_VALUES bytes for every bank combination', function () {
    const sizes = new Map([[0x04, 20], [0x0b, 32], [0x0c, 48], [0x0d, 64], [0x12, 32]]);
    const order = [0x04, 0x0b, 0x0c, 0x0d, 0x12] as const;
    for (let mask = 1; mask < 32; mask++) {
      const algs = order.filter((_, i) => (mask & (1 << i)) !== 0);
      // Offsets of the compact algorithm IDs; entry k of the 66-byte stride is read at 4 + 66k.
      const compactAt = new Map<number, number>();
      let at = 4;
      for (const a of algs) {
        compactAt.set(at, a);
        at += 2 + (sizes.get(a) ?? 0);
      }
      const expected = algs.map((_, k) => compactAt.get(4 + 66 * k)).filter((a): a is (typeof order)[number] => a !== undefined);
      expect(noActionDigestList(algs).map((d) => d.alg), `mask 0x${mask.toString(16)}`).to.deep.equal(expected);
    }
  });
});

describe('SP800-155 Event2 records (§5.2, §5.3)', function () {
  const platformId = new Uint8Array(40);
  platformId.set(new TextEncoder().encode('SP800-155 Event2'));

  it('inserts an SP800-155 event logged later right after SpecID and earlier 800-155 records, moving the log up', async function () {
    const { dxe } = startDxe(0x02, {
      sp800155Hobs: [platformId],
      peiEvents: [{ pcrIndex: 0, eventType: 8, digests: [{ alg: 0x0b, digest: new Uint8Array(32) }], eventData: Uint8Array.of(0, 0) }],
    });
    expect(records(dxe).map((r) => [r.offset, r.eventType])).to.deep.equal([[65, 3], [65 + 90, 8]]);
    const second = platformId.slice();
    second[39] = 7;
    expect(await dxe.hashLogExtendEvent(0n, undefined, ev(0, EV_NO_ACTION, second))).to.equal('EFI_SUCCESS');
    expect(records(dxe).map((r) => [r.offset, r.eventType, r.event[39]])).to.deep.equal([[65, 3, 0], [155, 3, 7], [245, 8, undefined]]);
    expect(dxe.getEventLog(TCG_2).lastEntry).to.equal(245);
  });

  it('appends a non-800-155 payload from the platform-ID HOB without moving the insertion point', function () {
    const { dxe } = startDxe(0x02, { sp800155Hobs: [Uint8Array.of(1, 2, 3), platformId] });
    expect(records(dxe).map((r) => [r.offset, r.event.length])).to.deep.equal([[65, 40], [65 + 90, 3]]);
  });

  it('drops an 800-155 record in the final table but still counts it', async function () {
    const { dxe } = startDxe(0x02);
    dxe.getEventLog(TCG_2);
    await dxe.hashLogExtendEvent(0n, undefined, ev(0, EV_NO_ACTION, platformId));
    expect(dxe.finalEvents.numberOfEvents).to.equal(1n);
    expect(dxe.finalEvents.records.length).to.equal(0);
  });
});

describe('EFI_TCG2_PROTOCOL.SubmitCommand and GetActivePcrBanks (§4.4, §4.5)', function () {
  it('rejects empty input, OutSize 0, input above MaxCommandSize and OutSize above MaxResponseSize', async function () {
    const { dxe, tpm } = startDxe(0x02);
    expect((await dxe.submitCommand(new Uint8Array(), 10)).status).to.equal('EFI_INVALID_PARAMETER');
    expect((await dxe.submitCommand(undefined, 10)).status).to.equal('EFI_INVALID_PARAMETER');
    expect((await dxe.submitCommand(new Uint8Array(10), 0)).status).to.equal('EFI_INVALID_PARAMETER');
    expect((await dxe.submitCommand(new Uint8Array(0x1001), 10)).status).to.equal('EFI_INVALID_PARAMETER');
    expect((await dxe.submitCommand(new Uint8Array(10), 0x1001)).status).to.equal('EFI_INVALID_PARAMETER');
    expect(tpm.submitted).to.have.length(0);
    expect(await dxe.submitCommand(new Uint8Array(0x1000), 0x1000)).to.deep.equal({ status: 'EFI_SUCCESS', response: tpm.response });
    expect((await dxe.submitCommand(new Uint8Array(10), 9)).status).to.equal('EFI_BUFFER_TOO_SMALL');
  });

  it('returns the active banks', function () {
    expect(startDxe(0x06).dxe.getActivePcrBanks()).to.deep.equal({ status: 'EFI_SUCCESS', activePcrBanks: 0x06 });
  });
});

describe('SetActivePcrBanks / GetResultOfSetActivePcrBanks with the QEMU physical-presence region (§4.6, §4.7)', function () {
  it('rejects 0 and banks outside HashAlgorithmBitmap', function () {
    const { dxe } = startDxe(0x02);
    expect(dxe.setActivePcrBanks(0)).to.equal('EFI_INVALID_PARAMETER');
    expect(dxe.setActivePcrBanks(0x12)).to.equal('EFI_INVALID_PARAMETER');
  });

  it('stores SET_PCR_BANKS with the bitmap for the next boot, and NO_ACTION for the current banks', function () {
    const pp = new QemuPhysicalPresence();
    const { dxe } = startDxe(0x02, { physicalPresence: pp });
    expect(dxe.setActivePcrBanks(0x03)).to.equal('EFI_SUCCESS');
    expect([pp.ppi.request, pp.ppi.requestParameter, pp.pendingPcrBanks]).to.deep.equal([TCG2_PHYSICAL_PRESENCE.SET_PCR_BANKS, 0x03, 0x03]);
    expect(pp.ppi.in).to.equal(1);
    expect(pp.ppi.func[23]).to.equal(3);
    expect(pp.bytes.length).to.equal(346);
    expect(dxe.setActivePcrBanks(0x02)).to.equal('EFI_SUCCESS');
    expect([pp.ppi.request, pp.ppi.requestParameter, pp.pendingPcrBanks]).to.deep.equal([0, 0, undefined]);
  });

  it('maps a missing PPI region to EFI_OUT_OF_RESOURCES and GetResult to EFI_UNSUPPORTED', function () {
    const { dxe } = startDxe(0x02, { physicalPresence: new QemuPhysicalPresence({ fwCfg: false }) });
    expect(dxe.setActivePcrBanks(0x03)).to.equal('EFI_OUT_OF_RESOURCES');
    expect(dxe.getResultOfSetActivePcrBanks()).to.deep.equal({ status: 'EFI_UNSUPPORTED', operationPresent: 0, response: 0 });
  });

  it('maps the other library codes (NOT_IMPLEMENTED -> EFI_UNSUPPORTED, BLOCKED -> EFI_DEVICE_ERROR)', function () {
    for (const [rc, st] of [[1, 'EFI_UNSUPPORTED'], [3, 'EFI_DEVICE_ERROR'], [0, 'EFI_SUCCESS'], [2, 'EFI_OUT_OF_RESOURCES']] as const) {
      const pp = { submitRequestToPreOSFunction: () => rc, returnOperationResponseToOsFunction: () => ({ returnCode: 0, mostRecentRequest: 0, response: 0 }) };
      expect(startDxe(0x02, { physicalPresence: pp }).dxe.setActivePcrBanks(0x01)).to.equal(st);
    }
  });

  it('returns the last request and its response kept in the region', function () {
    const region = new QemuPhysicalPresence().bytes;
    const v = new DataView(region.buffer);
    region[256] = 1; // In
    v.setUint32(257 + 4, 0xfffffff0, true); // Response: user abort
    v.setUint32(257 + 16, 23, true); // LastRequest
    const withCfg = new QemuPhysicalPresence({ ppi: region });
    const { dxe } = startDxe(0x02, { physicalPresence: withCfg });
    expect(dxe.getResultOfSetActivePcrBanks()).to.deep.equal({ status: 'EFI_SUCCESS', operationPresent: 23, response: 0xfffffff0 });
  });
});

describe('SetupEventLog: the PEI HOB events (§5.2) and the TCG 1.2 log (§5.4)', function () {
  const d = (alg: 0x04 | 0x0b | 0x0c | 0x0d, fill: number, n: number) => ({ alg, digest: new Uint8Array(n).fill(fill) });

  it('copies PEI TCG2 events with their digests filtered to ActivePcrBanks in HOB order, and the 1.2 records verbatim', function () {
    const rec12 = Uint8Array.of(0, 0, 0, 0, 8, 0, 0, 0, ...new Array<number>(20).fill(0xaa), 2, 0, 0, 0, 0, 0);
    const { dxe } = startDxe(0x05, {
      peiEvents: [{ pcrIndex: 0, eventType: 8, digests: [d(0x04, 1, 20), d(0x0b, 2, 32), d(0x0c, 3, 48), d(0x0d, 4, 64)], eventData: Uint8Array.of(0, 0) }],
      peiTcg12Records: [rec12],
    });
    const r = records(dxe)[0];
    expect(r?.digests.map((x) => [x.hashAlg, x.digest[0]])).to.deep.equal([[0x04, 1], [0x0c, 3]]);
    expect(hex(dxe.area(TCG_1_2)?.used)).to.equal(hex(rec12));
    expect(dxe.getEventLog(TCG_1_2).lastEntry).to.equal(0);
  });

  it('writes a 32-byte TCG_PCR_EVENT_HDR with the SHA1 digest to the 1.2 log for each event while SHA1 is active', async function () {
    const { dxe } = startDxe(0x03);
    const data = new TextEncoder().encode('Exit Boot Services Invocation');
    await dxe.hashLogExtend(5, EV_EFI_ACTION, data, data);
    expect(hex(dxe.area(TCG_1_2)?.used)).to.equal('05000000' + '07000080' + h('sha1', data) + '1d000000' + hex(data));
  });
});

describe('TPM failures below Tcg2Dxe keep their EFI status (§4.3, §4.4)', function () {
  it('returns a non-device extend failure as is and keeps the TPM present; EFI_DEVICE_ERROR disables it', async function () {
    const { dxe, tpm } = startDxe(0x02);
    tpm.failNext = new PeiTpmCommandError('BUFFER_TOO_SMALL', 'response too large');
    expect(await dxe.hashLogExtendEvent(0n, new Uint8Array(1), ev(8, 0xd, new Uint8Array(1)))).to.equal('EFI_BUFFER_TOO_SMALL');
    expect(dxe.tpmPresent).to.equal(true);
    expect(dxe.area(TCG_2)?.size).to.equal(65);
    tpm.failNext = new PeiTpmCommandError('DEVICE_ERROR', 'rc');
    expect(await dxe.hashLogExtendEvent(0n, new Uint8Array(1), ev(8, 0xd, new Uint8Array(1)))).to.equal('EFI_DEVICE_ERROR');
    expect(dxe.tpmPresent).to.equal(false);
  });

  it('passes the device library status of SubmitCommand through without touching TPMPresentFlag', async function () {
    const { dxe, tpm } = startDxe(0x02);
    tpm.submitCommand = () => Promise.reject(new ProtocolError('BAD_RESPONSE_SIZE', 'receive', 'fifo', 'too big'));
    expect(await dxe.submitCommand(new Uint8Array(10), 10)).to.deep.equal({ status: 'EFI_BUFFER_TOO_SMALL' });
    tpm.submitCommand = () => Promise.reject(new ProtocolError('TIMEOUT_MAX', 'execute', 'fifo', 'no answer'));
    expect(await dxe.submitCommand(new Uint8Array(10), 10)).to.deep.equal({ status: 'EFI_DEVICE_ERROR' });
    expect(dxe.tpmPresent).to.equal(true);
  });

  it('extends a PE_COFF_IMAGE event even when it is EV_NO_ACTION (no special case on that path)', async function () {
    const { dxe, tpm } = startDxe(0x02);
    const digests = (img: Uint8Array, algs: readonly (0x04 | 0x0b | 0x0c | 0x0d | 0x12)[]) => peImageDigests(img, algs);
    expect(await dxe.hashLogExtendEvent(EFI_TCG2_FLAG.PE_COFF_IMAGE, tinyPe(10), ev(4, EV_NO_ACTION, new Uint8Array(2)), digests)).to.equal('EFI_SUCCESS');
    expect(tpm.extends).to.have.length(1);
    expect(records(dxe)[0]?.digests.map((d) => hex(d.digest))).to.deep.equal([tinyPeDigest('sha256', tinyPe(10))]);
  });
});
