/**
 * The firmware cache outside the repository (firmware is never committed): where
 * scripts/fetch-debian-firmware.sh (and scripts/fetch-ubuntu-firmware.sh) unpack the distributions'
 * packages and where the builds of other sources are put by hand, and the skip hint naming the script.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

/** TCG2SIM_FIRMWARE_DIR, default ${XDG_CACHE_HOME:-~/.cache}/tcg2sim/firmware (as the scripts). */
export const FIRMWARE_CACHE: string = process.env['TCG2SIM_FIRMWARE_DIR'] ?? join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'tcg2sim', 'firmware');

/**
 * The OVMF directory of a Debian suite's package in the cache: `ovmf` (trixie) at the suite's
 * top, any other (sid's `ovmf-generic`, whose `ovmf` is only a dependency) in its own directory.
 */
export function debianOvmfDir(suite: string, pkg = 'ovmf'): string {
  return pkg === 'ovmf' ? join(FIRMWARE_CACHE, `debian-${suite}`, 'usr', 'share', 'OVMF') : join(FIRMWARE_CACHE, `debian-${suite}`, pkg, 'usr', 'share', 'OVMF');
}

/** The one-line skip hint for a suite's firmware. */
export function fetchHint(suite: string, pkg = 'ovmf'): string {
  return `run scripts/fetch-debian-firmware.sh ${suite}${pkg === 'ovmf' ? '' : ` ${pkg}`}`;
}
