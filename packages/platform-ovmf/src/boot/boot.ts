import { snapshotVariables } from '@tcg2sim/uefi';
import { TPM_INSTANCE_GUID } from '@tcg2sim/tcg2-config';
import { EFI_TCG2_EVENT_LOG_FORMAT } from '@tcg2sim/tcg2-dxe';
import { decompressMemFvsAsync } from '../sec.ts';
import { BootDigests } from './boot-digests.ts';
import { DigestWorker } from './digest-worker.ts';
import { readFirmwareVersionString } from '../platform-pei/firmware-version.ts';
import { buildFactsFromPeiFv } from '../platform-pei/peifv.ts';
import { DEBIAN_2022_11_BUILD } from '../platform-pei/platform-info.ts';
import { TpmStack } from './tpm-stack.ts';
import { dxeUintnBytes } from './firmware-arch.ts';
import { probeTcg2Config } from './modules/tcg2-config-pei.ts';
import type { Tcg2ConfigProbe } from './modules/tcg2-config-pei.ts';
import { dispatchPei } from './modules/pei-dispatch.ts';
import { dispatchDxe } from './modules/dxe-dispatch.ts';
import { startTcg2Dxe } from './modules/tcg2-dxe.ts';
import type { PeiContext } from './modules/context.ts';
import type { BootInput, BootResult } from './boot-types.ts';

export type { BootInput, BootResult } from './boot-types.ts';

/**
 * Boots OVMF in simulation: SEC, Tcg2ConfigPei, Tcg2Pei, Tcg2Dxe with the Secure Boot policy,
 * then BDS attempting the boot options until an application starts (the UEFI Shell on a VM
 * without disks). Every TPM command goes through tpm2-command-lib, the device library, the
 * register model and the backend. Each simulated module is a unit in boot/modules/.
 */
export async function simulateBoot(input: BootInput): Promise<BootResult> {
  // SEC's LZMA decoding runs on the thread pool while the work that does not need its output
  // runs here: powering the TPM on, reading the variable store, Tcg2ConfigPei (TPM commands only).
  const secReady = input.sec ?? decompressMemFvsAsync(input.code);
  secReady.catch(() => undefined); // awaited below, also when something before fails
  const store = deferErrors(() => (input.vars === undefined ? undefined : snapshotVariables(input.vars)));
  let stack: TpmStack;
  let probe: Tcg2ConfigProbe;
  try {
    // QEMU's tpm-emulator sets the TPM's buffer size from the interface, then powers it on.
    await input.backend.setBufferSize?.(input.tpmInterface === 'crb' ? 0xf80 : 0x1000);
    await input.backend.powerOn();
    stack = new TpmStack(input.backend, input.tpmInterface, input.clock);
    probe = await probeTcg2Config({ input, stack, store });
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
  worker?.offer(sec.dxeFv.bytes);
  const dxeUintn = dxeUintnBytes(sec);
  const config = probe.config;
  const ctx: PeiContext = {
    input, stack, store, sec, config, worker, dxeUintn,
    configNotes: probe.notes,
    notes: [],
    digests: input.digests ?? new BootDigests(worker),
    build: { ...buildFactsFromPeiFv(sec.peiFv.volume, DEBIAN_2022_11_BUILD), ia32Dxe: dxeUintn === 4 },
    version: readFirmwareVersionString(sec.peiFv.volume, sec.dxeFv.volume, input.firmwareVersion),
    measuredPeiFv: { bytes: sec.peiFv.bytes, notes: [] },
    dispatched: [],
  };
  await dispatchPei(ctx);
  worker?.close();
  const { notes, measuredPeiFv, pei, dispatched } = ctx;
  const empty = (): BootResult => ({
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
    endState: config.instanceGuid === TPM_INSTANCE_GUID.TPM12
      ? 'TPM 1.2 selected: Tcg2Pei and Tcg2Dxe do not run, nothing in the TCG2 log (the TPM 1.2 path is not modelled)'
      : 'no TPM 2.0: nothing measured',
    dispatched,
  });
  if (pei === undefined) return empty();
  if (pei.outcome !== 'measured') return { ...empty(), pei, endState: `PEI ended with ${pei.outcome}` };

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
