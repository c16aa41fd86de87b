/**
 * BdsDxe's notes on ImageLocationInMemory (the image-load address in the image events' data):
 * whether the calibrated models cover this build, machine, devices and variable store.
 */
import { EFI_GLOBAL_VARIABLE } from '@tcg2sim/tcg2-dxe';
import {
  diskBufferNote, machineShift, shellBufferCalibrated, usedStoreShift, CALIBRATED_WITH_TEMPLATE_WITHOUT_TCG2, secureBootStateNote,
} from '../image-buffer.ts';
import { devicesShift } from '../device-footprints.ts';
import type { DxeContext } from './context.ts';

export function imageBufferNotes(ctx: DxeContext): void {
  const { input, notes, calibration, history, vars, dxe } = ctx;
  if (input.disk !== undefined && input.imageBufferAddress === undefined) notes.push(diskBufferNote(calibration, input.disk));
  const unmeasured = devicesShift(calibration, input.machine.machine, input.disk !== undefined ? 'disk' : 'shell', input.devices ?? []).unmeasured;
  if (unmeasured.length > 0 && input.imageBufferAddress === undefined) notes.push(`image buffer address: no measured footprint for ${unmeasured.join(', ')} (their drivers' allocations move ImageLocationInMemory: a guess; use --image-buffer-address)`);
  const bufferCtxBase = { machine: input.machine, activePcrBanks: dxe.capability.activePcrBanks, calibration, diskAttached: input.disk !== undefined };
  if (input.imageBufferAddress === undefined && input.disk === undefined && !machineShift(calibration, input.machine).calibrated) {
    notes.push(`image buffer address: not calibrated for ${input.machine.cpus} CPUs${input.machine.s3 ? '' : ' with S3 disabled'}${input.machine.defaultCdrom ? '' : ' without the default devices'} (ImageLocationInMemory assumes 1 CPU with S3; use --image-buffer-address)`);
  }
  const sbNote = secureBootStateNote(calibration, (vars.get('SecureBoot', EFI_GLOBAL_VARIABLE)?.[0] ?? 0) === 1);
  notes.push(
    input.imageBufferAddress !== undefined
      ? 'image buffer address: given'
      : !shellBufferCalibrated(calibration, input.machine.machine)
        ? 'image buffer address: not calibrated for this build and machine (ImageLocationInMemory is an estimate; use --image-buffer-address)'
        : input.disk === undefined && sbNote !== undefined
          ? sbNote
          : history.kind === 'fresh' || (history.kind === 'partial' && !history.tcg2VersionStored && CALIBRATED_WITH_TEMPLATE_WITHOUT_TCG2.has(calibration))
            ? `image buffer address: calibrated for this firmware build and machine (${history.kind === 'fresh' ? 'fresh variable store' : 'VARS template without TCG2 variables'})`
            : history.kind === 'booted' && usedStoreShift({ ...bufferCtxBase, fileSize: 0, tsegBytes: 0 }) !== undefined
              ? 'image buffer address: calibrated for this firmware build and machine (variable store left by an earlier boot to the Shell)'
              : `image buffer address: not calibrated for this variable store (${history.kind === 'booted' ? 'used by an earlier boot' : `partly initialised, lacks ${history.missing.join(', ')}`}; ImageLocationInMemory is the fresh-store value; use --image-buffer-address)`
  );
}
