import { expect } from 'chai';
import { join } from 'node:path';
import { toHex } from '@tcg2sim/binary-codec';
import {
  MachineDescription, captureBoot, checkTpm2Table, decodeTpm2Table, qemuTpm2Table, qemuTpmLogAddress,
} from '@tcg2sim/platform-ovmf';
import type { AcpiTableCopy } from '@tcg2sim/platform-ovmf';
import { OVMF_DIR, requirePrerequisites } from '@tcg2sim/test-support';

const CODE = join(OVMF_DIR, 'OVMF_CODE_4M.fd');
const VARS = join(OVMF_DIR, 'OVMF_VARS_4M.fd');
const MACHINE = MachineDescription.parse({ machine: 'q35', memoryMiB: 512 });

// Two real boots (q35, 512 MiB, fresh OVMF_VARS_4M.fd; tpm-tis, then tpm-crb), each about 10-15 s:
// the TPM2 table is taken from guest RAM (signature TPM2, valid checksum) and compared with ours.
describe('TPM2 ACPI table against the one QEMU 7.2 + OVMF really install @integration', function () {
  this.timeout(600_000);
  const tables = new Map<'tis' | 'crb', readonly AcpiTableCopy[]>();

  before(async function () {
    requirePrerequisites(this, { tools: ['qemu-system-x86_64', 'swtpm'], files: [CODE, VARS] });
    for (const tpmInterface of ['tis', 'crb'] as const) {
      const c = await captureBoot({ code: CODE, vars: VARS, machine: 'q35', memoryMiB: 512, tpmInterface, timeoutSeconds: 240 });
      tables.set(tpmInterface, c.acpiTables.filter((t) => t.signature === 'TPM2'));
    }
  });

  for (const tpmInterface of ['tis', 'crb'] as const) {
    it(`finds the tpm-${tpmInterface} table in guest RAM and builds it byte for byte, log-area address included`, () => {
      const found = tables.get(tpmInterface) ?? [];
      expect(found.length).to.be.greaterThan(0);
      const ours = toHex(qemuTpm2Table({ tpmInterface, logAreaAddress: qemuTpmLogAddress(MACHINE) }));
      for (const t of found) expect(toHex(t.bytes)).to.equal(ours);
    });

    it(`checks the real tpm-${tpmInterface} table clean on its own device and as a mismatch on the other`, () => {
      const real = decodeTpm2Table(tables.get(tpmInterface)?.[0]?.bytes ?? new Uint8Array());
      expect(checkTpm2Table(real, { tpmInterface })).to.deep.equal([]);
      const other = tpmInterface === 'tis' ? 'crb' : 'tis';
      expect(checkTpm2Table(real, { tpmInterface: other }).map((f) => f.code)).to.deep.equal(['INTERFACE_MISMATCH']);
    });
  }
});
