import { snapshotVariables } from '@tcg2sim/uefi';
import { EFI_TCG2_EVENT_LOG_FORMAT } from '@tcg2sim/tcg2-dxe';
import { decompressMemFvsAsync } from '../sec.ts';
import { BootDigests } from './boot-digests.ts';
import { DigestWorker } from './digest-worker.ts';
import { readFirmwareVersionString } from '../platform-pei/firmware-version.ts';
import { buildFactsFromPeiFv } from '../platform-pei/peifv.ts';
import { refuseS3DeadLoop } from '../platform-pei/s3-verification.ts';
import { DEBIAN_2022_11_BUILD } from '../platform-pei/platform-info.ts';
import { TpmStack } from './tpm-stack.ts';
import { dxeUintnBytes } from './firmware-arch.ts';
import { PCD_TPM_INSTANCE_DEFAULT } from './modules/tcg2-config-pei.ts';
import { modulePresence } from './modules/stand-ins.ts';
import { unmeasuredEnd } from './modules/unmeasured.ts';
import { dispatchPei } from './modules/pei-dispatch.ts';
import { dispatchDxe, dxeListingUnmeasured } from './modules/dxe-dispatch.ts';
import { startTcg2Dxe, tcg2DxeUnit } from './modules/tcg2-dxe.ts';
import type { PeiContext } from './modules/context.ts';
import type { BootInput, BootResult } from './boot-types.ts';

export type { BootInput, BootResult } from './boot-types.ts';

/**
 * Boots OVMF in simulation: SEC, Tcg2ConfigPei, Tcg2Pei, Tcg2Dxe with the Secure Boot policy,
 * then BDS attempting the boot options until an application starts (the UEFI Shell on a VM
 * without disks). Every TPM command goes through tpm2-command-lib, the device library, the
 * register model and the backend. Each simulated module is a unit in boot/modules/, run only
 * when the image holds its module: a build without TPM2_ENABLE sends the TPM nothing and leaves
 * no log (modules/unmeasured.ts).
 */
