import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CrbDevice, FakeBackend, MmioBus, TisDevice, TPM_BASE_ADDRESS, VirtualClock } from '@tcg2sim/ptp';
import type { TpmBackend } from '@tcg2sim/tpm-backends';
import { SoftTpmBackend } from '@tcg2sim/tpm-backends';
import { Tpm2DeviceLib } from '@tcg2sim/tpm2-device-lib';
import { getVariable, setVariable } from '@tcg2sim/uefi';
import { OVMF_DIR, requirePrerequisites } from '@tcg2sim/test-support';
import {
  TCG2_CONFIG_FORMSET_GUID, TCG2_VARIABLE, TPM_INSTANCE_GUID, genericTcg2ConfigPei, ovmfTcg2ConfigPei, tpm12Startup,
  tpm12StartupCommand,
} from '@tcg2sim/tcg2-config';
import type { ConfigVariables, GenericConfigInput } from '@tcg2sim/tcg2-config';

/** OVMF's Tcg2ConfigPei over the register model and the firmware device library, as platform-ovmf wires it. */
async function ovmfDetect(backend: TpmBackend | undefined, iface: 'tis' | 'crb' = 'tis'): Promise<{ r: Awaited<ReturnType<typeof ovmfTcg2ConfigPei>>; commands: Uint8Array[] }> {
  const bus = new MmioBus();
  const commands: Uint8Array[] = [];
  if (backend !== undefined) {
    await backend.powerOn();
    const spy: TpmBackend = {
      ...backend,
      kind: backend.kind,
      powerOn: () => backend.powerOn(),
      powerOff: () => backend.powerOff(),
      cancel: () => backend.cancel(),
      hcrtm: (d) => backend.hcrtm(d),
      transmit: (c, l) => {
        commands.push(c.slice());
        return backend.transmit(c, l);
      },
    };
    bus.map(TPM_BASE_ADDRESS, iface === 'tis' ? new TisDevice(spy) : new CrbDevice(spy, { base: TPM_BASE_ADDRESS }));
  }
  const lib = Tpm2DeviceLib.open({ bus, clock: new VirtualClock() });
  const r = await ovmfTcg2ConfigPei({
    tpm12Detect: () => lib.probeTpm12(),
    tpm2RequestUse: async () => {
      try {
        await lib.requestUseTpm();
        return true;
      } catch {
        return false;
      }
    },
  });
  return { r, commands };
}

const GET_TICKS = '00c10000000a000000f1';

describe('OVMF Tcg2ConfigPei (Tcg12ConfigPei.inf, docs/edk2-pei.md §1.2) through ptp + tpm2-device-lib', function () {
  it('declares a TPM 1.2 when the GetTicks probe is answered with the 1.2 tag 0x00C4', async function () {
    const backend = new FakeBackend({ respond: () => Uint8Array.of(0x00, 0xc4, 0, 0, 0, 0x0a, 0, 0, 0, 0x1e) });
    const { r, commands } = await ovmfDetect(backend);
    expect(r.instanceGuid).to.equal(TPM_INSTANCE_GUID.TPM12);
    expect(r.initializationDone).to.equal(false);
    expect(commands.map((c) => Buffer.from(c).toString('hex'))).to.deep.equal([GET_TICKS]);
  });

  it('declares a TPM 2.0 when the probe gets libtpms\' answer (tag 0x8001), from a fake and from the soft TPM', async function () {
    const libtpms = new FakeBackend({ respond: () => Uint8Array.of(0x80, 0x01, 0, 0, 0, 0x0a, 0, 0, 0, 0x84) });
    for (const backend of [libtpms, new SoftTpmBackend()]) {
      const { r, commands } = await ovmfDetect(backend);
      expect(r.instanceGuid).to.equal(TPM_INSTANCE_GUID.TPM20_DTPM);
      expect(r.initializationDone).to.equal(false);
      expect(Buffer.from(commands[0] ?? new Uint8Array()).toString('hex')).to.equal(GET_TICKS);
    }
  });

  it('sends no probe on tpm-crb (Tpm12SubmitCommand fails there) and declares a TPM 2.0', async function () {
    const { r, commands } = await ovmfDetect(new SoftTpmBackend(), 'crb');
    expect(r.instanceGuid).to.equal(TPM_INSTANCE_GUID.TPM20_DTPM);
    expect(commands).to.have.length(0);
  });

  it('finds no TPM on an empty bus: the all-zero GUID and gPeiTpmInitializationDonePpiGuid', async function () {
    const { r } = await ovmfDetect(undefined);
    expect(r.instanceGuid).to.equal(TPM_INSTANCE_GUID.NONE);
    expect(r.initializationDone).to.equal(true);
  });

  it('skips the 1.2 probe when built without TPM1_ENABLE', async function () {
    const calls: string[] = [];
    const r = await ovmfTcg2ConfigPei({
      tpm12Detect: () => { calls.push('1.2'); return Promise.resolve(true); },
      tpm2RequestUse: () => { calls.push('2.0'); return Promise.resolve(true); },
    }, false);
    expect(calls).to.deep.equal(['2.0']);
    expect(r.instanceGuid).to.equal(TPM_INSTANCE_GUID.TPM20_DTPM);
  });
});

