/** @tcg2sim/soft-tpm: An in-process TPM 2.0 answering the firmware's commands as libtpms does (PC Client PCR profile). */
export {};
