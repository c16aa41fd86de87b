import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { decode, decodeFirst } from '@tcg2sim/binary-codec';
import { decodeEventLog } from '@tcg2sim/event-log';
import {
  ACPI_RSDP_FILE, ACPI_TABLES_FILE, AcpiTableHeader, LoaderAddChecksum, LoaderAddPointer, LoaderAllocate, QemuAcpiError, Rsdp10, TABLE_LOADER_FILE,
  TPM_LOG_FILE, encodeTableLoader, qemu72AcpiFiles,
} from '@tcg2sim/qemu-acpi';
import type { Qemu72AcpiVm } from '@tcg2sim/qemu-acpi';

const sha256 = (b: Uint8Array | undefined): string => createHash('sha256').update(b ?? new Uint8Array()).digest('hex');
const Q35: Qemu72AcpiVm = { machine: 'q35', cpus: 1, memoryMiB: 512, tpm: 'tis', chipset: { pmBase: 0x600, pciExpressBase: 0xe0000000 } };
const PC: Qemu72AcpiVm = { machine: 'pc', cpus: 1, memoryMiB: 512, tpm: 'tis', chipset: { pmBase: 0xb000 } };

function acpiDataDigests(vector: string): string[] {
  const log = decodeEventLog(new Uint8Array(readFileSync(new URL(`../../../platform-ovmf/test/vectors/${vector}`, import.meta.url))));
  return log.events
    .filter((e) => e.pcrIndex === 1 && Buffer.from(e.eventData).toString('latin1') === 'ACPI DATA')
    .map((e) => Buffer.from(e.digests.find((d) => d.hashAlg === 0x000b)?.digest ?? new Uint8Array()).toString('hex'));
}

// Truth: real boots of Debian's OVMF 2025.02 and 2026.08 on QEMU 7.2 (platform-ovmf's vectors,
// `tcg2sim capture`: -net none, one serial port, the default devices otherwise; the secboot boot
// on q35,smm=on with the SMI features negotiated; RAM split above 4 GiB with 2 and 4 CPUs) measured etc/table-loader, etc/acpi/rsdp, etc/tpm/log and
// etc/acpi/tables, in that order.
describe('qemu72AcpiFiles = the four blobs real OVMF boots measured', () => {
  const boots = [
    ['debian-trixie-2025.02/q35-tis-512-eventlog.bin', Q35],
    ['debian-trixie-2025.02/q35-smm-secboot-ms-tis-512-eventlog.bin', { ...Q35, smiCpuHotplug: true }],
    ['debian-trixie-2025.02/pc-crb-3584-2cpu-eventlog.bin', { ...PC, memoryMiB: 3584, cpus: 2, tpm: 'crb' }],
    ['debian-trixie-2025.02/q35-crb-5120-4cpu-eventlog.bin', { ...Q35, memoryMiB: 5120, cpus: 4, tpm: 'crb' }],
    ['debian-sid-2026.08/q35-tis-512-eventlog.bin', Q35],
    ['debian-sid-2026.08/q35-crb-1024-eventlog.bin', { ...Q35, memoryMiB: 1024, tpm: 'crb' }],
    ['debian-sid-2026.08/q35-smm-secboot-ms-tis-512-eventlog.bin', { ...Q35, smiCpuHotplug: true }],
    ['debian-sid-2026.08/pc-tis-768-eventlog.bin', { ...PC, memoryMiB: 768 }],
    ['debian-sid-2026.08/pc-crb-2048-eventlog.bin', { ...PC, memoryMiB: 2048, tpm: 'crb' }],
  ] as const;
  for (const [vector, vm] of boots) {
    it(`${vector}: every "ACPI DATA" digest`, () => {
      const files = qemu72AcpiFiles(vm);
      expect(acpiDataDigests(vector)).to.deep.equal([TABLE_LOADER_FILE, ACPI_RSDP_FILE, TPM_LOG_FILE, ACPI_TABLES_FILE].map((n) => sha256(files.get(n))));
    });
  }
  it('the DSDT decides the tables\' digest: one CPU more, another RAM split or no serial port do not match', () => {
    const measured = acpiDataDigests('debian-trixie-2025.02/q35-tis-512-eventlog.bin')[3];
    for (const vm of [{ ...Q35, cpus: 2 }, { ...Q35, memoryMiB: 1024 }, { ...Q35, serialPort: false }, { ...Q35, smiCpuHotplug: true }]) {
      expect(sha256(qemu72AcpiFiles(vm).get(ACPI_TABLES_FILE))).to.not.equal(measured);
    }
  });
});