describe('SecurityPkg Tcg2ConfigPei (docs/edk2-pei.md §1.1) with variables from an OVMF variable store', function () {
  let store: Uint8Array;

  before(function () {
    const file = join(OVMF_DIR, 'OVMF_VARS_4M.fd');
    requirePrerequisites(this, { files: [file] });
    store = new Uint8Array(readFileSync(file));
  });

  /** A copy of the empty store with the TCG2 variables set as Tcg2ConfigDxe writes them (NV|BS). */
  function withVars(v: { config?: Uint8Array; detection?: Uint8Array }): ConfigVariables {
    const image = store.slice();
    if (v.config) setVariable(image, { name: TCG2_VARIABLE.CONFIGURATION, guid: TCG2_CONFIG_FORMSET_GUID, attributes: 0x03, data: v.config });
    if (v.detection) setVariable(image, { name: TCG2_VARIABLE.DEVICE_DETECTION, guid: TCG2_CONFIG_FORMSET_GUID, attributes: 0x03, data: v.detection });
    return { get: (name, guid) => getVariable(image, name, guid)?.data };
  }

  /** A device that is a TPM 2.0 (TPM 1.2 Startup fails), recording the probes. */
  function input(vars: ConfigVariables, over: Partial<GenericConfigInput> = {}, tpm: 'none' | '1.2' | '2.0' = '2.0'): GenericConfigInput & { probes: string[] } {
    const probes: string[] = [];
    return {
      vars, bootMode: 'normal', probes,
      tpm12RequestUse: () => { probes.push('requestUse'); return Promise.resolve(tpm !== 'none'); },
      tpm12Startup: (state) => { probes.push(state ? 'startup(STATE)' : 'startup(CLEAR)'); return Promise.resolve(tpm === '1.2'); },
      ...over,
    };
  }

  it('lets auto-detection override TCG2_CONFIGURATION = 1 with the detected TPM 2.0', async function () {
    const i = input(withVars({ config: Uint8Array.of(1) }));
    const r = await genericTcg2ConfigPei(i);
    expect(r.instanceGuid).to.equal(TPM_INSTANCE_GUID.TPM20_DTPM);
    expect(i.probes).to.deep.equal(['requestUse', 'startup(CLEAR)']);
  });

  it('detects a TPM 1.2 and clears PcdTpmInitializationPolicy; no device gives the all-zero GUID and InitializationDone', async function () {
    const r12 = await genericTcg2ConfigPei(input(withVars({ config: Uint8Array.of(2) }), {}, '1.2'));
    expect([r12.instanceGuid, r12.initializationPolicyCleared]).to.deep.equal([TPM_INSTANCE_GUID.TPM12, true]);
    const none = await genericTcg2ConfigPei(input(withVars({ config: Uint8Array.of(2) }), {}, 'none'));
    expect([none.instanceGuid, none.initializationDone]).to.deep.equal([TPM_INSTANCE_GUID.NONE, true]);
  });

  it('uses the variable without auto-detection, with out-of-range, absent and wrong-size values falling back to TPM_DEVICE_DEFAULT (1.2)', async function () {
    const noAuto = { autoDetection: false };
    expect((await genericTcg2ConfigPei(input(withVars({ config: Uint8Array.of(2) }), noAuto))).instanceGuid).to.equal(TPM_INSTANCE_GUID.TPM20_DTPM);
    for (const config of [Uint8Array.of(0), Uint8Array.of(3), Uint8Array.of(0xff), Uint8Array.of(2, 0), undefined]) {
      const i = input(withVars(config === undefined ? {} : { config }), noAuto);
      const r = await genericTcg2ConfigPei(i);
      expect(r.instanceGuid, String(config)).to.equal(TPM_INSTANCE_GUID.TPM12);
      expect(i.probes).to.deep.equal([]);
    }
  });

  it('on S3 uses the cached TCG2_DEVICE_DETECTION without touching the TPM, and probes (STATE) when the cache is invalid', async function () {
    const cached = input(withVars({ config: Uint8Array.of(1), detection: Uint8Array.of(2) }), { bootMode: 's3' }, '1.2');
    expect((await genericTcg2ConfigPei(cached)).instanceGuid).to.equal(TPM_INSTANCE_GUID.TPM20_DTPM);
    expect(cached.probes).to.deep.equal([]);
    for (const detection of [Uint8Array.of(0), Uint8Array.of(3), Uint8Array.of(2, 2)]) {
      const i = input(withVars({ detection }), { bootMode: 's3' });
      expect((await genericTcg2ConfigPei(i)).instanceGuid).to.equal(TPM_INSTANCE_GUID.TPM20_DTPM);
      expect(i.probes).to.deep.equal(['requestUse', 'startup(STATE)']);
    }
  });

  it('ignores the cache on a normal boot', async function () {
    const i = input(withVars({ detection: Uint8Array.of(1) }));
    expect((await genericTcg2ConfigPei(i)).instanceGuid).to.equal(TPM_INSTANCE_GUID.TPM20_DTPM);
    expect(i.probes).to.have.length(2);
  });
});

