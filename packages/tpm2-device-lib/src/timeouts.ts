/**
 * EDK II's timeouts (µs) and polling (docs/edk2-pei.md §3.4; MdePkg TpmTis.h / TpmPtp.h).
 * Every wait loop reads the register, checks it, stalls 30 µs and counts only the stalls.
 */
import type { Clock } from '@tcg2sim/ptp';

/** The timeouts the driver uses; defaults are EDK II's. */
export interface Tpm2Timeouts {
  /** TIS_TIMEOUT_A: locality request. */
  readonly tisA: number;
  /** TIS_TIMEOUT_B: commandReady; the wait after a cancel. */
  readonly tisB: number;
  /** TIS_TIMEOUT_C: Expect clear after the last byte. */
  readonly tisC: number;
  /** TIS_TIMEOUT_D: burstCount non-zero. */
  readonly tisD: number;
  /** TIS_TIMEOUT_MAX: dataAvail after tpmGo. */
  readonly tisMax: number;
  /** PTP_TIMEOUT_A: CRB LOC_STS.Granted. */
  readonly ptpA: number;
  /** PTP_TIMEOUT_B: CRB START clear after a cancel. */
  readonly ptpB: number;
  /** PTP_TIMEOUT_C: CRB idle / ready transitions. */
  readonly ptpC: number;
  /** PTP_TIMEOUT_MAX: CRB START clear. */
  readonly ptpMax: number;
}

/** EDK II edk2-stable202211 values. */
export const EDK2_TIMEOUTS: Tpm2Timeouts = {
  tisA: 750_000,
  tisB: 2_000_000,
  tisC: 750_000,
  tisD: 750_000,
  tisMax: 90_000_000,
  ptpA: 750_000,
  ptpB: 2_000_000,
  ptpC: 200_000,
  ptpMax: 90_000_000,
};

/** The delay between two polls (MicroSecondDelay(30)). */
export const POLL_STEP_US = 30;

/** RETRY_CNT_MAX: CRB idle/ready attempts. */
export const CRB_RETRY_MAX = 3;

/**
 * After this many identical reads in a row, a poller asks the clock whether it may skip ahead
 * (VirtualClock with skipIdle); a real clock never skips.
 */
export const IDLE_POLLS = 256;

/**
 * Polls `read` until `(v & set) === set && (v & clear) === 0`, as TisPcWaitRegisterBits /
 * PtpCrbWaitRegisterBits do: read, check, stall 30 µs, count only the stalls.
 * @returns true on success, false once `timeoutUs` of stalls have passed.
 */
export async function waitRegisterBits(
  clock: Clock,
  read: () => number,
  set: number,
  clear: number,
  timeoutUs: number
): Promise<boolean> {
  let prev = -1;
  let same = 0;
  for (let waited = 0; waited < timeoutUs; waited += POLL_STEP_US) {
    const v = read();
    if ((v & set) === set && (v & clear) === 0) return true;
    if (v === prev && clock.skipIdle && ++same >= IDLE_POLLS) {
      // Reading the same value again and again changes nothing: let a virtual clock jump to the
      // next thing that can happen (its next timer) or to just before the deadline.
      const remaining = Math.floor((timeoutUs - waited) / POLL_STEP_US) - 1;
      waited += (await clock.skipIdle(remaining, POLL_STEP_US)) * POLL_STEP_US;
      same = 0;
    } else if (v !== prev) {
      prev = v;
      same = 0;
    }
    await clock.stall(POLL_STEP_US);
  }
  return false;
}
