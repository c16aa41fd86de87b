/**
 * Tcg2Pei (SecurityPkg/Tcg/Tcg2Pei): runs only when PcdTpmInstanceGuid names a TPM 2.0; starts
 * the TPM and measures the S-CRTM version (its PcdFirmwareVersionString), PEIFV as PlatformPei
 * left it (PCR0) and DXEFV (the FvInfo PPI DxeIpl's FV HOB stands for).
 */
import { runTcg2Pei, commandLibTpm } from '@tcg2sim/tcg2-pei';
import { TPM_INSTANCE_GUID } from '@tcg2sim/tcg2-config';
import { TCG2_PEI_FILE_GUID } from '../../platform-pei/firmware-version.ts';
import { peiUintnBytes } from '../firmware-arch.ts';
import type { PeiContext } from './context.ts';
import type { PeiUnit } from './pei-unit.ts';

export const tcg2PeiUnit: PeiUnit = {
  module: { name: 'Tcg2Pei', fileGuid: TCG2_PEI_FILE_GUID },
  role: 'starts the TPM, measures the S-CRTM version, PEIFV and DXEFV (PCR0)',
  async run(ctx: PeiContext): Promise<void> {
    const { sec, stack, notes, version, worker, digests } = ctx;
    if (!version.certain) notes.push(`S-CRTM version: ${version.evidence}`);
    if (ctx.config.instanceGuid !== TPM_INSTANCE_GUID.TPM20_DTPM) return; // PeimEntryMA: not this TPM
    stack.phase = 'pei:Tcg2Pei';
    const peiLib = stack.deviceLib();
    const pei = await runTcg2Pei({
      tpm: commandLibTpm(peiLib),
      bootMode: 'normal',
      bootFv: { base: sec.peiFv.base, length: sec.peiFv.length, bytes: ctx.measuredPeiFv.bytes },
      fvInfos: [{ base: sec.dxeFv.base, length: sec.dxeFv.length, bytes: sec.dxeFv.bytes }],
      peiUintnSize: peiUintnBytes(sec),
      hashAll: digests.hashAll,
      firmwareVersion: version.value,
    }).finally(() => worker?.close()); // DXEFV is hashed in PEI: the worker has done its part
    notes.push(...pei.diagnostics.map((d) => `Tcg2Pei: ${d}`));
    ctx.pei = pei;
  },
};