type Tpm = 'tpm2' | 'tpm12' | 'none';

/** A run of the generic PEIM against stored bytes and a TPM; counts the probes it made. */
async function runGeneric(vars: Record<string, number[]>, tpm: Tpm, o: { bootMode?: 'normal' | 's3'; autoDetection?: boolean } = {}) {
  let probes = 0;
  const input: GenericConfigInput = {
    vars: { get: (n, g) => (g === TCG2_CONFIG_FORMSET_GUID && vars[n] !== undefined ? Uint8Array.from(vars[n]) : undefined) },
    bootMode: o.bootMode ?? 'normal',
    autoDetection: o.autoDetection ?? true,
    tpm12RequestUse: () => {
      probes++;
      return Promise.resolve(tpm !== 'none');
    },
    tpm12Startup: () => Promise.resolve(tpm === 'tpm12'),
  };
  const r = await genericTcg2ConfigPei(input);
  return { guid: r.instanceGuid, done: r.initializationDone, probes };
}

const { NONE, TPM12, TPM20_DTPM } = TPM_INSTANCE_GUID;

// Expected outcomes read off SecurityPkg/Tcg/Tcg2Config/Tcg2ConfigPeim.c + TpmDetection.c (edk2-stable202211).
const PATH_CASES: Array<[string, Record<string, number[]>, Tpm, { bootMode?: 'normal' | 's3'; autoDetection?: boolean }, string, number]> = [
  ['no variables, TPM 2.0: the probe finds a dTPM', {}, 'tpm2', {}, TPM20_DTPM, 1],
  ['device none stored, TPM 2.0: none is out of range and the probe still finds the dTPM', { TCG2_CONFIGURATION: [0] }, 'tpm2', {}, TPM20_DTPM, 1],
  ['device none stored, auto-detection off: the default TPM 1.2 is selected, no probe', { TCG2_CONFIGURATION: [0] }, 'tpm2', { autoDetection: false }, TPM12, 0],
  ['dTPM 2.0 stored, auto-detection off: selected without a probe', { TCG2_CONFIGURATION: [2] }, 'tpm2', { autoDetection: false }, TPM20_DTPM, 0],
  ['two bytes stored (EFI_BUFFER_TOO_SMALL), auto-detection off: default TPM 1.2', { TCG2_CONFIGURATION: [2, 0] }, 'tpm2', { autoDetection: false }, TPM12, 0],
  ['dTPM 2.0 stored but nothing answers: none, whatever the variable says', { TCG2_CONFIGURATION: [2] }, 'none', {}, NONE, 1],
  ['a TPM 1.2 answers its Startup: TPM 1.2', {}, 'tpm12', {}, TPM12, 1],
  ['normal boot with a cached detection: the cache is not used, the TPM is probed', { TCG2_DEVICE_DETECTION: [1] }, 'tpm2', {}, TPM20_DTPM, 1],
  ['S3 resume with a cached dTPM 2.0: used without a probe', { TCG2_DEVICE_DETECTION: [2] }, 'none', { bootMode: 's3' }, TPM20_DTPM, 0],
  ['S3 resume with a cached none (0): out of range, probed', { TCG2_DEVICE_DETECTION: [0] }, 'tpm2', { bootMode: 's3' }, TPM20_DTPM, 1],
  ['S3 resume with a 2-byte cache: unreadable, probed', { TCG2_DEVICE_DETECTION: [2, 2] }, 'tpm2', { bootMode: 's3' }, TPM20_DTPM, 1],
];

describe('SecurityPkg Tcg2ConfigPei: which path each stored value takes', () => {
  for (const [name, vars, tpm, o, guid, probes] of PATH_CASES) {
    it(name, async () => {
      const r = await runGeneric(vars, tpm, o);
      expect([r.guid, r.probes]).to.deep.equal([guid, probes]);
      expect(r.done).to.equal(guid === NONE);
    });
  }
});

describe('Tpm12Startup', () => {
  it('sends TPM_ORD_Startup(ST_CLEAR) or (ST_STATE) and accepts TPM_SUCCESS and TPM_INVALID_POSTINIT only', async () => {
    expect([...tpm12StartupCommand(false)]).to.deep.equal([0x00, 0xc1, 0, 0, 0, 0x0c, 0, 0, 0, 0x99, 0, 1]);
    expect([...tpm12StartupCommand(true)].slice(10)).to.deep.equal([0, 2]);
    const answer = (rc: number | undefined) => () => Promise.resolve(rc === undefined ? undefined : Uint8Array.of(0, 0xc4, 0, 0, 0, 10, 0, 0, 0, rc));
    expect(await tpm12Startup(answer(0), false)).to.equal(true);
    expect(await tpm12Startup(answer(0x26), false)).to.equal(true);
    expect(await tpm12Startup(answer(0x1e), false)).to.equal(false);
    expect(await tpm12Startup(answer(undefined), false)).to.equal(false);
  });
});
