/**
 * Tcg2ConfigPei: which TPM the platform has, published as PcdTpmInstanceGuid. Two variants:
 * OVMF's (OvmfPkg/Tcg/Tcg2Config, Tcg12ConfigPei.inf in Debian: no variables, TPM 1.2 probe then
 * TPM 2.0) and SecurityPkg's generic one (TCG2_CONFIGURATION / TCG2_DEVICE_DETECTION variables,
 * the cached detection used on S3 resume).
 */

/** gTcg2ConfigFormSetGuid: vendor GUID of the TCG2 configuration variables. */
export const TCG2_CONFIG_FORMSET_GUID = '6339D487-26BA-424B-9A5D-687E25D740BC';

/** PcdTpmInstanceGuid values (SecurityPkg/Include/Guid/TpmInstance.h). */
export const TPM_INSTANCE_GUID = {
  NONE: '00000000-0000-0000-0000-000000000000',
  TPM12: '8B01E5B6-4F19-46E8-AB93-1C53671B90CC',
  TPM20_DTPM: '286BF25A-C2C3-408C-B3B4-25E6758B7317',
} as const;
export type TpmInstanceGuid = (typeof TPM_INSTANCE_GUID)[keyof typeof TPM_INSTANCE_GUID];

/** TPM_DEVICE_* of Tcg2ConfigNvData.h. */
export const TPM_DEVICE = { NULL: 0, TPM_1_2: 1, TPM_2_0_DTPM: 2 } as const;
export type TpmDevice = (typeof TPM_DEVICE)[keyof typeof TPM_DEVICE];
/** TPM_DEVICE_DEFAULT. */
export const TPM_DEVICE_DEFAULT = TPM_DEVICE.TPM_1_2;

/** Variable names. */
export const TCG2_VARIABLE = {
  CONFIGURATION: 'TCG2_CONFIGURATION',
  DEVICE_DETECTION: 'TCG2_DEVICE_DETECTION',
  VERSION: 'TCG2_VERSION',
} as const;

/** What a detection decided and why (diagnostics for the user). */
export interface Tcg2ConfigResult {
  readonly instanceGuid: TpmInstanceGuid;
  /** gPeiTpmInitializationDonePpiGuid installed by the config PEIM (no TPM 2.0 to initialise). */
  readonly initializationDone: boolean;
  /** PcdTpmInitializationPolicy forced to 0 (TPM 1.2 started by the probe, generic variant). */
  readonly initializationPolicyCleared?: boolean;
  readonly path: readonly string[];
}

/** The device probes the OVMF variant performs. */
export interface OvmfTpmProbes {
  /**
   * InternalTpm12Detect: Tpm12RequestUseTpm, then TPM_ORD_GetTicks through the TPM 1.2
   * device library. True when the *transport* succeeded and the response tag was a TPM 1.2 one.
   */
  tpm12Detect(): Promise<boolean>;
  /** Tpm2RequestUseTpm: true when locality 0 was granted. */
  tpm2RequestUse(): Promise<boolean>;
}

/** OVMF's Tcg2ConfigPei (Tcg12ConfigPei.inf when TPM1_ENABLE, as in Debian). */
export async function ovmfTcg2ConfigPei(probes: OvmfTpmProbes, tpm1Enable = true): Promise<Tcg2ConfigResult> {
  const path: string[] = [];
  if (tpm1Enable) {
    if (await probes.tpm12Detect()) {
      path.push('TPM 1.2 probe (GetTicks) answered with a TPM 1.2 tag: TPM 1.2');
      return { instanceGuid: TPM_INSTANCE_GUID.TPM12, initializationDone: false, path };
    }
    path.push('TPM 1.2 probe: not a TPM 1.2');
  }
  if (await probes.tpm2RequestUse()) {
    path.push('Tpm2RequestUseTpm succeeded: TPM 2.0 dTPM');
    return { instanceGuid: TPM_INSTANCE_GUID.TPM20_DTPM, initializationDone: false, path };
  }
  path.push('Tpm2RequestUseTpm failed: no TPM');
  return { instanceGuid: TPM_INSTANCE_GUID.NONE, initializationDone: true, path };
}

/** Variable access for the generic variant (gEfiPeiReadOnlyVariable2PpiGuid). */
export interface ConfigVariables {
  get(name: string, guid: string): Uint8Array | undefined;
}

/** Inputs of SecurityPkg's generic Tcg2ConfigPei. */
export interface GenericConfigInput {
  readonly vars: ConfigVariables;
  readonly bootMode: 'normal' | 's3';
  /** PcdTpmAutoDetection (default TRUE). */
  readonly autoDetection?: boolean;
  /** Tpm12RequestUseTpm succeeded. */
  tpm12RequestUse(): Promise<boolean>;
  /** TPM 1.2 TPM_Startup(ST_STATE on S3 / ST_CLEAR) succeeded. */
  tpm12Startup(state: boolean): Promise<boolean>;
}

const INSTANCE_BY_DEVICE: Readonly<Record<TpmDevice, TpmInstanceGuid>> = {
  0: TPM_INSTANCE_GUID.NONE,
  1: TPM_INSTANCE_GUID.TPM12,
  2: TPM_INSTANCE_GUID.TPM20_DTPM,
};

