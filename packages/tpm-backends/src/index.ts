/** @tcg2sim/tpm-backends: The TpmBackend contract and its implementations: soft TPM, swtpm (socket + control channel), transcript record/replay. */
export {};
