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
