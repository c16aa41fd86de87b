import {
  GetCapability, PCRAllocate, PCRExtend, PCRRead, SelfTest, Startup, TPM_CAP, TPM_RH, TPM_SU, TpmResponseError, execute,
} from '@tcg2sim/tpm2-command-lib';
import type { TpmTransport } from '@tcg2sim/tpm2-command-lib';
import { HASH_ALGS } from '@tcg2sim/hash-lib';
import type { BankDigest } from '@tcg2sim/hash-lib';
import type { Tcg2PeiTpm } from './tcg2-pei.ts';

/** The device library as Tcg2Pei uses it: Tpm2RequestUseTpm and Tpm2SubmitCommand. */
export interface PeiDeviceLib extends TpmTransport {
  requestUseTpm(): Promise<void>;
}

/** A TPM command failed in a way Tpm2CommandLib reports as EFI_DEVICE_ERROR. */
export class PeiTpmCommandError extends Error {
  override readonly name = 'PeiTpmCommandError';
  readonly code = 'DEVICE_ERROR' as const;
}

/** One PCR bit in a 3-byte pcrSelect (sizeofSelect 3, as EDK II sends). */
function pcrSelect3(pcrIndex: number): Uint8Array {
  const s = new Uint8Array(3);
  s[pcrIndex >> 3] = 1 << (pcrIndex & 7);
  return s;
}

/**
 * Tcg2Pei's TPM operations as Tpm2CommandLib encodes them (edk2-pei-facts §7), over the
 * firmware device library.
 */
export function commandLibTpm(lib: PeiDeviceLib, options: CommandLibOptions = {}): Tcg2PeiTpm {
  const debug = options.debugCode ?? true;
  const rethrow = (what: string, e: unknown): never => {
    if (e instanceof TpmResponseError) throw new PeiTpmCommandError(`${what}: ${e.message}`, { cause: e });
    throw e;
  };
  const tpm: Tcg2PeiTpm = {
    requestUseTpm: () => lib.requestUseTpm(),
    async startup(su) {
      try {
        await execute(lib, Startup, { handles: {}, params: { startupType: su === 'CLEAR' ? TPM_SU.CLEAR : TPM_SU.STATE } });
        return 0;
      } catch (e) {
        if (e instanceof TpmResponseError) return e.rc;
        throw e;
      }
    },
    async getCapabilityPcrs() {
      try {
        const out = await execute(lib, GetCapability, { handles: {}, params: { capability: TPM_CAP.PCRS, property: 0, propertyCount: 1 } });
        const data = out.params.capabilityData;
        if (data.capability !== TPM_CAP.PCRS || !('assignedPCR' in data.data)) throw new PeiTpmCommandError('GetCapability(PCRS): unexpected capability');
        return data.data.assignedPCR.pcrSelections;
      } catch (e) {
        return rethrow('TPM2_GetCapability', e);
      }
    },
    async selfTest(fullTest) {
      try {
        await execute(lib, SelfTest, { handles: {}, params: { fullTest: fullTest ? 1 : 0 } });
      } catch (e) {
        // Tpm2SelfTest: the response code is ignored, only transport errors count.
        if (!(e instanceof TpmResponseError)) throw e;
      }
    },
    async pcrRead(pcrIndex, algs) {
      try {
        await execute(lib, PCRRead, {
          handles: {},
          params: { pcrSelectionIn: { pcrSelections: algs.map((hash) => ({ hash, pcrSelect: pcrSelect3(pcrIndex) })) } },
        });
      } catch (e) {
        rethrow('TPM2_PCR_Read', e);
      }
    },
    async pcrExtend(pcrIndex, digests: readonly BankDigest[]) {
      try {
        await execute(lib, PCRExtend, {
          handles: { pcrHandle: pcrIndex },
          params: { digests: { digests: digests.map((d) => ({ hashAlg: d.alg, digest: d.digest })) } },
        });
      } catch (e) {
        rethrow('TPM2_PCR_Extend', e);
      }
      // Tpm2PcrExtend's DEBUG_CODE block (active in OVMF's RELEASE builds): read the PCR back.
      if (debug) await pcrReadForActiveBank(tpm, pcrIndex);
    },
    async pcrAllocate(supported, allocate) {
      const sel = HASH_ALGS.filter((h) => (supported & h.bitmap) !== 0).map((h) => ({
        hash: h.alg,
        pcrSelect: (allocate & h.bitmap) !== 0 ? Uint8Array.of(0xff, 0xff, 0xff) : new Uint8Array(3),
      }));
      try {
        await execute(lib, PCRAllocate, { handles: { authHandle: TPM_RH.PLATFORM }, params: { pcrAllocation: { pcrSelections: sel } } });
      } catch (e) {
        rethrow('TPM2_PCR_Allocate', e);
      }
    },
  };
  return tpm;
}

/** Options of {@link commandLibTpm}. */
export interface CommandLibOptions {
  /** Run the DEBUG_CODE blocks (OVMF's PcdDebugPropertyMask 0x2F enables them in RELEASE). */
  readonly debugCode?: boolean;
}

/**
 * DEBUG_CODE Tpm2PcrReadForActiveBank: Tpm2GetCapabilityPcrs, then
 * Tpm2GetCapabilitySupportedAndActivePcrs (a second GetCapability), then TPM2_PCR_Read of the
 * PCR in every active bank. The result is only logged; failures are ignored.
 */
export async function pcrReadForActiveBank(tpm: Tcg2PeiTpm, pcrIndex: number): Promise<void> {
  try {
    await tpm.getCapabilityPcrs();
    const sel = await tpm.getCapabilityPcrs();
    const algs = sel.filter((s) => HASH_ALGS.some((h) => h.alg === s.hash) && s.pcrSelect.some((b) => b !== 0)).map((s) => s.hash);
    await tpm.pcrRead(pcrIndex, algs);
  } catch {
    // Only logged by the firmware.
  }
}
