/**
 * A combined OVMF.fd booted with QEMU's `-bios`: the image is ROM, so OVMF's flash variable
 * driver (QemuFlashFvbServicesRuntimeDxe) finds no writable flash and EmuVariableFvbRuntimeDxe
 * keeps the variables in RAM. Without SECURE_BOOT_ENABLE nothing copies the image's own
 * variable store into that RAM store: the boot starts from an empty store, whatever the image's
 * store holds. Seen on a 2023-era build whose embedded store held a hard-disk, two PXE and a
 * Shell option (Boot0001-0004): the real boot registered UiApp and the Shell as a fresh store
 * does (Shell as Boot0001), docs/distro-builds-2024.md. A Secure Boot build keeps the image's
 * store (its keys): not checked against a used store.
 */
import { findFileByGuid } from '@tcg2sim/uefi';
import type { SecOutput } from '../sec.ts';

/** SecureBootConfigDxe's FILE_GUID: present in SECURE_BOOT_ENABLE builds. */
const SECURE_BOOT_CONFIG_DXE = 'F0E6A44F-7195-41C3-AC64-54F202CD0A21';

/** The variable store given is the combined image itself (`--bios`: the CLI passes the image as both). */
export function isCombinedImageStore(code: Uint8Array, vars: Uint8Array | undefined): boolean {
  if (vars === undefined) return false;
  if (vars === code) return true;
  if (vars.byteLength !== code.byteLength) return false;
  return Buffer.from(vars.buffer, vars.byteOffset, vars.byteLength).equals(Buffer.from(code.buffer, code.byteOffset, code.byteLength));
}

/** Whether the boot starts from an empty (emulated) store rather than the image's; notes why. */
export function emulatedStoreStartsEmpty(code: Uint8Array, vars: Uint8Array | undefined, sec: SecOutput, notes: string[]): boolean {
  if (!isCombinedImageStore(code, vars)) return false;
  if (findFileByGuid(sec.dxeFv.volume, SECURE_BOOT_CONFIG_DXE) !== undefined) {
    notes.push('-bios: variables emulated in RAM; a SECURE_BOOT_ENABLE build starts from the image\'s own store');
    return false;
  }
  notes.push('-bios: variables emulated in RAM, starting empty (no SECURE_BOOT_ENABLE: the image\'s own store is not copied)');
  return true;
}
