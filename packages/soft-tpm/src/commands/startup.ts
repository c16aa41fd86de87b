/**
 * TPM2_Startup, TPM2_Shutdown, TPM2_SelfTest, TPM2_GetTestResult (Part 3, 9.3-10.4) as libtpms
 * 0.9 StartupCommands.c / TestingCommands.c behave.
 */
import { command, EMPTY, type ExecContext } from '../command.ts';
import { RC, RC_1, RC_P, SU } from '../constants.ts';
import { pcrStartup, pcrStateSave } from '../pcr.ts';
import { readSu, readYesNo } from '../wire.ts';
import { hasAttr } from '../nv.ts';
import { NV_ATTR } from '../constants.ts';

const P1 = RC_P + RC_1;

function startup(ctx: ExecContext, type: number): number {
  const { state, locality } = ctx;
  const p = state.persistent;
  const vol = state.volatile;
  if (locality !== 0 && locality !== 3) return RC.LOCALITY;
  const effectiveLocality = vol.drtmPreStartup ? 0 : locality;
  const startupLocality3 = effectiveLocality === 3;
  const prevState = p.orderly === 'state';
  if (type === SU.STATE) {
    if (!prevState || p.saved === null) return RC.VALUE + P1;
    if (vol.drtmPreStartup !== p.saved.drtmPreStartup) return RC.VALUE + P1;
    if (startupLocality3 !== p.saved.startupLocality3) return RC.LOCALITY;
  }
  // USE_DA_USED: the DA-used mark is consumed by Startup. A cycle that used a DA-protected
  // authorization and ended without an orderly shutdown counts as one failure (DAStartup:
  // failedTries += g_daUsed, then g_daUsed = FALSE), unless the TPM is already locked out.
  vol.daUsed = p.daUsedMark;
  p.daUsedMark = false;
  if (vol.daUsed && p.failedTries < 3) {
    p.failedTries += 1;
    vol.daUsed = false;
  }
  vol.startupLocality3 = startupLocality3;
  vol.prevOrderly = p.orderly !== 'none';
  const kind = prevState ? (type === SU.STATE ? 'resume' : 'restart') : 'reset';
  if (kind === 'resume' && p.saved !== null) {
    vol.pcrCounter = p.saved.pcrCounter;
    vol.platformAuth = Uint8Array.from(p.saved.platformAuth);
  } else {
    // HierarchyStartup for Reset/Restart: platform hierarchy back on with an empty authValue.
    vol.platformAuth = new Uint8Array(0);
    vol.phEnable = true;
    vol.phEnableNV = true;
    vol.shEnable = true;
    vol.ehEnable = true;
  }
  if (kind === 'restart') vol.pcrCounter = p.saved?.pcrCounter ?? 0;
  pcrStartup(state, kind, effectiveLocality);
  switch (kind) {
    case 'resume':
      p.restartCount = (p.restartCount + 1) >>> 0;
      break;
    case 'restart':
      p.clearCount = (p.clearCount + 1) >>> 0;
      p.restartCount = (p.restartCount + 1) >>> 0;
      break;
    case 'reset':
      p.clearCount = 0;
      p.resetCount = (p.resetCount + 1) >>> 0;
      p.restartCount = 0;
      break;
  }
  if (kind !== 'resume') {
    // NvEntityStartup: TPMA_NV_CLEAR_STCLEAR indices lose their data on Reset/Restart.
    for (const n of p.nv) {
      if (hasAttr(n.pub.attributes, NV_ATTR.CLEAR_STCLEAR)) n.pub.attributes = (n.pub.attributes & ~NV_ATTR.WRITTEN) >>> 0;
    }
  }
  vol.objects = vol.objects.map(() => null);
  vol.drtmSlot = -1;
  p.orderly = 'none';
  vol.started = true;
  return RC.SUCCESS;
}

/** TPM2_Startup: CLEAR (TPM Reset, or Restart after Shutdown(STATE)) or STATE (Resume). */
export const Startup = command({
  cc: 0x144,
  name: 'Startup',
  noSessions: true,
  parse: (p) => {
    const type = p.next(readSu);
    return (ctx) => {
      const rc = startup(ctx, type);
      return rc === RC.SUCCESS ? EMPTY : rc;
    };
  },
});

/** TPM2_Shutdown: record the orderly state; STATE saves PCRs 0-15 and the clear-state data. */
export const Shutdown = command({
  cc: 0x145,
  name: 'Shutdown',
  parse: (p) => {
    const type = p.next(readSu);
    return ({ state }) => {
      const vol = state.volatile;
      // libtpms refuses Shutdown(STATE) after a PCR_Allocate in this cycle (g_pcrReConfig).
      if (vol.pcrReConfig && type === SU.STATE) return RC.TYPE + P1;
      state.persistent.orderly = type === SU.STATE ? 'state' : 'clear';
      state.persistent.daUsedMark = false;
      vol.daUsed = false;
      if (type === SU.STATE) {
        state.persistent.saved = {
          pcrs: pcrStateSave(vol),
          pcrCounter: vol.pcrCounter,
          platformAuth: Uint8Array.from(vol.platformAuth),
          startupLocality3: vol.startupLocality3,
          drtmPreStartup: vol.drtmPreStartup,
        };
      }
      return EMPTY;
    };
  },
});

/** TPM2_SelfTest: libtpms tests its algorithms synchronously and answers TPM_RC_SUCCESS. */
export const SelfTest = command({
  cc: 0x143,
  name: 'SelfTest',
  parse: (p) => {
    p.next(readYesNo);
    return ({ state }) => {
      state.volatile.selfTested = true;
      return EMPTY;
    };
  },
});

/** TPM2_GetTestResult: empty outData, testResult TPM_RC_SUCCESS. */
export const GetTestResult = command({
  cc: 0x17c,
  name: 'GetTestResult',
  parse: () => () => ({ params: Uint8Array.of(0, 0, 0, 0, 0, 0) }),
});
