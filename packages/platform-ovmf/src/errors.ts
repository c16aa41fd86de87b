import { Tcg2Error } from '@tcg2sim/binary-codec';

/** A scenario or machine description that does not validate. */
export class ConfigError extends Tcg2Error {
  override readonly name = 'ConfigError';
  readonly code: 'BAD_SCENARIO' | 'BAD_FILE';
  constructor(code: ConfigError['code'], message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/**
 * A VM on which the firmware never gets past PEI, so it measures nothing and never boots: the
 * prediction is refused rather than guessed. `S3_DEAD_LOOP`: an X64-PEI SMM build of edk2
 * before edk2-stable202308 on a VM that offers S3 (platform-pei/s3-verification.ts).
 */
export class VmNotBootableError extends Tcg2Error {
  override readonly name = 'VmNotBootableError';
  readonly code: 'S3_DEAD_LOOP';
  constructor(code: VmNotBootableError['code'], message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}
