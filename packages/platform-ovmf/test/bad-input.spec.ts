import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { toHex } from '@tcg2sim/binary-codec';
import { decodeEventLog, replayEventLog } from '@tcg2sim/event-log';
import { MachineDescription, SecError, predict, simulateBoot } from '@tcg2sim/platform-ovmf';
import type { BootResult } from '@tcg2sim/platform-ovmf';
import { SoftTpmBackend } from '@tcg2sim/tpm-backends';
import type { TpmBackend } from '@tcg2sim/tpm-backends';
import { TCG_HOB_GUID } from '@tcg2sim/tcg2-pei';
import { TPM_INSTANCE_GUID } from '@tcg2sim/tcg2-config';
import { OVMF_DIR, requirePrerequisites } from '@tcg2sim/test-support';

// Issue 7: bad input gives the outcome real firmware gives, plus a clear diagnostic.

/** The soft TPM with some commands answered differently (what a faulty or foreign TPM does). */
function tamperedTpm(answer: (command: Uint8Array) => Uint8Array | undefined, banks?: readonly string[]): { backend: TpmBackend; soft: SoftTpmBackend } {
  const soft = new SoftTpmBackend(banks === undefined ? {} : { banks });
  const backend: TpmBackend = {
    kind: 'soft',
    powerOn: () => soft.powerOn(),
    powerOff: () => soft.powerOff(),
    cancel: () => soft.cancel(),
    hcrtm: (d) => soft.hcrtm(d),
    close: () => soft.close(),
    transmit: (c, l) => {
      const a = answer(c);
      return a === undefined ? soft.transmit(c, l) : Promise.resolve(a);
    },
  };
  return { backend, soft };
}

function commandCode(c: Uint8Array): number {
  return new DataView(c.buffer, c.byteOffset, c.byteLength).getUint32(6);
}

describe('simulated OVMF boot with bad input (soft TPM, Debian OVMF_CODE_4M.fd)', function () {
  this.timeout(60_000);
  let code: Uint8Array;
  let vars: Uint8Array;
  const machine = MachineDescription.parse({});

  before(function () {
    const c = join(OVMF_DIR, 'OVMF_CODE_4M.fd');
    const v = join(OVMF_DIR, 'OVMF_VARS_4M.fd');
    requirePrerequisites(this, { files: [c, v] });
    code = new Uint8Array(readFileSync(c));
    vars = new Uint8Array(readFileSync(v));
  });

  function boot(backend: TpmBackend): Promise<BootResult> {
    return simulateBoot({ code, vars, machine, tpmInterface: 'tis', backend, random: (n) => new Uint8Array(n) });
  }

  it('rejects an image without FVMAIN_COMPACT with SecError NO_FVMAIN_COMPACT (real SEC would hang before PEI)', async function () {
    const err = await simulateBoot({ code: vars, vars, machine, tpmInterface: 'tis', backend: new SoftTpmBackend() }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(SecError);
    expect((err as SecError).code).to.equal('NO_FVMAIN_COMPACT');
  });

  it('measures nothing when TPM2_Startup fails: gTpmErrorHobGuid, no PCR_Extend, PCRs untouched, a diagnostic', async function () {
    // TPM_RC_FAILURE (0x101) to every TPM2_Startup.
    const { backend, soft } = tamperedTpm((c) => (c.length >= 10 && commandCode(c) === 0x144 ? Uint8Array.of(0x80, 0x01, 0, 0, 0, 0x0a, 0, 0, 0x01, 0x01) : undefined));
    const r = await boot(backend);
    expect(r.config.instanceGuid).to.equal(TPM_INSTANCE_GUID.TPM20_DTPM);
    expect(r.pei?.outcome).to.equal('tpm-error');
    expect(r.pei?.hobs.map((h) => h.guid)).to.deep.equal([TCG_HOB_GUID.TPM_ERROR]);
    expect(r.pei?.diagnostics).to.have.length.greaterThan(0);
    expect(r.eventLog.length).to.equal(0);
    expect(r.exchanges.map((e) => commandCode(e.command))).to.not.include(0x182);
    expect(r.exchanges.filter((e) => e.phase === 'pei:Tcg2Pei').map((e) => commandCode(e.command))).to.deep.equal([0x144]);
    expect(toHex(soft.tpm.pcr(0x000b, 0) ?? new Uint8Array(1))).to.equal('00'.repeat(32));
  });

  it('leaves Tcg2Pei idle when the TPM answers the GetTicks probe as a TPM 1.2 (tag 0x00C4)', async function () {
    const { backend } = tamperedTpm((c) => (c[0] === 0x00 && c[1] === 0xc1 ? Uint8Array.of(0x00, 0xc4, 0, 0, 0, 0x0a, 0, 0, 0, 0x1e) : undefined));
    const r = await boot(backend);
    expect(r.config.instanceGuid).to.equal(TPM_INSTANCE_GUID.TPM12);
    expect(r.pei).to.equal(undefined);
    expect(r.eventLog.length).to.equal(0);
    expect(r.exchanges.filter((e) => e.phase !== 'pei:Tcg2ConfigPei')).to.have.length(0);
    expect(r.notes.some((n) => n.startsWith('Tcg2ConfigPei:'))).to.equal(true);
  });

  it('with only SHA256 allocated, does not reallocate: 4-bank PEI extends, a SHA256-only log that replays to the TPM PCRs', async function () {
    const soft = new SoftTpmBackend({ banks: ['sha256'] });
    const p = await predict({ code, vars, machine, tpmInterface: 'tis', backend: soft, random: (n) => new Uint8Array(n) });
    expect(p.boot.pei?.outcome).to.equal('measured');
    expect(p.boot.pei?.tpmActiveBanks).to.equal(0x02);
    expect(p.boot.pei?.pcdTpm2HashMask).to.equal(0x0f);
    const pei = p.boot.exchanges.filter((e) => e.phase === 'pei:Tcg2Pei');
    expect(pei.map((e) => commandCode(e.command))).to.not.include(0x12b);
    for (const e of pei.filter((x) => commandCode(x.command) === 0x182)) expect(e.command.length).to.equal(0xcb);
    expect(p.log.specId?.digestSizes.map((d) => d.algorithmId)).to.deep.equal([0x000b]);
    expect(p.mismatches).to.deep.equal([]);
    const replay = replayEventLog(decodeEventLog(p.boot.eventLog));
    expect(toHex(replay.banks.get(0x000b)?.get(0) ?? new Uint8Array())).to.equal(toHex(soft.tpm.pcr(0x000b, 0) ?? new Uint8Array()));
  });

  it('a TPM that fails every PCR_Extend in PEI: error HOB after the first, nothing logged, DXE not started', async function () {
    const { backend } = tamperedTpm((c) => (c.length >= 10 && commandCode(c) === 0x182 ? Uint8Array.of(0x80, 0x01, 0, 0, 0, 0x0a, 0, 0, 0x01, 0x01) : undefined));
    const r = await boot(backend);
    expect(r.pei?.outcome).to.equal('tpm-error');
    expect(r.exchanges.filter((e) => commandCode(e.command) === 0x182)).to.have.length(1);
    expect(r.exchanges.filter((e) => e.phase.startsWith('dxe'))).to.have.length(0);
    expect(r.eventLog.length).to.equal(0);
  });
});
