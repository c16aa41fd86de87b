/**
 * openTcg2Protocol: EFI_TCG2_PROTOCOL over a TPM backend with OVMF's defaults. Checked against
 * independent truth: digests computed here with node:crypto, and the PCRs the TPM itself holds
 * (TPM2_PCR_Read straight to the backend, beside the firmware path), for the soft TPM and swtpm.
 */
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { decodeEventLog, replayEventLog, EV } from '@tcg2sim/event-log';
import { hashAlgInfo } from '@tcg2sim/hash-lib';
import type { TpmAlgHash } from '@tcg2sim/hash-lib';
import { PCRRead, TPM_ALG, TPM_CC, execute } from '@tcg2sim/tpm2-command-lib';
import { SoftTpmBackend, SwtpmBackend } from '@tcg2sim/tpm-backends';
import type { TpmBackend } from '@tcg2sim/tpm-backends';
import { requirePrerequisites } from '@tcg2sim/test-support';
import { EFI_TCG2_EVENT_LOG_FORMAT, Tcg2ProtocolError, openTcg2Protocol } from '@tcg2sim/tcg2-dxe';
import type { Tcg2Dxe } from '@tcg2sim/tcg2-dxe';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const NODE_HASH: Record<string, string> = { sha1: 'sha1', sha256: 'sha256', sha384: 'sha384', sha512: 'sha512' };

/** One PCR of one bank, read by the TPM itself (PCR_Read straight to the backend at locality 0). */
async function pcrRead(backend: TpmBackend, alg: TpmAlgHash, pcr: number): Promise<Uint8Array> {
  const select = new Uint8Array(3);
  select[pcr >> 3] = 1 << (pcr & 7);
  const out = await execute({ submit: (c) => backend.transmit(c, 0) }, PCRRead, { params: { pcrSelectionIn: { pcrSelections: [{ hash: alg, pcrSelect: select }] } } });
  const d = out.params.pcrValues.digests[0];
  if (d === undefined) throw new Error(`PCR_Read returned no digest for PCR${pcr}`);
  return d;
}

/** The TCG_2 log GetEventLog hands out, decoded and replayed. */
function replayOf(tcg2: Tcg2Dxe): ReturnType<typeof replayEventLog> {
  const r = tcg2.getEventLog(EFI_TCG2_EVENT_LOG_FORMAT.TCG_2);
  expect(r.status).to.equal('EFI_SUCCESS');
  return replayEventLog(decodeEventLog(r.area?.used ?? new Uint8Array()));
}

/** Every PCR 0-16 and 23 of every active bank: the TPM's value equals the log's replay (0…0 when unextended). */
async function expectTpmMatchesLog(backend: TpmBackend, tcg2: Tcg2Dxe): Promise<number> {
  const replay = replayOf(tcg2);
  let compared = 0;
  for (const alg of tcg2.activeAlgs) {
    const size = hashAlgInfo(alg).size;
    for (const pcr of [...Array.from({ length: 17 }, (_, i) => i), 23]) {
      const fromLog = replay.banks.get(alg)?.get(pcr) ?? new Uint8Array(size);
      expect(Buffer.from(await pcrRead(backend, alg, pcr)).toString('hex'), `${hashAlgInfo(alg).name} PCR${pcr}`).to.equal(Buffer.from(fromLog).toString('hex'));
      compared++;
    }
  }
  return compared;
}

/** A few measurements as a boot loader makes them (GRUB-like PCR 8/9 events, an EV_EFI_ACTION, a NO_ACTION). */
async function measureLikeALoader(tcg2: Tcg2Dxe): Promise<void> {
  for (const [pcr, type, data] of [
    [8, EV.IPL, 'grub_cmd: linux /vmlinuz root=/dev/vda2'],
    [9, EV.IPL, '/boot/vmlinuz'],
    [14, EV.IPL, 'MokList'],
    [5, EV.EFI_ACTION, 'Exit Boot Services Invocation'],
  ] as const) {
    expect(await tcg2.hashLogExtendEvent(0n, text(data), { pcrIndex: pcr, eventType: type, eventData: text(data) })).to.equal('EFI_SUCCESS');
  }
  expect(await tcg2.hashLogExtendEvent(0n, undefined, { pcrIndex: 0, eventType: EV.NO_ACTION, eventData: text('note') })).to.equal('EFI_SUCCESS');
}

