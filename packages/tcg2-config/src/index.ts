/**
 * @tcg2sim/tcg2-config: Tcg2ConfigPei (SecurityPkg and OVMF variants): TPM device detection and
 * the TCG2_CONFIGURATION / TCG2_DEVICE_DETECTION variables.
 */
export {
  TCG2_CONFIG_FORMSET_GUID, TPM_INSTANCE_GUID, TPM_DEVICE, TPM_DEVICE_DEFAULT, TCG2_VARIABLE, ovmfTcg2ConfigPei,
  genericTcg2ConfigPei, tpm12Startup, tpm12StartupCommand,
} from './tcg2-config.ts';
export type { TpmInstanceGuid, TpmDevice, Tcg2ConfigResult, OvmfTpmProbes, ConfigVariables, GenericConfigInput } from './tcg2-config.ts';
export { TCG2_CONFIG_ATTRIBUTES, TPM_DEVICE_NAME, readTcg2Config, writeTcg2Config } from './config-store.ts';
export type {
  TpmDeviceName, Tcg2ConfigVariable, Tcg2ConfigState, Tcg2ConfigChange, Tcg2ConfigWrite,
} from './config-store.ts';
