import { expect } from 'chai';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeEventLog, EV, EventLogBuilder } from '@tcg2sim/event-log';
import type { EventLog, LogEvent } from '@tcg2sim/event-log';
import { isHashAlg, TPM_ALG_HASH } from '@tcg2sim/hash-lib';
import { VirtualClock } from '@tcg2sim/ptp';
import { SoftTpmBackend } from '@tcg2sim/tpm-backends';
import { MachineDescription, buildDefaultFirmware, predict } from '@tcg2sim/platform-ovmf';
import type { DefaultFirmware, Prediction } from '@tcg2sim/platform-ovmf';
import { OVMF_DIR, requirePrerequisites } from '@tcg2sim/test-support';
import { alignEvents, MAX_EXTRA_EVENTS, verifyLog, VerifyError } from '@tcg2sim/verify';
import type { NamedRange } from '@tcg2sim/verify';

let fw: DefaultFirmware | undefined;
const DEBIAN_CODE = join(OVMF_DIR, 'OVMF_CODE_4M.fd');
const DEBIAN_VARS = join(OVMF_DIR, 'OVMF_VARS_4M.fd');

async function boot(memoryMiB: number, banks?: readonly ('sha1' | 'sha256' | 'sha384' | 'sha512')[], image?: { code: Uint8Array; vars: Uint8Array }): Promise<Prediction> {
  fw ??= buildDefaultFirmware();
  const { code, vars } = image ?? fw;
  const backend = new SoftTpmBackend(banks !== undefined ? { banks } : {});
  try {
    return await predict({ code, vars, machine: MachineDescription.parse({ memoryMiB }), tpmInterface: 'tis', backend, clock: new VirtualClock() });
  } finally {
    await backend.close();
  }
}

function volumes(p: Prediction): NamedRange[] {
  return [
    { name: 'PEIFV', base: p.boot.sec.peiFv.base, length: p.boot.sec.peiFv.length },
    { name: 'DXEFV', base: p.boot.sec.dxeFv.base, length: p.boot.sec.dxeFv.length },
  ];
}

/** A log of `events` appended (after the header) to `base`'s events, re-encoded and decoded. */
function withEvents(base: EventLog, insertAt: number, extra: readonly { pcr: number; type: number; data: Uint8Array }[], drop = 0): EventLog {
  const b = new EventLogBuilder({ algs: base.specId?.digestSizes.map((d) => d.algorithmId).filter(isHashAlg) ?? [TPM_ALG_HASH.SHA256] });
  const body = base.events.slice(1);
  const add = (e: LogEvent): void => {
    b.add({ pcrIndex: e.pcrIndex, eventType: e.eventType, digests: e.digests, eventData: e.eventData });
  };
  body.slice(0, insertAt).forEach(add);
  for (const x of extra) b.add({ pcrIndex: x.pcr, eventType: x.type, eventData: x.data });
  body.slice(insertAt + drop).forEach(add);
  return decodeEventLog(b.encode());
}

