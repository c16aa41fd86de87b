/**
 * The truth of the qemu72-acpi integration specs: the installed QEMU 7.2's four ACPI fw_cfg files
 * of a VM with a TPM (an swtpm per test, on a socket in a temporary directory), compared byte for
 * byte with the model's. Shared by qemu72-acpi.integration.spec.ts and
 * qemu72-acpi-devices.integration.spec.ts.
 */
import { expect } from 'chai';
import { ACPI_RSDP_FILE, ACPI_TABLES_FILE, TABLE_LOADER_FILE, TPM_LOG_FILE } from '@tcg2sim/qemu-acpi';
import { qemuTpmArgs, requirePrerequisites, swtpmPerTest } from '@tcg2sim/test-support';

/** The fw_cfg files compared: the table loader, the RSDP, the TPM log area and the tables. */
export const ACPI_FILE_NAMES: readonly string[] = [TABLE_LOADER_FILE, ACPI_RSDP_FILE, TPM_LOG_FILE, ACPI_TABLES_FILE];

/**
 * Call inside a `describe`: requires QEMU and swtpm (from `before`), kills each test's swtpm after
 * it and removes the directory after the suite. Returns the function that starts a test's swtpm
 * and gives the QEMU options of a `tpm-tis`/`tpm-crb` device backed by it.
 */
export function qemuWithSwtpm(prefix: string): (tpm: 'tis' | 'crb') => Promise<string[]> {
  before(function () {
    requirePrerequisites(this, { tools: ['qemu-system-x86_64', 'swtpm'] });
  });
  const swtpm = swtpmPerTest(prefix);
  return async (tpm) => qemuTpmArgs(await swtpm.start(), `tpm-${tpm}`);
}

/** Each of {@link ACPI_FILE_NAMES} of `ours` equals QEMU's, byte for byte. */
export function expectSameAcpiFiles(ours: ReadonlyMap<string, Uint8Array>, qemu: ReadonlyMap<string, Uint8Array>): void {
  for (const name of ACPI_FILE_NAMES) expect(Buffer.from(ours.get(name) ?? []).toString('hex'), name).to.equal(Buffer.from(qemu.get(name) ?? []).toString('hex'));
}
