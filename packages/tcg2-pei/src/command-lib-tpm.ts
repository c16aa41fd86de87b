import {
  GetCapability, PCRAllocate, PCRExtend, PCRRead, SelfTest, Startup, TPM_CAP, TPM_RH, TPM_SU, TpmResponseError, encodeCommand,
  execute, responseCode,
} from '@tcg2sim/tpm2-command-lib';
import type { TpmTransport } from '@tcg2sim/tpm2-command-lib';
import { Tcg2Error } from '@tcg2sim/binary-codec';
import { HASH_ALGS } from '@tcg2sim/hash-lib';
import type { BankDigest } from '@tcg2sim/hash-lib';
import type { Tcg2PeiTpm } from './tcg2-pei.ts';

/** The device library as Tcg2Pei uses it: Tpm2RequestUseTpm and Tpm2SubmitCommand. */
export interface PeiDeviceLib extends TpmTransport {
  requestUseTpm(): Promise<void>;
  /**
   * Tpm2SubmitCommand with the caller's response buffer size (`*OutputParameterBlockSize`):
   * a larger response fails with EFI_BUFFER_TOO_SMALL. Optional: without it the response size
   * is not limited here.
   */
  submit(command: Uint8Array, options?: { readonly maxResponseSize?: number }): Promise<Uint8Array>;
}

/** The EFI_STATUS a Tpm2CommandLib / Tpm2DeviceLib call returned (error statuses only). */
export type PeiEfiError = 'DEVICE_ERROR' | 'BUFFER_TOO_SMALL' | 'TIMEOUT' | 'NOT_FOUND' | 'UNSUPPORTED';

/**
 * A TPM command failed. `code` is the EFI_STATUS Tpm2CommandLib returned: EFI_DEVICE_ERROR for
 * a non-zero response code (and transport failures the device library reports that way), or the
 * device library's own status (EFI_BUFFER_TOO_SMALL, EFI_TIMEOUT, …). Tcg2Pei treats only
 * EFI_DEVICE_ERROR as "disable the TPM" (docs/edk2-pei.md §5.8, §5.10).
 */
export class PeiTpmCommandError extends Tcg2Error {
  override readonly name = 'PeiTpmCommandError';
  readonly code: PeiEfiError;

  constructor(code: PeiEfiError, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/**
 * The EFI_STATUS EDK II's Tpm2DeviceLibDTpm returns for a failed transaction, from a device
 * library error's `code` (tpm2-device-lib ProtocolError codes, docs/edk2-pei.md §3.5-§3.7).
 * Undefined for errors that are not transport failures.
 */
export function efiStatusOfTransportError(e: unknown): PeiEfiError | undefined {
  if (!(e instanceof Tcg2Error) || !('code' in e) || typeof e.code !== 'string') return undefined;
  switch (e.code) {
    case 'NO_DEVICE':
      return 'NOT_FOUND';
    case 'TIMEOUT_A':
      return 'TIMEOUT';
    case 'TIMEOUT_C':
    case 'BAD_RESPONSE_SIZE':
    case 'COMMAND_TOO_LARGE':
      return 'BUFFER_TOO_SMALL';
    case 'BAD_RESPONSE_TAG':
      return 'UNSUPPORTED';
    case 'TIMEOUT_B':
    case 'TIMEOUT_D':
    case 'TIMEOUT_MAX':
    case 'LOCALITY_LOST':
    case 'DEVICE_ERROR':
      return 'DEVICE_ERROR';
    default:
      return undefined;
  }
}

/** Response struct sizes of Tpm2CommandLib (docs/edk2-pei.md §7.1; IA32 = X64). */
const RESPONSE_BUFFER = { PCR_EXTEND: 147, PCR_ALLOCATE: 160 } as const;

/** One PCR bit in a 3-byte pcrSelect (sizeofSelect 3, as EDK II sends). */
function pcrSelect3(pcrIndex: number): Uint8Array {
  const s = new Uint8Array(3);
  s[pcrIndex >> 3] = 1 << (pcrIndex & 7);
  return s;
}

/**
 * Tcg2Pei's TPM operations as Tpm2CommandLib encodes them (docs/edk2-pei.md §7), over the
 * firmware device library.
 */
export function commandLibTpm(lib: PeiDeviceLib, options: CommandLibOptions = {}): Tcg2PeiTpm {
  const debug = options.debugCode ?? true;
  const rethrow = (what: string, e: unknown): never => {
    if (e instanceof TpmResponseError) throw new PeiTpmCommandError('DEVICE_ERROR', `${what}: ${e.message}`, { cause: e });
    const st = efiStatusOfTransportError(e);
    if (st !== undefined) throw new PeiTpmCommandError(st, `${what}: ${String(e)}`, { cause: e });
    throw e;
  };
  /** Submit and check only the response code, as Tpm2PcrExtend / Tpm2PcrAllocate do. */
  const submitRc = async (what: string, cmd: Uint8Array, maxResponseSize: number): Promise<void> => {
    let rsp: Uint8Array;
    try {
      rsp = await lib.submit(cmd, { maxResponseSize });
    } catch (e) {
      return rethrow(what, e);
    }
    if (rsp.length > maxResponseSize) throw new PeiTpmCommandError('BUFFER_TOO_SMALL', `${what}: response of ${rsp.length} bytes`);
    const rc = responseCode(rsp);
    if (rc !== 0) throw new PeiTpmCommandError('DEVICE_ERROR', `${what}: response code 0x${rc.toString(16)}`);
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
        if (data.capability !== TPM_CAP.PCRS || !('assignedPCR' in data.data)) {
          throw new PeiTpmCommandError('DEVICE_ERROR', 'GetCapability(PCRS): unexpected capability');
        }
        return data.data.assignedPCR.pcrSelections;
      } catch (e) {
        if (e instanceof PeiTpmCommandError) throw e;
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
      const cmd = encodeCommand(PCRExtend, {
        handles: { pcrHandle: pcrIndex },
        params: { digests: { digests: digests.map((d) => ({ hashAlg: d.alg, digest: d.digest })) } },
      });
      await submitRc('TPM2_PCR_Extend', cmd, RESPONSE_BUFFER.PCR_EXTEND);
      // Tpm2PcrExtend's DEBUG_CODE block (active in OVMF's RELEASE builds): read the PCR back.
      if (debug) await pcrReadForActiveBank(tpm, pcrIndex);
    },
    async pcrAllocate(supported, allocate) {
      const sel = HASH_ALGS.filter((h) => (supported & h.bitmap) !== 0).map((h) => ({
        hash: h.alg,
        pcrSelect: (allocate & h.bitmap) !== 0 ? Uint8Array.of(0xff, 0xff, 0xff) : new Uint8Array(3),
      }));
      const cmd = encodeCommand(PCRAllocate, { handles: { authHandle: TPM_RH.PLATFORM }, params: { pcrAllocation: { pcrSelections: sel } } });
      await submitRc('TPM2_PCR_Allocate', cmd, RESPONSE_BUFFER.PCR_ALLOCATE);
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
