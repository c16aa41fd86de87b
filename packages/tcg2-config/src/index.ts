/** @tcg2sim/tcg2-config: Tcg2ConfigPei (SecurityPkg and OVMF variants): TPM device detection and the TCG2_CONFIGURATION / TCG2_DEVICE_DETECTION variables. */
export {};
