import { EV, encodeVariableData } from '@tcg2sim/event-log';
import type { EfiStatus } from './efi-status.ts';
import type { Tcg2Dxe } from './tcg2-dxe.ts';

/** gEfiGlobalVariableGuid. */
export const EFI_GLOBAL_VARIABLE = '8BE4DF61-93CA-11D2-AA0D-00E098032B8C';
/** gEfiImageSecurityDatabaseGuid. */
export const EFI_IMAGE_SECURITY_DATABASE = 'D719B2CB-3D3A-4596-A3BC-DAD00E67656F';

/** Read access to UEFI variables (GetVariable / GetVariable2). */
export interface VariableReader {
  /** The variable's data, or undefined when it does not exist. */
  get(name: string, guid: string): Uint8Array | undefined;
}

/** EV_EFI_ACTION strings (UefiTcgPlatform.h), logged without a NUL. */
export const EFI_ACTION = {
  CALLING_EFI_APPLICATION: 'Calling EFI Application from Boot Option',
  RETURNING_FROM_EFI_APPLICATION: 'Returning from EFI Application from Boot Option',
  EXIT_BOOT_SERVICES_INVOCATION: 'Exit Boot Services Invocation',
  EXIT_BOOT_SERVICES_FAILED: 'Exit Boot Services Returned with Failure',
  EXIT_BOOT_SERVICES_SUCCEEDED: 'Exit Boot Services Returned with Success',
  FIRMWARE_DEBUGGER_EVENT: 'UEFI Debug Mode',
} as const;

const SEPARATOR_DATA = new Uint8Array(4);

/** TcgMeasureAction: EV_EFI_ACTION, digest over the ASCII string without NUL. */
export function measureAction(dxe: Tcg2Dxe, pcrIndex: number, action: string): Promise<EfiStatus> {
  const b = new TextEncoder().encode(action);
  return dxe.hashLogExtend(pcrIndex, EV.EFI_ACTION, b, b);
}

/** MeasureSeparatorEvent: EV_SEPARATOR with data 00000000. */
export function measureSeparator(dxe: Tcg2Dxe, pcrIndex: number): Promise<EfiStatus> {
  return dxe.hashLogExtend(pcrIndex, EV.SEPARATOR, SEPARATOR_DATA, SEPARATOR_DATA);
}

/**
 * MeasureVariable: UEFI_VARIABLE_DATA event data. EV_EFI_VARIABLE_BOOT hashes the variable data
 * only; every other type hashes the whole UEFI_VARIABLE_DATA.
 */
export function measureVariable(
  dxe: Tcg2Dxe,
  pcrIndex: number,
  eventType: number,
  name: string,
  guid: string,
  data: Uint8Array
): Promise<EfiStatus> {
  const varLog = encodeVariableData({ variableName: guid, unicodeName: name, variableData: data });
  const hashed = eventType === EV.EFI_VARIABLE_BOOT ? data : varLog;
  return dxe.hashLogExtend(pcrIndex, eventType, hashed, varLog);
}

/** Options of {@link measureSecureBootPolicy}. */
export interface SecureBootPolicyOptions {
  /** PcdFirmwareDebuggerInitialized (FALSE on OVMF). */
  readonly firmwareDebuggerInitialized?: boolean;
}

/**
 * MeasureSecureBootPolicy (gEfiVariableWriteArchProtocolGuid notify, once, during DXE):
 * SecureBoot, PK, KEK, db, dbx always (absent ones with no data), dbt only if present, then the
 * PCR7 separator.
 */
export async function measureSecureBootPolicy(dxe: Tcg2Dxe, vars: VariableReader, o: SecureBootPolicyOptions = {}): Promise<void> {
  if (o.firmwareDebuggerInitialized === true) await measureAction(dxe, 7, EFI_ACTION.FIRMWARE_DEBUGGER_EVENT);
  const list: readonly [string, string][] = [
    ['SecureBoot', EFI_GLOBAL_VARIABLE],
    ['PK', EFI_GLOBAL_VARIABLE],
    ['KEK', EFI_GLOBAL_VARIABLE],
    ['db', EFI_IMAGE_SECURITY_DATABASE],
    ['dbx', EFI_IMAGE_SECURITY_DATABASE],
  ];
  for (const [name, guid] of list) {
    await measureVariable(dxe, 7, EV.EFI_VARIABLE_DRIVER_CONFIG, name, guid, vars.get(name, guid) ?? new Uint8Array());
  }
  const dbt = vars.get('dbt', EFI_IMAGE_SECURITY_DATABASE);
  if (dbt !== undefined) await measureVariable(dxe, 7, EV.EFI_VARIABLE_DRIVER_CONFIG, 'dbt', EFI_IMAGE_SECURITY_DATABASE, dbt);
  await measureSeparator(dxe, 7);
}

/**
 * MeasureAllBootVariables: BootOrder, then each Boot#### in BootOrder order (upper-case hex),
 * PCR1 EV_EFI_VARIABLE_BOOT. No BootOrder: nothing. A missing Boot#### is skipped.
 */
export async function measureAllBootVariables(dxe: Tcg2Dxe, vars: VariableReader): Promise<void> {
  const order = vars.get('BootOrder', EFI_GLOBAL_VARIABLE);
  if (order === undefined) return;
  await measureVariable(dxe, 1, EV.EFI_VARIABLE_BOOT, 'BootOrder', EFI_GLOBAL_VARIABLE, order);
  for (let i = 0; i + 1 < order.length; i += 2) {
    const n = (order[i] ?? 0) | ((order[i + 1] ?? 0) << 8);
    const name = `Boot${n.toString(16).toUpperCase().padStart(4, '0')}`;
    const data = vars.get(name, EFI_GLOBAL_VARIABLE);
    if (data !== undefined) await measureVariable(dxe, 1, EV.EFI_VARIABLE_BOOT, name, EFI_GLOBAL_VARIABLE, data);
  }
}

/**
 * OnReadyToBoot (mBootAttempts): the first signal measures the boot variables, "Calling EFI
 * Application from Boot Option" and separators for PCR0-6; every later one logs "Returning…"
 * then "Calling…".
 */
export class ReadyToBootMeasurement {
  #attempts = 0;

  /** How many ReadyToBoot signals were handled. */
  get attempts(): number {
    return this.#attempts;
  }

  async signal(dxe: Tcg2Dxe, vars: VariableReader): Promise<void> {
    if (this.#attempts === 0) {
      await measureAllBootVariables(dxe, vars);
      await measureAction(dxe, 4, EFI_ACTION.CALLING_EFI_APPLICATION);
      for (let pcr = 0; pcr <= 6; pcr++) await measureSeparator(dxe, pcr);
    } else {
      await measureAction(dxe, 4, EFI_ACTION.RETURNING_FROM_EFI_APPLICATION);
      await measureAction(dxe, 4, EFI_ACTION.CALLING_EFI_APPLICATION);
    }
    this.#attempts++;
  }
}

/** OnExitBootServices: PCR5 "Invocation" then "Returned with Success". */
export async function measureExitBootServices(dxe: Tcg2Dxe): Promise<void> {
  await measureAction(dxe, 5, EFI_ACTION.EXIT_BOOT_SERVICES_INVOCATION);
  await measureAction(dxe, 5, EFI_ACTION.EXIT_BOOT_SERVICES_SUCCEEDED);
}

/** OnExitBootServicesFailed (202211): only PCR5 "Returned with Failure". */
export async function measureExitBootServicesFailed(dxe: Tcg2Dxe): Promise<void> {
  await measureAction(dxe, 5, EFI_ACTION.EXIT_BOOT_SERVICES_FAILED);
}
