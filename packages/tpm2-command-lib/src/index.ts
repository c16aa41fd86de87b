/** @tcg2sim/tpm2-command-lib: Tpm2CommandLib: TPM 2.0 Part 2 structures, the Part 3 commands the firmware sends, TPM_RC decoding and the password session area. */
export {};
