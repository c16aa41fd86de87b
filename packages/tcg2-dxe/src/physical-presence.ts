/**
 * The TCG2 physical-presence library Tcg2Dxe calls for SetActivePcrBanks and
 * GetResultOfSetActivePcrBanks, and OVMF's implementation of it
 * (OvmfPkg/Library/Tcg2PhysicalPresenceLibQemu, edk2-stable202211): requests are stored in the
 * QEMU PPI memory region (QEMU_TPM_PPI, OvmfPkg/Include/IndustryStandard/QemuTpm.h) that QEMU
 * keeps across reboots, and executed by the firmware on the next boot.
 */
import { fixedBytes, struct, u8, LE, decode, encode } from '@tcg2sim/binary-codec';
import type { Infer } from '@tcg2sim/binary-codec';

/** TCG_PP_SUBMIT_REQUEST_TO_PREOS_* (MdePkg/Include/IndustryStandard/TcgPhysicalPresence.h). */
export const TCG_PP_SUBMIT_REQUEST_TO_PREOS = {
  SUCCESS: 0,
  NOT_IMPLEMENTED: 1,
  GENERAL_FAILURE: 2,
  BLOCKED_BY_BIOS_SETTINGS: 3,
} as const;

/** TCG_PP_RETURN_TPM_OPERATION_RESPONSE_*. */
export const TCG_PP_RETURN_TPM_OPERATION_RESPONSE = { SUCCESS: 0, FAILURE: 1 } as const;

/** The TCG2 physical-presence operations Tcg2Dxe submits. */
export const TCG2_PHYSICAL_PRESENCE = { NO_ACTION: 0, SET_PCR_BANKS: 23 } as const;

/** Tcg2PhysicalPresenceLib as Tcg2Dxe uses it. */
export interface Tcg2PhysicalPresenceLib {
  /** Tcg2PhysicalPresenceLibSubmitRequestToPreOSFunction: a TCG_PP_SUBMIT_REQUEST_TO_PREOS code. */
  submitRequestToPreOSFunction(operationRequest: number, requestParameter: number): number;
  /** Tcg2PhysicalPresenceLibReturnOperationResponseToOsFunction. */
  returnOperationResponseToOsFunction(): { readonly returnCode: number; readonly mostRecentRequest: number; readonly response: number };
}

/**
 * QEMU_TPM_PPI (packed, 346 bytes): the memory QEMU shares between firmware and ACPI (`ppi=on`,
 * at 0xFED45000 on x86).
 */
export const QEMUTpmPpi = struct('QEMU_TPM_PPI', {
  func: fixedBytes('Func', 256),
  in: u8,
  ip: LE.u32,
  response: LE.u32,
  request: LE.u32,
  requestParameter: LE.u32,
  lastRequest: LE.u32,
  fRet: LE.u32,
  res1: fixedBytes('Res1', 0x40),
  nextStep: u8,
});
export type QEMUTpmPpi = Infer<typeof QEMUTpmPpi>;

/** QEMU_TPM_PPI_FUNC_ALLOWED_USR_REQ: TPM_PPI_FLAGS in the OVMF library. */
const TPM_PPI_FLAGS = 3;
/** The TCG2 operations the OVMF library enables in Func[] for a TPM 2.0. */
const TPM2_FUNCS = [0, 5, 14, 21, 22, 23, 24, 33, 96, 97] as const;

/** The fw_cfg file `etc/tpm/config` (QEMU_FWCFG_TPM_CONFIG). */
export interface QemuTpmConfig {
  readonly ppiAddress: number;
  /** QEMU_TPM_VERSION_1_2 (1) or _2 (2). */
  readonly tpmVersion: number;
  readonly ppiVersion: number;
}

/**
 * OVMF's Tcg2PhysicalPresenceLibQemu over a model of the QEMU PPI memory. `config` undefined
 * stands for a QEMU without `etc/tpm/config` (or `ppi=off`): every request then fails with
 * GENERAL_FAILURE. The region's state is public so a caller can inspect what the next boot
 * will execute (`ppi.request`, `ppi.requestParameter`) and what the last one did.
 */
export class QemuPhysicalPresence implements Tcg2PhysicalPresenceLib {
  readonly config: QemuTpmConfig | undefined;
  /** The PPI region as the firmware sees it (persists across reboots in QEMU). */
  ppi: QEMUTpmPpi;
  #initialised = false;

  /**
   * @param options.fwCfg the fw_cfg TPM config, or false for none; default: a TPM 2.0 with
   *   PPI 1.30 at 0xFED45000 (QEMU 7.2 tpm-tis / tpm-crb, `ppi=on`)
   * @param options.ppi the region's bytes as the previous boot left them (default all zero)
   */
  constructor(options: { readonly fwCfg?: QemuTpmConfig | false; readonly ppi?: Uint8Array } = {}) {
    this.config = options.fwCfg === false ? undefined : (options.fwCfg ?? { ppiAddress: 0xfed45000, tpmVersion: 2, ppiVersion: 1 });
    this.ppi = decode(QEMUTpmPpi, options.ppi ?? new Uint8Array(346));
  }

  /** The region's bytes. */
  get bytes(): Uint8Array {
    return encode(QEMUTpmPpi, this.ppi);
  }

  /** SET_PCR_BANKS bitmap waiting for the next boot, if that is the pending request. */
  get pendingPcrBanks(): number | undefined {
    return this.ppi.request === TCG2_PHYSICAL_PRESENCE.SET_PCR_BANKS ? this.ppi.requestParameter : undefined;
  }

  /** QemuTpmInitPPI: once per boot; fills Func[] and initialises an untouched region. */
  #init(): boolean {
    if (this.#initialised) return true;
    const c = this.config;
    if (c === undefined || c.ppiAddress === 0) return false;
    // The region must not cross a 4 KiB page.
    if (Math.floor(c.ppiAddress / 4096) !== Math.floor((c.ppiAddress + 346 - 1) / 4096)) return false;
    const func = new Uint8Array(256);
    if (c.tpmVersion === 2) for (const f of TPM2_FUNCS) func[f] = TPM_PPI_FLAGS;
    this.ppi = { ...this.ppi, func };
    if (this.ppi.in === 0) this.ppi = { ...this.ppi, in: 1, request: 0, lastRequest: 0, nextStep: 0 };
    this.#initialised = true;
    return true;
  }

  submitRequestToPreOSFunction(operationRequest: number, requestParameter: number): number {
    if (!this.#init()) return TCG_PP_SUBMIT_REQUEST_TO_PREOS.GENERAL_FAILURE;
    this.ppi = { ...this.ppi, request: operationRequest >>> 0, requestParameter: requestParameter >>> 0 };
    return TCG_PP_SUBMIT_REQUEST_TO_PREOS.SUCCESS;
  }

  returnOperationResponseToOsFunction(): { returnCode: number; mostRecentRequest: number; response: number } {
    if (!this.#init()) return { returnCode: TCG_PP_RETURN_TPM_OPERATION_RESPONSE.FAILURE, mostRecentRequest: 0, response: 0 };
    return { returnCode: TCG_PP_RETURN_TPM_OPERATION_RESPONSE.SUCCESS, mostRecentRequest: this.ppi.lastRequest, response: this.ppi.response };
  }
}
