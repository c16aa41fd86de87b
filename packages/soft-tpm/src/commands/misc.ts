/**
 * TPM2_GetCapability, GetRandom, ReadClock (Part 3, 16.1, 29.1, 30.2).
 */
import { ByteWriter } from '@tcg2sim/binary-codec';
import { getCapability } from '../capabilities.ts';
import { command } from '../command.ts';
import { RC, RC_1, RC_P } from '../constants.ts';
import { writeTimeInfo } from '../marshal.ts';
import { randomBytes } from '../random.ts';
import { fail } from '../wire.ts';

/** TPM_CAP values libtpms 0.9 unmarshals (anything else: TPM_RC_VALUE). */
const KNOWN_CAPS: readonly number[] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0x100];

/** TPM2_GetCapability. */
export const GetCapability = command({
  cc: 0x17a,
  name: 'GetCapability',
  parse: (p) => {
    const capability = p.next((r) => {
      const c = r.u32();
      if (!KNOWN_CAPS.includes(c)) fail(RC.VALUE);
      return c;
    });
    const property = p.next((r) => r.u32());
    const count = p.next((r) => r.u32());
    return ({ state }) => {
      const out = getCapability(state, capability, property, count);
      return typeof out === 'number' ? out : { params: out };
    };
  },
});

/** TPM2_GetRandom: at most 64 bytes (sizeof(TPMU_HA)), from the seeded generator. */
export const GetRandom = command({
  cc: 0x17b,
  name: 'GetRandom',
  parse: (p) => {
    const requested = p.next((r) => r.u16());
    return ({ state }) => {
      const n = Math.min(requested, 64);
      const w = new ByteWriter(2 + n);
      w.u16be(n).bytes(randomBytes(state.persistent, n));
      return { params: w.finish() };
    };
  },
});

/** TPM2_ReadClock: TPMS_TIME_INFO from the injected clock (milliseconds). */
export const ReadClock = command({
  cc: 0x181,
  name: 'ReadClock',
  parse: () => ({ state, clockMs }) => {
    const ms = Math.max(0, Math.floor(clockMs));
    const time = Math.max(0, ms - state.volatile.clockBase);
    const w = new ByteWriter(25);
    writeTimeInfo(w, time, ms, state.persistent.resetCount, state.persistent.restartCount, true);
    return { params: w.finish() };
  },
});

/** Parameter-number helper for command-level TPM_RC_VALUE etc. */
export const P1 = RC_P + RC_1;
