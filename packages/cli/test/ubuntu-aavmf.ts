/**
 * Ubuntu's qemu-efi-aarch64 as the ArmVirt vectors captured it (scripts/fetch-ubuntu-firmware.sh):
 * absent, or another upload, skips (a suite leaves the archive; docs/armvirt.md §14).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { skipOptional, FIRMWARE_CACHE } from '@tcg2sim/test-support';

const UBUNTU_DEBS: Readonly<Record<string, string>> = { noble: 'qemu-efi-aarch64_2024.02-2_all.deb', plucky: 'qemu-efi-aarch64_2025.02-3ubuntu2_all.deb' };

export function requireUbuntu(ctx: Mocha.Context, suite: string): void {
  const file = join(FIRMWARE_CACHE, `ubuntu-${suite}/qemu-efi-aarch64/PACKAGE`);
  const deb = existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
  if (deb !== UBUNTU_DEBS[suite]) skipOptional(ctx, `Ubuntu ${suite}'s ${UBUNTU_DEBS[suite] ?? '?'} ${deb === undefined ? 'absent' : `replaced by ${deb}`}: run scripts/fetch-ubuntu-firmware.sh ${suite} qemu-efi-aarch64`);
}
