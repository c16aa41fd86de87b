import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { decodeEventLog } from '@tcg2sim/event-log';
import { ACPI_RSDP_FILE, ACPI_TABLES_FILE, QemuAcpiError, TABLE_LOADER_FILE, TPM_LOG_FILE, qemu72VirtAcpiFiles } from '@tcg2sim/qemu-acpi';
import type { Qemu72VirtVm } from '@tcg2sim/qemu-acpi';

const sha256 = (b: Uint8Array | undefined): string => createHash('sha256').update(b ?? new Uint8Array()).digest('hex');
const VIRT: Qemu72VirtVm = { cpus: 1, memoryMiB: 1024, cpu: 'cortex-a57', gicVersion: 2, tpm: true };

function acpiDataDigests(vector: string): string[] {
  const log = decodeEventLog(new Uint8Array(readFileSync(new URL(`../../../platform-armvirt/test/vectors/${vector}`, import.meta.url))));
  return log.events
    .filter((e) => e.pcrIndex === 1 && Buffer.from(e.eventData).toString('latin1') === 'ACPI DATA')
    .map((e) => Buffer.from(e.digests.find((d) => d.hashAlg === 0x000b)?.digest ?? new Uint8Array()).toString('hex'));
}

// Truth: real boots of Debian's AAVMF 2025.02 and 2026.08 on QEMU 7.2's virt machine
// (platform-armvirt's vectors, `tcg2sim capture`), which measured etc/table-loader, etc/acpi/rsdp,
// etc/tpm/log and etc/acpi/tables in that order ("ACPI DATA", PCR1). GICv2 and GICv3, 1-8 CPUs,
// 512-4096 MiB, both CPU models.
describe('qemu72VirtAcpiFiles = the four blobs real ArmVirtQemu boots measured', () => {
  const boots: ReadonlyArray<readonly [string, Qemu72VirtVm]> = [
    ['debian-13-2025.02/secboot-m1024c1all-eventlog.bin', VIRT],
    ['debian-13-2025.02/shape-gic3-eventlog.bin', { ...VIRT, gicVersion: 3 }],
    ['debian-13-2025.02/shape-m4096c4-gic3max-eventlog.bin', { cpus: 4, memoryMiB: 4096, cpu: 'max', gicVersion: 3, tpm: true }],
    ['debian-sid-2026.08/secboot-m2048c2all-eventlog.bin', { ...VIRT, cpus: 2, memoryMiB: 2048 }],
    ['debian-sid-2026.08/shape-gicmax-eventlog.bin', { ...VIRT, cpu: 'max', gicVersion: 3 }],
    ['debian-sid-2026.08/strictnx-m512c1sha256-eventlog.bin', { ...VIRT, memoryMiB: 512 }],
    ['debian-sid-2026.08/cmdline-max-m1536c3-eventlog.bin', { ...VIRT, cpus: 3, memoryMiB: 1536, cpu: 'max' }],
    ['debian-sid-2026.08/shape-virt72-m3072c8-eventlog.bin', { ...VIRT, cpus: 8, memoryMiB: 3072 }],
  ];
  for (const [vector, vm] of boots) {
    it(`${vector}: GICv${vm.gicVersion}, ${vm.cpus} CPU(s), ${vm.memoryMiB} MiB, -cpu ${vm.cpu}`, () => {
      const files = qemu72VirtAcpiFiles(vm);
      const ours = [TABLE_LOADER_FILE, ACPI_RSDP_FILE, TPM_LOG_FILE, ACPI_TABLES_FILE].map((n) => sha256(files.get(n)));
      expect(ours).to.deep.equal(acpiDataDigests(vector));
    });
  }
});

describe('qemu72VirtAcpiFiles: the shapes and the layout', () => {
  it('without a TPM: no TPM2 table, no loader command for etc/tpm/log, and that file empty', () => {
    const files = qemu72VirtAcpiFiles({ ...VIRT, tpm: false });
    expect(files.get(TPM_LOG_FILE)?.length).to.equal(0);
    expect(Buffer.from(files.get(ACPI_TABLES_FILE) ?? []).includes(Buffer.from('TPM2'))).to.equal(false);
    expect(Buffer.from(files.get(TABLE_LOADER_FILE) ?? []).includes(Buffer.from(TPM_LOG_FILE))).to.equal(false);
    // 24 commands of 128 bytes, unpadded: the allocations, the checksums, the FADT's and the XSDT's pointers, the RSDP's three
    expect(files.get(TABLE_LOADER_FILE)?.length).to.equal(24 * 128);
  });

  it('the tables in QEMU 7.2\'s order, each header\'s length adding up, the blob padded to 128 KiB', () => {
    const t = qemu72VirtAcpiFiles(VIRT).get(ACPI_TABLES_FILE) ?? new Uint8Array();
    const sigs: string[] = [];
    let at = 0;
    while (at < t.length && t[at] !== 0) {
      sigs.push(Buffer.from(t.subarray(at, at + 4)).toString('latin1'));
      at += new DataView(t.buffer, t.byteOffset + at + 4, 4).getUint32(0, true);
    }
    expect(sigs).to.deep.equal(['DSDT', 'FACP', 'APIC', 'PPTT', 'GTDT', 'MCFG', 'SPCR', 'DBG2', 'IORT', 'TPM2', 'XSDT']);
    expect(t.length).to.equal(0x20000);
  });

  it('refuses by name what it does not model: 9 CPUs on GICv2, 124 on GICv3, RAM reaching 255 GiB', () => {
    for (const vm of [{ ...VIRT, cpus: 9 }, { ...VIRT, cpus: 124, gicVersion: 3 as const }, { ...VIRT, memoryMiB: 255 * 1024 }]) {
      expect(() => qemu72VirtAcpiFiles(vm)).to.throw(QemuAcpiError).with.property('code', 'UNSUPPORTED_VM');
    }
  });
});