function asDevice(v: number | undefined): TpmDevice | undefined {
  return v === 0 || v === 1 || v === 2 ? v : undefined;
}

/**
 * GetVariable with a 1-byte buffer, as both PEIM functions call it: a variable of any other size
 * fails (EFI_BUFFER_TOO_SMALL) and counts as absent.
 */
function getByte(vars: ConfigVariables, name: string): { readonly value: number | undefined; readonly why: string } {
  const v = vars.get(name, TCG2_CONFIG_FORMSET_GUID);
  if (v === undefined) return { value: undefined, why: `${name} absent` };
  if (v.length !== 1) return { value: undefined, why: `${name} has ${v.length} bytes (GetVariable with a 1-byte buffer fails)` };
  return { value: v[0], why: `${name} = ${v[0] ?? 0}` };
}

/**
 * SecurityPkg/Tcg/Tcg2Config/Tcg2ConfigPeim.c + TpmDetection.c (docs/edk2-pei.md §1.1):
 * TCG2_CONFIGURATION (default and out-of-range values: TPM_DEVICE_DEFAULT), then, with
 * PcdTpmAutoDetection, DetectTpmDevice (S3: the cached TCG2_DEVICE_DETECTION when valid;
 * otherwise Tpm12RequestUseTpm and a TPM 1.2 Startup). PcdTpmInstanceGuid comes from the
 * detection result (NULL included) while the variable keeps the desired device.
 */
export async function genericTcg2ConfigPei(input: GenericConfigInput): Promise<Tcg2ConfigResult> {
  const path: string[] = [];
  const cfg = getByte(input.vars, TCG2_VARIABLE.CONFIGURATION);
  let desired: TpmDevice = TPM_DEVICE_DEFAULT;
  const wanted = asDevice(cfg.value);
  if (wanted === undefined || wanted < TPM_DEVICE.TPM_1_2) {
    path.push(`${cfg.why}${cfg.value === undefined ? '' : ' (out of range)'}: default device ${TPM_DEVICE_DEFAULT}`);
  } else {
    desired = wanted;
    path.push(cfg.why);
  }
  let device: TpmDevice = desired;
  let policyCleared = false;
  if (input.autoDetection ?? true) {
    let detected: TpmDevice = TPM_DEVICE.NULL;
    let cached: TpmDevice | undefined;
    if (input.bootMode === 's3') {
      const d = getByte(input.vars, TCG2_VARIABLE.DEVICE_DETECTION);
      const dev = asDevice(d.value);
      if (dev !== undefined && dev >= TPM_DEVICE.TPM_1_2) cached = dev;
      else path.push(`S3 resume: ${d.why}${d.value === undefined ? '' : ' (out of range)'}: probing`);
    }
    if (cached !== undefined) {
      detected = cached;
      path.push(`S3 resume: cached TCG2_DEVICE_DETECTION = ${cached} (no probe)`);
    } else if (!(await input.tpm12RequestUse())) {
      path.push('Tpm12RequestUseTpm failed: no TPM detected');
    } else if (await input.tpm12Startup(input.bootMode === 's3')) {
      detected = TPM_DEVICE.TPM_1_2;
      policyCleared = true;
      path.push('TPM 1.2 TPM_Startup succeeded: TPM 1.2 (PcdTpmInitializationPolicy := 0)');
    } else {
      detected = TPM_DEVICE.TPM_2_0_DTPM;
      path.push('TPM 1.2 TPM_Startup failed: TPM 2.0 dTPM');
    }
    device = detected;
    if (detected !== desired) path.push(`detected device ${detected} overrides TCG2_CONFIGURATION's ${desired} for PcdTpmInstanceGuid`);
  } else {
    path.push('PcdTpmAutoDetection FALSE: the configured device is used');
  }
  const instanceGuid = INSTANCE_BY_DEVICE[device];
  return { instanceGuid, initializationDone: instanceGuid === TPM_INSTANCE_GUID.NONE, initializationPolicyCleared: policyCleared, path };
}

/** TPM_ORD_Startup (TPM 1.2 Part 3 §3.1): tag TPM_TAG_RQU_COMMAND, size 12, ordinal 0x99, startup type. */
export function tpm12StartupCommand(state: boolean): Uint8Array {
  return Uint8Array.of(0x00, 0xc1, 0, 0, 0, 0x0c, 0, 0, 0, 0x99, 0, state ? 2 : 1);
}

/** TPM_SUCCESS and TPM_INVALID_POSTINIT (warm reset) both count as started (Tpm12Startup.c). */
const TPM12_STARTUP_OK: ReadonlySet<number> = new Set([0, 0x26]);

/**
 * Tpm12Startup (SecurityPkg/Library/Tpm12CommandLib): TPM_ORD_Startup through
 * Tpm12SubmitCommand with a 10-byte response buffer.
 * @param submit Tpm12SubmitCommand: undefined when the transport failed
 */
export async function tpm12Startup(submit: (command: Uint8Array, maxResponseSize: number) => Promise<Uint8Array | undefined>, state: boolean): Promise<boolean> {
  const r = await submit(tpm12StartupCommand(state), 10);
  if (r === undefined || r.length < 10) return false;
  const rc = new DataView(r.buffer, r.byteOffset, r.byteLength).getUint32(6);
  return TPM12_STARTUP_OK.has(rc);
}