// Truth: real boots of Debian trixie's OVMF 2025.02 with a NIC or a disk (qemu-fwcfg's
// test/vectors/ovmf-2025.02-pci/); the PCI state is what their `info pci` shows (the 64-bit BAR
// on bus 0 at 0xC000000000, 16 KiB).
describe('qemu72AcpiFiles with PCI devices = the blobs real OVMF boots measured', () => {
  const pciDigests = (name: string): string[] => {
    const log = decodeEventLog(new Uint8Array(readFileSync(new URL(`../../../qemu-fwcfg/test/vectors/ovmf-2025.02-pci/${name}.eventlog.bin`, import.meta.url))));
    return log.events.filter((e) => e.pcrIndex === 1 && Buffer.from(e.eventData).toString('latin1') === 'ACPI DATA')
      .map((e) => Buffer.from(e.digests.find((d) => d.hashAlg === 0x000b)?.digest ?? new Uint8Array()).toString('hex'));
  };
  const order = [TABLE_LOADER_FILE, ACPI_RSDP_FILE, TPM_LOG_FILE, ACPI_TABLES_FILE];
  const w64 = { base: 0xc0_0000_0000n, limit: 0xc0_0000_3fffn };
  for (const [name, vm] of [['nic', { ...Q35, pci: { rootBus: [{ slot: 2, fn: 0 }], w64 } }], ['disk', { ...Q35, pci: { rootBus: [{ slot: 2, fn: 0 }], w64 } }], ['pc-disk', { ...PC, pci: { rootBus: [{ slot: 3, fn: 0 }], w64 } }]] as const) {
    it(`${name}: the four digests`, () => {
      const files = qemu72AcpiFiles(vm);
      expect(order.map((n) => sha256(files.get(n)))).to.deep.equal(pciDigests(name));
      // without the device's 64-bit BAR the tables differ
      expect(sha256(qemu72AcpiFiles({ ...vm, pci: { rootBus: vm.pci.rootBus } }).get(ACPI_TABLES_FILE))).not.to.equal(pciDigests(name)[3]);
    });
  }
});

