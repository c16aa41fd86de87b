/**
 * @tcg2sim/tpm-backends: the TpmBackend contract and its implementations (swtpm, transcript
 * record/replay; the soft TPM adapter lives in soft.ts).
 */
export type { TpmBackend, TpmBackendErrorCode } from './backend.ts';
export { TpmBackendError, MIN_COMMAND_BYTES } from './errors.ts';
export { SwtpmBackend } from './swtpm.ts';
export { registerCleanup } from './cleanup.ts';
export type { CleanupAction } from './cleanup.ts';
export type { SwtpmOptions } from './swtpm.ts';
export { SWTPM_CMD, PTM_CAP, HASH_DATA_MAX } from './swtpm-ctrl.ts';
export { TranscriptBackend, ReplayBackend, backendTransport } from './transcript.ts';
export type { TranscriptEntry } from './transcript.ts';

// The soft TPM behind the backend contract (branch soft-tpm).
export { SoftTpmBackend } from './soft.ts';
export type { SoftTpmBackendOptions } from './soft.ts';
// The differential command corpus (test/corpus) and its runner, for every transport layer.
export { CORPUS_DIR, corpusFiles, parseCorpus, loadCorpus, tagAndRc, responsesAgree, runCorpus } from './corpus.ts';
export type { CorpusStep, ExpectMode } from './corpus.ts';
