import { expect } from 'chai';
import { TCG2_CONFIG_FORMSET_GUID, TPM_INSTANCE_GUID, genericTcg2ConfigPei, tpm12Startup, tpm12StartupCommand } from '@tcg2sim/tcg2-config';
import type { GenericConfigInput } from '@tcg2sim/tcg2-config';

type Tpm = 'tpm2' | 'tpm12' | 'none';

/** A run of the generic PEIM against stored bytes and a TPM; counts the probes it made. */
async function run(vars: Record<string, number[]>, tpm: Tpm, o: { bootMode?: 'normal' | 's3'; autoDetection?: boolean } = {}) {
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
const CASES: Array<[string, Record<string, number[]>, Tpm, { bootMode?: 'normal' | 's3'; autoDetection?: boolean }, string, number]> = [
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

describe('genericTcg2ConfigPei (SecurityPkg Tcg2ConfigPei)', () => {
  for (const [name, vars, tpm, o, guid, probes] of CASES) {
    it(name, async () => {
      const r = await run(vars, tpm, o);
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
