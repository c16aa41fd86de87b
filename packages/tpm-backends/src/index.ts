/**
 * @tcg2sim/tpm-backends: the TpmBackend contract and its implementations (soft TPM, swtpm,
 * transcript record/replay).
 */
export type { TpmBackend, TpmBackendErrorCode } from './backend.ts';