describe('openTcg2Protocol over the soft TPM', () => {
  it('HashLogExtendEvent("abc") into PCR 8 gives Extend(0…0, H("abc")) in every bank (node:crypto), and GetEventLog has the event', async () => {
    const backend = new SoftTpmBackend();
    try {
      const tcg2 = await openTcg2Protocol(backend);
      const abc = text('abc');
      expect(await tcg2.hashLogExtendEvent(0n, abc, { pcrIndex: 8, eventType: EV.IPL, eventData: abc })).to.equal('EFI_SUCCESS');
      expect(tcg2.activeAlgs.map((a) => hashAlgInfo(a).name)).to.deep.equal(['sha1', 'sha256', 'sha384', 'sha512']);
      for (const alg of tcg2.activeAlgs) {
        const name = NODE_HASH[hashAlgInfo(alg).name] ?? '';
        const h = createHash(name).update(abc).digest();
        const expected = createHash(name).update(Buffer.alloc(h.length)).update(h).digest('hex');
        expect(Buffer.from(await pcrRead(backend, alg, 8)).toString('hex'), name).to.equal(expected);
      }
      // sha256 spelled out: SHA-256(32 zero bytes || SHA-256("abc"))
      expect(createHash('sha256').update(Buffer.alloc(32)).update(createHash('sha256').update('abc').digest()).digest('hex'))
        .to.equal(Buffer.from(await pcrRead(backend, TPM_ALG.SHA256, 8)).toString('hex'));
      const log = decodeEventLog(tcg2.getEventLog(EFI_TCG2_EVENT_LOG_FORMAT.TCG_2).area?.used ?? new Uint8Array());
      expect(log.events.map((e) => [e.pcrIndex, e.eventType])).to.deep.equal([[0, EV.NO_ACTION], [0, EV.S_CRTM_VERSION], [8, EV.IPL]]); // Spec ID first
      expect(await expectTpmMatchesLog(backend, tcg2)).to.equal(4 * 18);
    } finally {
      await backend.close();
    }
  });

  it('GetCapability over CRB with a SHA256-only TPM: present, ActivePcrBanks 0x02, TCG_2 log only; a loader\'s events replay to the TPM', async () => {
    const backend = new SoftTpmBackend({ banks: ['sha256'] });
    try {
      const tcg2 = await openTcg2Protocol(backend, { tpmInterface: 'crb' });
      const cap = tcg2.capability;
      expect(tcg2.getCapability(36)).to.include({ status: 'EFI_SUCCESS', size: 36 });
      expect(cap.tpmPresentFlag).to.equal(1);
      expect(cap.activePcrBanks).to.equal(0x02); // SHA256 only
      expect(cap.supportedEventLogs).to.equal(0x02); // TCG_2 only without SHA1
      expect(tcg2.getEventLog(EFI_TCG2_EVENT_LOG_FORMAT.TCG_1_2).status).to.equal('EFI_INVALID_PARAMETER');
      await measureLikeALoader(tcg2);
      await expectTpmMatchesLog(backend, tcg2);
    } finally {
      await backend.close();
    }
  });

  it('a TPM whose TPM2_Startup fails gives no protocol: Tcg2ProtocolError TPM_ERROR naming the failure', async () => {
    const soft = new SoftTpmBackend();
    const failing: TpmBackend = {
      kind: 'failing-startup',
      powerOn: () => soft.powerOn(),
      powerOff: () => soft.powerOff(),
      cancel: () => soft.cancel(),
      hcrtm: (d) => soft.hcrtm(d),
      close: () => soft.close(),
      transmit: (c, loc) =>
        new DataView(c.buffer, c.byteOffset, c.length).getUint32(6) === TPM_CC.Startup
          ? Promise.resolve(Uint8Array.of(0x80, 0x01, 0, 0, 0, 0x0a, 0, 0, 0x01, 0x01)) // TPM_RC_FAILURE
          : soft.transmit(c, loc),
    };
    try {
      const e: unknown = await openTcg2Protocol(failing).then(() => undefined, (x: unknown) => x);
      expect(e).to.be.instanceOf(Tcg2ProtocolError);
      expect((e as Tcg2ProtocolError).code).to.equal('TPM_ERROR');
      expect((e as Tcg2ProtocolError).message).to.contain('TPM2_Startup(CLEAR) returned response code 0x101');
    } finally {
      await soft.close();
    }
  });
});

describe('openTcg2Protocol over swtpm @integration', function () {
  this.timeout(20_000);
  before(function () {
    requirePrerequisites(this, { tools: ['swtpm', 'swtpm_setup'] });
  });

  it("swtpm's PCRs (PCR_Read, every bank) equal the replay of GetEventLog's log, and the log equals the soft TPM's", async () => {
    const swtpm = await SwtpmBackend.start({});
    const soft = new SoftTpmBackend();
    try {
      const onSwtpm = await openTcg2Protocol(swtpm);
      await measureLikeALoader(onSwtpm);
      expect(await expectTpmMatchesLog(swtpm, onSwtpm)).to.equal(onSwtpm.activeAlgs.length * 18);
      const onSoft = await openTcg2Protocol(soft);
      await measureLikeALoader(onSoft);
      const bytes = (t: Tcg2Dxe): string => Buffer.from(t.getEventLog(EFI_TCG2_EVENT_LOG_FORMAT.TCG_2).area?.used ?? []).toString('hex');
      expect(bytes(onSwtpm)).to.equal(bytes(onSoft));
      expect(onSwtpm.capability.activePcrBanks).to.equal(onSoft.capability.activePcrBanks);
    } finally {
      await swtpm.close();
      await soft.close();
    }
  });
});
