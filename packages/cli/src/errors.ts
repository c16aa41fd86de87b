import { Tcg2Error } from '@tcg2sim/binary-codec';

/** Exit statuses of docs/cli.md. */
export const EXIT = {
  OK: 0,
  /** A simulated-boot failure, or a mismatch the tool detected. */
  FAILURE: 1,
  /** Bad usage or bad input. */
  USAGE: 2,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Bad usage or bad input: exit status 2 with a one-line message. */
export class UsageError extends Tcg2Error {
  override readonly name = 'UsageError';
  readonly code = 'USAGE' as const;
}

/** A detected failure or mismatch: exit status 1. */
export class CommandFailure extends Tcg2Error {
  override readonly name = 'CommandFailure';
  readonly code = 'FAILURE' as const;
}
