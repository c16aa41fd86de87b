/**
 * The TCG2 configuration variables in a real variable store (OVMF_VARS*.fd), as Tcg2ConfigDxe
 * (SecurityPkg/Tcg/Tcg2Config/Tcg2ConfigDriver.c) writes them and Tcg2ConfigPei reads them:
 * TCG2_CONFIGURATION { UINT8 TpmDevice } and TCG2_DEVICE_DETECTION { UINT8 TpmDeviceDetected },
 * vendor gTcg2ConfigFormSetGuid, attributes NV|BS. Writes go through the variable driver model
 * of @tcg2sim/uefi (power-loss-safe record states, reclaim through FTW), in place.
 */
import { deleteVariable, snapshotVariables, setVariable, VARIABLE_ATTRIBUTE } from '@tcg2sim/uefi';
import type { UefiVariable, WriteOptions, WriteResult } from '@tcg2sim/uefi';
import { TCG2_CONFIG_FORMSET_GUID, TCG2_VARIABLE, TPM_DEVICE } from './tcg2-config.ts';
import type { TpmDevice } from './tcg2-config.ts';

/** EFI_VARIABLE_NON_VOLATILE | EFI_VARIABLE_BOOTSERVICE_ACCESS: what Tcg2ConfigDxe uses for both. */
export const TCG2_CONFIG_ATTRIBUTES = VARIABLE_ATTRIBUTE.NV | VARIABLE_ATTRIBUTE.BS;

/** CLI names of the TPM_DEVICE values; `auto` = no TCG2_CONFIGURATION variable. */
export const TPM_DEVICE_NAME = { none: TPM_DEVICE.NULL, 'dtpm1.2': TPM_DEVICE.TPM_1_2, dtpm2: TPM_DEVICE.TPM_2_0_DTPM } as const;
export type TpmDeviceName = keyof typeof TPM_DEVICE_NAME | 'auto';

/** One of the variables as stored. */
export interface Tcg2ConfigVariable {
  readonly data: Uint8Array;
  readonly attributes: number;
  /** The byte, when the data is exactly one byte (what the 1-byte GetVariable of both modules reads). */
  readonly value: number | undefined;
  /** True when the attributes are the NV|BS Tcg2ConfigDxe uses. */
  readonly attributesAsEdk2: boolean;
}

/** The TCG2 configuration in a store. */
export interface Tcg2ConfigState {
  readonly configuration: Tcg2ConfigVariable | undefined;
  readonly deviceDetection: Tcg2ConfigVariable | undefined;
  /** TCG2_VERSION raw data (PpiVersion UINT64 + Tpm2AcpiTableRev), when present. */
  readonly version: Uint8Array | undefined;
  /**
   * TpmDevice as SecurityPkg's Tcg2ConfigPei uses it after its validation: absent, unreadable
   * or outside [1, 2] → TPM_DEVICE_DEFAULT (1, TPM 1.2).
   */
  readonly effectiveDevice: TpmDevice;
  /** Why effectiveDevice is what it is. */
  readonly effectiveReason: string;
}

function view(v: UefiVariable | undefined): Tcg2ConfigVariable | undefined {
  if (v === undefined) return undefined;
  return { data: v.data, attributes: v.attributes, value: v.data.length === 1 ? v.data[0] : undefined, attributesAsEdk2: v.attributes === TCG2_CONFIG_ATTRIBUTES };
}

/** Reads the TCG2 variables (after the boot-time recovery a boot would do). @throws VarStoreError, DecodeError */
export function readTcg2Config(image: Uint8Array): Tcg2ConfigState {
  const snap = snapshotVariables(image);
  const configuration = view(snap.get(TCG2_VARIABLE.CONFIGURATION, TCG2_CONFIG_FORMSET_GUID));
  const deviceDetection = view(snap.get(TCG2_VARIABLE.DEVICE_DETECTION, TCG2_CONFIG_FORMSET_GUID));
  const version = snap.get(TCG2_VARIABLE.VERSION, TCG2_CONFIG_FORMSET_GUID)?.data;
  let effectiveDevice: TpmDevice = TPM_DEVICE.TPM_1_2;
  let effectiveReason: string;
  if (configuration === undefined) effectiveReason = 'TCG2_CONFIGURATION absent: TPM_DEVICE_DEFAULT (1)';
  else if (configuration.value === undefined) effectiveReason = `TCG2_CONFIGURATION has ${configuration.data.length} bytes (EFI_BUFFER_TOO_SMALL): TPM_DEVICE_DEFAULT (1)`;
  else if (configuration.value === 1 || configuration.value === 2) {
    effectiveDevice = configuration.value;
    effectiveReason = `TCG2_CONFIGURATION = ${configuration.value}`;
  } else effectiveReason = `TCG2_CONFIGURATION = ${configuration.value} is outside [1, 2]: TPM_DEVICE_DEFAULT (1)`;
  return { configuration, deviceDetection, version, effectiveDevice, effectiveReason };
}

/** What {@link writeTcg2Config} changes; omitted fields are left as they are. */
export interface Tcg2ConfigChange {
  /** TCG2_CONFIGURATION.TpmDevice; `auto` deletes the variable. */
  readonly device?: TpmDeviceName;
  /** TCG2_DEVICE_DETECTION.TpmDeviceDetected; `delete` deletes the variable. */
  readonly detected?: keyof typeof TPM_DEVICE_NAME | 'delete';
}

/** Per variable: what the driver did. */
export interface Tcg2ConfigWrite {
  readonly name: string;
  readonly result: WriteResult | 'absent';
}

function put(image: Uint8Array, name: string, value: number | undefined, options: WriteOptions): Tcg2ConfigWrite {
  if (value === undefined) {
    const snap = snapshotVariables(image, options);
    if (snap.get(name, TCG2_CONFIG_FORMSET_GUID) === undefined) return { name, result: 'absent' };
    return { name, result: deleteVariable(image, name, TCG2_CONFIG_FORMSET_GUID, options) };
  }
  return { name, result: setVariable(image, { name, guid: TCG2_CONFIG_FORMSET_GUID, attributes: TCG2_CONFIG_ATTRIBUTES, data: Uint8Array.of(value) }, options) };
}

/**
 * Writes the TCG2 variables in place, as SetVariable with NV|BS (Tcg2ConfigDxe's attributes).
 * With `powerLossAfter`, the power is cut as in {@link setVariable} (VarStoreError POWER_LOSS,
 * `image` holds the flash at the cut).
 * @throws VarStoreError, DecodeError
 */
export function writeTcg2Config(image: Uint8Array, change: Tcg2ConfigChange, options: WriteOptions = {}): Tcg2ConfigWrite[] {
  const out: Tcg2ConfigWrite[] = [];
  if (change.device !== undefined) {
    out.push(put(image, TCG2_VARIABLE.CONFIGURATION, change.device === 'auto' ? undefined : TPM_DEVICE_NAME[change.device], options));
  }
  if (change.detected !== undefined) {
    out.push(put(image, TCG2_VARIABLE.DEVICE_DETECTION, change.detected === 'delete' ? undefined : TPM_DEVICE_NAME[change.detected], options));
  }
  return out;
}
