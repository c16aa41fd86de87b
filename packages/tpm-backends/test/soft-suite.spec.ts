/**
 * The command-level backend suite (backend-suite.ts, also run against swtpm) against the soft
 * TPM: the same tests, the same expected values, no external program needed.
 */
import { SoftTpmBackend } from '@tcg2sim/tpm-backends';
import { tpmBackendSuite } from './backend-suite.ts';

tpmBackendSuite('soft', () => Promise.resolve(new SoftTpmBackend()));
