import { readFileSync, existsSync } from 'node:fs';
import { CommandFailure } from './errors.ts';

/** The firmware `predict` uses when none is given. */
export interface DefaultFirmware {
  readonly code: Uint8Array;
  readonly vars: Uint8Array | undefined;
  readonly description: string;
}

/** The embedded default firmware. */
export function defaultFirmware(): DefaultFirmware {
  const code = '/usr/share/OVMF/OVMF_CODE_4M.fd';
  const vars = '/usr/share/OVMF/OVMF_VARS_4M.fd';
  if (existsSync(code) && existsSync(vars)) {
    return { code: new Uint8Array(readFileSync(code)), vars: new Uint8Array(readFileSync(vars)), description: `${code} + ${vars}` };
  }
  throw new CommandFailure('the embedded default firmware is not built yet; pass --code and --vars');
}