describe('verifyLog', function () {
  this.timeout(60_000);
  let p512: Prediction;

  before(async () => {
    p512 = await boot(512);
  });

  it('a log verified against its own prediction is exact', async () => {
    const r = await verifyLog(p512.log, p512.log, { firmwareVolumes: volumes(p512) });
    expect(r.exact).to.equal(true);
    expect(r.divergences).to.deep.equal([]);
    expect(r.matchedEvents).to.equal(p512.log.events.length);
    expect(r.later).to.deep.equal([]);
  });

  it('another RAM size: PEIFV differs in PCR0, and the probe is asked which shapes match', async function () {
    // The embedded firmware has no PlatformPei: Debian's OVMF, whose PEIFV follows the RAM size.
    requirePrerequisites(this, { files: [DEBIAN_CODE, DEBIAN_VARS] });
    const image = { code: new Uint8Array(readFileSync(DEBIAN_CODE)), vars: new Uint8Array(readFileSync(DEBIAN_VARS)) };
    const d512 = await boot(512, undefined, image);
    const d1024 = await boot(1024, undefined, image);
    let asked = 0;
    const r = await verifyLog(d1024.log, d512.log, {
      firmwareVolumes: volumes(d512),
      probePeiFv: () => {
        asked++;
        return Promise.resolve({ matches: ['--memory 1024'], tried: 'test' });
      },
    });
    expect(r.exact).to.equal(false);
    expect(asked).to.equal(1);
    expect(r.divergences).to.have.length(1);
    const pei = r.divergences.filter((d) => d.component.startsWith('PEIFV'));
    expect(pei).to.have.length(1);
    expect(pei[0]?.pcr).to.equal(0);
    expect(pei[0]?.cause).to.include('--memory 1024 would match');
  });

  it('events after the firmware\'s part are reported apart, not as divergences', async () => {
    const n = p512.log.events.length - 1;
    const later = withEvents(p512.log, n, [
      { pcr: 9, type: EV.IPL, data: new TextEncoder().encode('grub_cmd: linux /vmlinuz\0') },
      { pcr: 5, type: EV.EFI_ACTION, data: new TextEncoder().encode('Exit Boot Services Invocation') },
    ]);
    const r = await verifyLog(later, p512.log);
    expect(r.exact).to.equal(true);
    expect(r.later.map((e) => e.source)).to.deep.equal(['boot loader / OS', 'firmware (ExitBootServices)']);
  });

  it('an extra option-ROM driver event is named as such', async () => {
    const at = p512.log.events.findIndex((e) => e.pcrIndex === 1) - 1;
    const r = await verifyLog(withEvents(p512.log, at, [{ pcr: 2, type: EV.EFI_BOOT_SERVICES_DRIVER, data: new Uint8Array(32) }]), p512.log);
    expect(r.divergences).to.have.length(1);
    expect(r.divergences[0]?.kind).to.equal('extra');
    expect(r.divergences[0]?.component).to.match(/^option ROM driver/);
  });

  it('a predicted event the log lacks is "missing"', async () => {
    const at = p512.log.events.findIndex((e) => e.eventType === EV.EFI_ACTION) - 1;
    const r = await verifyLog(withEvents(p512.log, at, [], 1), p512.log);
    expect(r.divergences.map((d) => d.kind)).to.deep.equal(['missing']);
  });

  it('compares only the banks both logs have, and says so', async () => {
    const sha256 = await boot(512, ['sha256']);
    const r = await verifyLog(sha256.log, p512.log);
    expect(r.banks).to.deep.equal(['sha256']);
    expect(r.notes.join('\n')).to.match(/--banks sha256/);
    // Only the header (its list of banks) differs.
    expect(r.divergences.map((d) => d.component)).to.deep.equal(['the log header (Spec ID Event03)']);
  });

  it('a log sharing no bank with the prediction is a typed error', async () => {
    const b = new EventLogBuilder({ algs: [TPM_ALG_HASH.SM3_256] });
    b.add({ pcrIndex: 0, eventType: EV.POST_CODE, eventData: new Uint8Array(4) });
    const sha256 = await boot(512, ['sha256']);
    try {
      await verifyLog(decodeEventLog(b.encode()), sha256.log);
      expect.fail('no error');
    } catch (e) {
      expect(e).to.be.instanceOf(VerifyError);
      expect((e as VerifyError).code).to.equal('NO_COMMON_BANK');
    }
  });

  it('aligns a log far longer than the prediction within a bounded window', () => {
    const ev = (i: number, pcr: number): LogEvent => ({ index: i, offset: 0, format: 'TCG_PCR_EVENT2', pcrIndex: pcr, eventType: EV.IPL, digests: [], eventData: Uint8Array.of(i & 0xff, i >> 8) });
    const predicted = [ev(0, 0), ev(1, 1)];
    const real = [ev(0, 0), ev(1, 1), ...Array.from({ length: 20_000 }, (_, i) => ev(i + 2, 9))];
    const a = alignEvents(predicted, real, []);
    expect(a.laterFrom).to.equal(2);
    expect(a.steps.map((s) => s.kind)).to.deep.equal(['same', 'same']);
    expect(MAX_EXTRA_EVENTS).to.be.lessThan(20_000);
  });

  it('never throws anything but VerifyError on damaged logs (fast-check)', async () => {
    const bytes = p512.boot.eventLog;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(bytes.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), async (flips) => {
        const b = bytes.slice();
        for (const [at, v] of flips) b[at] = v;
        const log = decodeEventLog(b, { lenient: true });
        try {
          await verifyLog(log, p512.log, { firmwareVolumes: volumes(p512) });
        } catch (e) {
          if (!(e instanceof VerifyError)) throw e;
        }
      }),
      { numRuns: 150 }
    );
  });
});
