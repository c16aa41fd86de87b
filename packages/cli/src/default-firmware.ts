import { buildDefaultFirmware } from '@tcg2sim/platform-ovmf';
import type { DefaultFirmware } from '@tcg2sim/platform-ovmf';

export type { DefaultFirmware };

/**
 * The firmware `predict` uses when none is given: the embedded default, built in memory by our
 * FV writer (no file on disk, no Debian package needed).
 */
export function defaultFirmware(): DefaultFirmware {
  return buildDefaultFirmware();
}
