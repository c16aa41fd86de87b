import { expect } from 'chai';
import { join } from 'node:path';
import { toHex } from '@tcg2sim/binary-codec';
import {
  MachineDescription, captureBoot, checkTpm2Table, decodeTpm2Table, encodeTpm2Table, qemuTpm2Table, qemuTpm2TableInput,
  qemuTpmLogAddress,
} from '@tcg2sim/platform-ovmf';
import type { AcpiTableCopy } from '@tcg2sim/platform-ovmf';
import { OVMF_DIR, requirePrerequisites } from '@tcg2sim/test-support';
import { readFileSync } from 'node:fs';
import { readTcg2Config, writeTcg2Config, TCG2_CONFIG_FORMSET_GUID } from '@tcg2sim/tcg2-config';
import { readVarStore } from '@tcg2sim/uefi';

const CODE = join(OVMF_DIR, 'OVMF_CODE_4M.fd');
const VARS = join(OVMF_DIR, 'OVMF_VARS_4M.fd');
const MACHINE = MachineDescription.parse({ machine: 'q35', memoryMiB: 512 });

// Two real boots (q35, 512 MiB, fresh OVMF_VARS_4M.fd; tpm-tis, then tpm-crb), each about 10-15 s:
// the TPM2 table is taken from guest RAM (signature TPM2, valid checksum) and compared with ours.
describe('TPM2 ACPI table against the one QEMU 7.2 + OVMF really install @integration', function () {
  this.timeout(600_000);
  const tables = new Map<'tis' | 'crb', readonly AcpiTableCopy[]>();
  const varsAfter = new Map<'tis' | 'crb', Uint8Array | undefined>();
  const dsdts: Uint8Array[] = [];

  before(async function () {
    requirePrerequisites(this, { tools: ['qemu-system-x86_64', 'swtpm'], files: [CODE, VARS] });
    for (const tpmInterface of ['tis', 'crb'] as const) {
      const c = await captureBoot({ code: CODE, vars: VARS, machine: 'q35', memoryMiB: 512, tpmInterface, timeoutSeconds: 240, acpiSignatures: ['DSDT'] });
      dsdts.push(...c.acpiTables.filter((t) => t.signature === 'DSDT').map((t) => t.bytes));
      tables.set(tpmInterface, c.acpiTables.filter((t) => t.signature === 'TPM2'));
      varsAfter.set(tpmInterface, c.varsAfter);
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

  it("reads the TCG2 variables the real Tcg2ConfigDxe left in the store, and writes the same records", () => {
    for (const tpmInterface of ['tis', 'crb'] as const) {
      const after = varsAfter.get(tpmInterface) ?? new Uint8Array();
      const real = readTcg2Config(after);
      expect([real.configuration?.value, real.configuration?.attributes, real.deviceDetection?.value, real.deviceDetection?.attributes]).to.deep.equal([2, 3, 2, 3]);
      const ours = new Uint8Array(readFileSync(VARS));
      writeTcg2Config(ours, { device: 'dtpm2', detected: 'dtpm2' });
      const pick = (img: Uint8Array): unknown[] => readVarStore(img).variables
        .filter((v) => v.guid === TCG2_CONFIG_FORMSET_GUID && v.name !== 'TCG2_VERSION')
        .map((v) => [v.name, v.attributes, [...v.data], v.state]).sort();
      expect(pick(ours)).to.deep.equal(pick(after));
    }
  });

  it("searches QEMU's real DSDT for the start-method _DSM: it has the PPI _DSM but not that one", () => {
    expect(dsdts.length).to.be.greaterThan(0);
    // QEMU's TPM device has the Physical Presence _DSM (3DDDFAA6-361B-4EB4-A424-8D10089D1653, ToUUID layout) ...
    const ppi = Buffer.from('a6fadd3d1b36b44ea4248d10089d1653', 'hex');
    expect(dsdts.every((d) => Buffer.from(d).indexOf(ppi) >= 0)).to.equal(true);
    // ... so a table claiming the ACPI start method (8) on this machine lacks its _DSM.
    const eight = decodeTpm2Table(encodeTpm2Table({ ...qemuTpm2TableInput({ tpmInterface: 'crb', logAreaAddress: 0x1000n }), startMethod: 8 }));
    expect(checkTpm2Table(eight, { amlTables: dsdts }).map((f) => f.code)).to.deep.equal(['START_METHOD_WITHOUT_DSM']);
  });
});