export async function simulateBoot(input: BootInput): Promise<BootResult> {
  // SEC's LZMA decoding runs on the thread pool while the work that does not need its output
  // runs here: powering the TPM on (QEMU's part, whatever the firmware), reading the variable
  // store. The firmware's first TPM command waits for the image: only a build whose PEIFV holds
  // Tcg2ConfigPei talks to the TPM (its unit, at its place in PeiCore's dispatch).
  const secReady = input.sec ?? decompressMemFvsAsync(input.code);
  secReady.catch(() => undefined); // awaited below, also when something before fails
  const store = deferErrors(() => (input.vars === undefined ? undefined : snapshotVariables(input.vars)));
  let stack: TpmStack;
  try {
    // QEMU's tpm-emulator sets the TPM's buffer size from the interface, then powers it on.
    await input.backend.setBufferSize?.(input.tpmInterface === 'crb' ? 0xf80 : 0x1000);
    await input.backend.powerOn();
    stack = new TpmStack(input.backend, input.tpmInterface, input.clock);
  } catch (e) {
    await secReady; // a bad image is reported first, as when SEC ran before anything else
    throw e;
  }

  // Started while the main thread waits for SEC: its start-up overlaps the LZMA decoding without
  // competing with the work above (started with the boot, it made the whole run slower on a
  // loaded machine).
  const worker = input.digestWorker === true && input.digests === undefined ? new DigestWorker() : undefined;
  const sec = await secReady.catch((e: unknown) => {
    worker?.close();
    throw e;
  });
  if (sec.flash.image !== input.code) {
    worker?.close();
    throw new TypeError('simulateBoot: input.sec is not the SEC output of input.code');
  }
  try {
    // a VM this build never boots (S3Verification's dead loop) is refused, not predicted
    refuseS3DeadLoop(sec.peiFv, input.machine.s3);
  } catch (e) {
    worker?.close();
    throw e;
  }
  worker?.offer(sec.dxeFv.bytes);
  const dxeUintn = dxeUintnBytes(sec);
  const ctx: PeiContext = {
    input, stack, store, sec, worker, dxeUintn,
    config: PCD_TPM_INSTANCE_DEFAULT,
    notes: [],
    digests: input.digests ?? new BootDigests(worker),
    build: { ...buildFactsFromPeiFv(sec.peiFv.volume, DEBIAN_2022_11_BUILD), ia32Dxe: dxeUintn === 4 },
    version: readFirmwareVersionString(sec.peiFv.volume, sec.dxeFv.volume, input.firmwareVersion),
    measuredPeiFv: { bytes: sec.peiFv.bytes, notes: [] },
    dispatched: [],
  };
  await dispatchPei(ctx).finally(() => worker?.close());
  const { notes, measuredPeiFv, pei, dispatched, config } = ctx;
  const empty = (endState: string): BootResult => ({
    eventLog: new Uint8Array(),
    tcg12Log: undefined,
    finalEvents: new Uint8Array(),
    config,
    pei: undefined,
    dxeFacts: undefined,
    measuredPeiFv,
    sec,
    exchanges: stack.exchanges,
    notes,
    endState,
    dispatched,
  });
  if (pei === undefined) {
    dispatched.push(...dxeListingUnmeasured(sec, modulePresence(sec, 'DXE', tcg2DxeUnit.module).present ? 'Tcg2Pei measured nothing' : 'DXEFV has no Tcg2Dxe'));
    const u = unmeasuredEnd(ctx);
    return { ...empty(u.endState), ...(u.measuresNothing ? { measuresNothing: true } : {}), ...(u.unmodelled !== undefined ? { unmodelled: u.unmodelled } : {}) };
  }
  if (pei.outcome !== 'measured') return { ...empty(`PEI ended with ${pei.outcome}`), pei };
  const tcg2Dxe = modulePresence(sec, 'DXE', tcg2DxeUnit.module);
  if (!tcg2Dxe.present) {
    dispatched.push(...dxeListingUnmeasured(sec, 'DXEFV has no Tcg2Dxe'));
    // Tcg2Pei extended PCR0; without Tcg2Dxe no TCG2 log is published (no OvmfPkg build: TPM2_ENABLE adds both).
    return {
      ...empty('Tcg2Pei measured into PCR0, but DXEFV has no Tcg2Dxe: no TCG2 event log is published'),
      pei,
      unmodelled: 'Tcg2Pei without Tcg2Dxe (no OvmfPkg configuration builds this): the PEI measurements are in the TPM only',
    };
  }

  const dxeCtx = await startTcg2Dxe(ctx, pei);
  await dispatchDxe(dxeCtx);
  const { dxe } = dxeCtx;
  const tcg2 = dxe.area(EFI_TCG2_EVENT_LOG_FORMAT.TCG_2);
  const tcg12 = dxe.area(EFI_TCG2_EVENT_LOG_FORMAT.TCG_1_2);
  return {
    eventLog: tcg2?.used.slice() ?? new Uint8Array(),
    tcg12Log: tcg12?.used.slice(),
    finalEvents: dxe.finalEvents.bytes.subarray(0, 16).slice(),
    config,
    pei,
    dxeFacts: dxeCtx.facts,
    measuredPeiFv: dxeCtx.measuredPeiFv,
    sec,
    exchanges: stack.exchanges,
    notes,
    endState: dxeCtx.endState,
    ...(dxeCtx.acpiDataMeasured === true ? { acpiDataMeasured: true } : {}),
    ...(dxeCtx.smbiosMeasured === true ? { smbiosMeasured: true } : {}),
    ...(dxeCtx.bdsAssumed !== undefined ? { bdsAssumed: dxeCtx.bdsAssumed } : {}),
    ...(dxeCtx.unmodelled !== undefined ? { unmodelled: dxeCtx.unmodelled } : {}),
    dispatched,
  };
}

/**
 * Runs `fn` now and returns its result on each call, or throws its error on each call: work
 * done ahead of time whose failure still surfaces where the result is first used.
 */
function deferErrors<T>(fn: () => T): () => T {
  try {
    const v = fn();
    return () => v;
  } catch (e) {
    return () => {
      throw e;
    };
  }
}
