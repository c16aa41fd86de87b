import { SoftTpmBackend } from '@tcg2sim/tpm-backends';
import { tpmBackendSuite } from './backend-suite.ts';

// The command-level suite written against swtpm, run unchanged against the soft TPM.
tpmBackendSuite('soft', () => Promise.resolve(new SoftTpmBackend()));
