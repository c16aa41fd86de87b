import type { VariableSnapshot } from '@tcg2sim/uefi';
import { genericTcg2ConfigPei, ovmfTcg2ConfigPei, tpm12Startup } from '@tcg2sim/tcg2-config';
import type { Tcg2ConfigResult } from '@tcg2sim/tcg2-config';
import type { TpmStack } from './tpm-stack.ts';

/** Which Tcg2ConfigPei runs (BootInput's fields). */
export interface Tcg2ConfigChoice {
  readonly tcg2Config?: 'ovmf' | 'generic';
  readonly tpmAutoDetection?: boolean;
}

/**
 * Tcg2ConfigPei (Tcg12ConfigPei in Debian's image, or SecurityPkg's generic one): TPM commands
 * and, for the generic one, the variable store; nothing from the firmware volumes.
 */
export async function tcg2ConfigPei(input: Tcg2ConfigChoice, stack: TpmStack, store: () => VariableSnapshot | undefined, notes: string[]): Promise<Tcg2ConfigResult> {
  stack.phase = 'pei:Tcg2ConfigPei';
  const cfgLib = stack.deviceLib();
  let config: Tcg2ConfigResult;
  if ((input.tcg2Config ?? 'ovmf') === 'generic') {
    notes.push(`Tcg2ConfigPei: SecurityPkg's generic variant (not the one in Debian's image), PcdTpmAutoDetection ${input.tpmAutoDetection ?? true ? 'TRUE' : 'FALSE'}`);
    const snapshot = store();
    config = await genericTcg2ConfigPei({
      vars: { get: (n, g) => snapshot?.get(n, g)?.data },
      bootMode: 'normal',
      autoDetection: input.tpmAutoDetection ?? true,
      tpm12RequestUse: () => cfgLib.tpm12RequestUse(),
      tpm12Startup: (state) => tpm12Startup((c, n) => cfgLib.tpm12Submit(c, n), state),
    });
  } else {
    notes.push("Tcg2ConfigPei: OVMF's variant (Tcg12ConfigPei in Debian's image: no variables, TPM 1.2 probe then TPM 2.0)");
    config = await ovmfTcg2ConfigPei({
      tpm12Detect: () => cfgLib.probeTpm12(),
      tpm2RequestUse: async () => {
        try {
          await cfgLib.requestUseTpm();
          return true;
        } catch {
          return false;
        }
      },
    });
  }
  notes.push(...config.path.map((p) => `Tcg2ConfigPei: ${p}`));
  return config;
}