describe('qemu72AcpiFiles: the layouts read back', () => {
  it('the loader allocates the three blobs, then links and checksums each table it lists', () => {
    const files = qemu72AcpiFiles({ ...Q35, cpus: 4 }, new Uint8Array(100));
    const loader = files.get(TABLE_LOADER_FILE) ?? new Uint8Array();
    expect(loader.length).to.equal(4096);
    const kinds: number[] = [];
    for (let at = 0; at < loader.length; at += 128) kinds.push(new DataView(loader.buffer, loader.byteOffset + at).getUint32(0, true));
    expect(kinds.filter((k) => k !== 0)).to.deep.equal([1, 1, 1, 3, 2, 2, 2, 3, 3, 3, 2, 3, 3, 3, 2, 2, 2, 2, 2, 2, 3, 2, 3]);
    expect(Buffer.from(decode(LoaderAllocate, loader.subarray(0, 128)).file).toString('latin1').replace(/\0+$/, '')).to.equal(ACPI_RSDP_FILE);
    const tables = files.get(ACPI_TABLES_FILE) ?? new Uint8Array();
    expect(tables.length).to.equal(0x20000);
    const rsdp = decode(Rsdp10, files.get(ACPI_RSDP_FILE) ?? new Uint8Array());
    const [rsdt] = decodeFirst(AcpiTableHeader, tables.subarray(rsdp.rsdtAddress));
    expect(Buffer.from(rsdt.signature).toString('latin1')).to.equal('RSDT');
    const listed = Array.from({ length: (rsdt.length - 36) / 4 }, (_, i) => new DataView(tables.buffer).getUint32(rsdp.rsdtAddress + 36 + 4 * i, true));
    const names = listed.map((o) => Buffer.from(tables.subarray(o, o + 4)).toString('latin1'));
    expect(names).to.deep.equal(['FACP', 'APIC', 'HPET', 'TPM2', 'MCFG', 'WAET']);
    // Each listed table has an ADD_CHECKSUM over exactly its length.
    for (const o of listed) {
      const len = new DataView(tables.buffer).getUint32(o + 4, true);
      const found = kinds.some((k, i) => k === 3 && (() => {
        const c = decode(LoaderAddChecksum, loader.subarray(i * 128, i * 128 + 128));
        return c.start === o && c.length === len && c.offset === o + 9;
      })());
      expect(found, `checksum of the table at ${o}`).to.equal(true);
    }
    const tpmPointer = decode(LoaderAddPointer, loader.subarray(10 * 128, 11 * 128));
    expect(Buffer.from(tpmPointer.srcFile).toString('latin1').replace(/\0+$/, '')).to.equal(TPM_LOG_FILE);
    expect(tpmPointer.size).to.equal(8);
  });

  it('pc: a revision 1 FADT, no MCFG, and an APIC entry per possible CPU (absent ones disabled)', () => {
    const tables = qemu72AcpiFiles({ ...PC, cpus: 2, maxCpus: 3 }, new Uint8Array(10)).get(ACPI_TABLES_FILE) ?? new Uint8Array();
    // (a 10-byte definition block stands in for the DSDT here)
    const fadtAt = 64 + 46;
    expect(Buffer.from(tables.subarray(fadtAt, fadtAt + 4)).toString('latin1')).to.equal('FACP');
    const fadt = decodeFirst(AcpiTableHeader, tables.subarray(fadtAt))[0];
    expect([fadt.length, fadt.revision]).to.deep.equal([116, 1]);
    const apicAt = fadtAt + 116;
    const apic = decodeFirst(AcpiTableHeader, tables.subarray(apicAt))[0];
    expect(apic.length).to.equal(44 + 3 * 8 + 12 + 5 * 10 + 6);
    expect([...tables.subarray(apicAt + 44, apicAt + 44 + 24)].filter((_, i) => i % 8 === 4)).to.deep.equal([1, 1, 0]);
    expect(Buffer.from(tables).indexOf('MCFG')).to.equal(-1);
  });

  it('refuses shapes outside the model with a typed error', () => {
    const bad: Qemu72AcpiVm[] = [
      { ...Q35, cpus: 0 }, { ...Q35, cpus: 255 }, { ...Q35, cpus: 2, maxCpus: 1 }, { ...Q35, memoryMiB: 0 }, { ...PC, smiCpuHotplug: true },
      { ...PC, chipset: { pmBase: 0xb000, pciExpressBase: 0xe0000000 } }, { ...PC, chipset: { pmBase: 0x10000 } },
      { ...Q35, memoryMiB: 2048, chipset: { pmBase: 0x600, pciExpressBase: 0x40000000 } },
      // PCI state outside the model: pc root ports, multi-function pc slots, taken slots, a 64-bit window below 4 GiB; SMI features without SMM
      { ...PC, pci: { rootBus: [{ slot: 3, fn: 0, rootPort: true }] } }, { ...PC, pci: { rootBus: [{ slot: 3, fn: 1 }] } },
      { ...Q35, pci: { rootBus: [{ slot: 1, fn: 0 }] } }, { ...Q35, pci: { rootBus: [{ slot: 0x1f, fn: 4 }] } }, { ...PC, pci: { rootBus: [{ slot: 2, fn: 0 }] } },
      { ...Q35, pci: { rootBus: [{ slot: 2, fn: 0 }, { slot: 2, fn: 0 }] } }, { ...Q35, pci: { rootBus: [{ slot: 32, fn: 0 }] } },
      { ...Q35, pci: { rootBus: [{ slot: 2, fn: 0 }], w64: { base: 0x8000_0000n, limit: 0x8000_3fffn } } }, { ...Q35, smmDisabled: true, smiCpuHotplug: true },
    ];
    for (const vm of bad) expect(() => qemu72AcpiFiles(vm)).to.throw(QemuAcpiError).with.property('code', 'UNSUPPORTED_VM');
    expect(() => encodeTableLoader([{ kind: 'allocate', file: 'x'.repeat(56), align: 1, zone: 1 }])).to.throw(QemuAcpiError).with.property('code', 'BAD_LOADER_COMMAND');
  });
});
