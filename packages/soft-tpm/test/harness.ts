/** Test helpers: tpm2-command-lib's command runner over an in-process SoftTpm. */
import { execute, Startup, TPM_SU, TpmResponseError } from '@tcg2sim/tpm2-command-lib';
import type { CommandDecl, CommandInput, CommandOutput } from '@tcg2sim/tpm2-command-lib';
import { expect } from 'chai';
import { SoftTpm, type SoftTpmOptions } from '@tcg2sim/soft-tpm';

/** A powered-on soft TPM (a new one, or `existing` as it is) with a `run` helper; `started` also sends Startup(CLEAR). */
export function harness(options: SoftTpmOptions = {}, started = true, existing?: SoftTpm): {
  tpm: SoftTpm;
  run: <HN extends string, P, RHN extends string, R>(decl: CommandDecl<HN, P, RHN, R>, input: CommandInput<HN, P>, locality?: number) => Promise<CommandOutput<RHN, R>>;
  startup: (type?: number, locality?: number) => Promise<unknown>;
} {
  const tpm = existing ?? new SoftTpm(options);
  if (existing === undefined) tpm.powerOn();
  const run = <HN extends string, P, RHN extends string, R>(decl: CommandDecl<HN, P, RHN, R>, input: CommandInput<HN, P>, locality = 0): Promise<CommandOutput<RHN, R>> =>
    execute({ submit: (c) => Promise.resolve(tpm.execute(c, locality)) }, decl, input);
  const startup = (type: number = TPM_SU.CLEAR, locality = 0): Promise<unknown> => run(Startup, { handles: {}, params: { startupType: type } }, locality);
  if (started && existing === undefined) tpm.execute(Uint8Array.of(0x80, 0x01, 0, 0, 0, 0x0c, 0, 0, 0x01, 0x44, 0, 0));
  return { tpm, run, startup };
}

/** Expect `p` to reject with a TpmResponseError of exactly `rc`. */
export async function rejectsWith(p: Promise<unknown>, rc: number): Promise<void> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(TpmResponseError);
    if (e instanceof TpmResponseError) expect(e.rc, e.message).to.equal(rc);
    return;
  }
  expect.fail(`expected TPM_RC 0x${rc.toString(16)}`);
}

/** The 4-byte response code of a raw response. */
export function rcOf(rsp: Uint8Array): number {
  return new DataView(rsp.buffer, rsp.byteOffset, rsp.byteLength).getUint32(6);
}
