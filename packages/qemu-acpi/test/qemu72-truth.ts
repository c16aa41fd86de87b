/**
 * The truth of the qemu72-acpi integration specs: the installed QEMU 7.2's four ACPI fw_cfg files
 * of a VM with a TPM (an swtpm per test, on a socket in a temporary directory), compared byte for
 * byte with the model's. Shared by qemu72-acpi.integration.spec.ts and
 * qemu72-acpi-devices.integration.spec.ts.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { ACPI_RSDP_FILE, ACPI_TABLES_FILE, TABLE_LOADER_FILE, TPM_LOG_FILE } from '@tcg2sim/qemu-acpi';
import { requirePrerequisites, tempDir } from '@tcg2sim/test-support';

/** The fw_cfg files compared: the table loader, the RSDP, the TPM log area and the tables. */
export const ACPI_FILE_NAMES: readonly string[] = [TABLE_LOADER_FILE, ACPI_RSDP_FILE, TPM_LOG_FILE, ACPI_TABLES_FILE];

/**
 * Call inside a `describe`: requires QEMU and swtpm (from `before`), kills each test's swtpm after
 * it and removes the directory after the suite. Returns the function that starts a test's swtpm
 * and gives the QEMU options of a `tpm-tis`/`tpm-crb` device backed by it.
 */
export function swtpmPerTest(prefix: string): (tpm: 'tis' | 'crb') => Promise<string[]> {
  const dir = tempDir(prefix);
  let swtpm: ChildProcess | undefined;
  let n = 0;
  before(function () {
    requirePrerequisites(this, { tools: ['qemu-system-x86_64', 'swtpm'] });
  });
  afterEach(() => swtpm?.kill());
  after(() => dir.remove());
  return async (tpm) => {
    const sock = join(dir.path, `ctrl${n++}.sock`);
    swtpm = spawn('swtpm', ['socket', '--tpm2', '--tpmstate', `dir=${dir.path}`, '--ctrl', `type=unixio,path=${sock}`, '--flags', 'not-need-init'], { stdio: 'ignore' });
    for (let i = 0; i < 250 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 20));
    return ['-chardev', `socket,id=chrtpm,path=${sock}`, '-tpmdev', 'emulator,id=tpm0,chardev=chrtpm', '-device', `tpm-${tpm},tpmdev=tpm0`];
  };
}

/** Each of {@link ACPI_FILE_NAMES} of `ours` equals QEMU's, byte for byte. */
export function expectSameAcpiFiles(ours: ReadonlyMap<string, Uint8Array>, qemu: ReadonlyMap<string, Uint8Array>): void {
  for (const name of ACPI_FILE_NAMES) expect(Buffer.from(ours.get(name) ?? []).toString('hex'), name).to.equal(Buffer.from(qemu.get(name) ?? []).toString('hex'));
}
