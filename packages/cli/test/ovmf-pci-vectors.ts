/**
 * The real boots of Debian's OVMF with PCI devices (qemu-fwcfg test/vectors/ovmf-2025.02-pci/:
 * trixie 2025.02, and sid's ovmf-generic 2026.08 with the `sid-` prefix), the libvirt domain they
 * describe (qemu-config test/fixtures/q35-libvirt-vm.*), and the comparison of a predicted log with
 * them. Shared by predict-fw-cfg-devices.spec.ts (--fw-cfg-from-qemu) and
 * predict-fw-cfg-model-devices.spec.ts (the modelled ACPI blobs).
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { decodeEventLog, replayEventLog } from '@tcg2sim/event-log';
import type { LogEvent } from '@tcg2sim/event-log';
import { toHex } from '@tcg2sim/binary-codec';
import { buildEspDisk, debianOvmfDir, fetchHint } from '@tcg2sim/test-support';

export interface PciBuild {
  readonly name: string;
  /** The prefix of the build's vector files. */
  readonly prefix: string;
  readonly code: string;
  readonly vars: string;
  readonly hint: string;
}

export const PCI_BUILDS: readonly PciBuild[] = [
  { name: 'trixie 2025.02', prefix: '', suite: 'trixie', pkg: 'ovmf' },
  { name: 'sid ovmf-generic 2026.08', prefix: 'sid-', suite: 'sid', pkg: 'ovmf-generic' },
].map(({ name, prefix, suite, pkg }) => ({
  name, prefix, code: join(debianOvmfDir(suite, pkg), 'OVMF_CODE_4M.fd'), vars: join(debianOvmfDir(suite, pkg), 'OVMF_VARS_4M.fd'), hint: fetchHint(suite, pkg),
}));

/** Debian's signed shim, the loader on the ESP of the disk VMs. */
export const SHIM = '/usr/lib/shim/shimx64.efi.signed';
const VECTORS = new URL('../../../qemu-fwcfg/test/vectors/ovmf-2025.02-pci/', import.meta.url);
const FIXTURES = new URL('../../../qemu-config/test/fixtures/', import.meta.url);

/** The real boot's event log of `name` (`disk`, `lv`, `nic`, …) for `build`. */
export function pciVector(build: PciBuild, name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`${build.prefix}${name}.eventlog.bin`, VECTORS)));
}

/** The files the libvirt domain names, in `dir`: an ESP disk holding shim, and a copy of the build's variable store. */
export function writeShimDiskAndNvram(build: PciBuild, dir: string): { disk: string; nvram: string } {
  const disk = join(dir, 'shim-disk.img');
  const nvram = join(dir, 'lv1_VARS.fd');
  writeFileSync(disk, buildEspDisk({ fatType: 'FAT12', files: [{ path: 'EFI/BOOT/BOOTX64.EFI', data: readFileSync(SHIM) }] }));
  copyFileSync(build.vars, nvram);
  return { disk, nvram };
}

/** A libvirt fixture (`q35-libvirt-vm.virsh-9.0.args`, `q35-libvirt-vm.xml`) with its firmware, disk and NVRAM paths replaced. */
export function libvirtFixture(name: string, paths: { readonly code: string; readonly disk: string; readonly nvram: string }): string {
  return readFileSync(new URL(name, FIXTURES), 'utf8')
    .replaceAll('/usr/share/OVMF/OVMF_CODE_4M.fd', paths.code)
    .replaceAll('/var/lib/libvirt/images/lv1.img', paths.disk)
    .replaceAll('/var/lib/libvirt/qemu/nvram/lv1_VARS.fd', paths.nvram);
}

const isAcpiData = (e: LogEvent): boolean => e.pcrIndex === 1 && Buffer.from(e.eventData).toString('latin1') === 'ACPI DATA';

/**
 * Every event of `ours` equals the real log's (PCR, type, digests, data), the real log cut to
 * ours' length (a loader logs after its image event); EV_EFI_BOOT_SERVICES_* data is compared
 * from byte 8 on: ImageLocationInMemory is not calibrated for 2025.02 (docs/newer-ovmf.md).
 * Four "ACPI DATA" events; PCRs 0-7 of every bank (four) equal.
 */
export function expectSameLog(ours: Uint8Array, real: Uint8Array): void {
  const a = decodeEventLog(ours);
  const b = decodeEventLog(real);
  const n = a.events.length;
  expect(b.events.length).to.be.at.least(n);
  const cut = { ...b, events: b.events.slice(0, n) };
  a.events.forEach((e, i) => {
    const r = b.events[i];
    expect([e.pcrIndex, e.eventType], `event ${i}`).to.deep.equal([r?.pcrIndex, r?.eventType]);
    expect(e.digests.map((d) => toHex(d.digest)), `event ${i} digests`).to.deep.equal(r?.digests.map((d) => toHex(d.digest)));
    // EV_EFI_HANDOFF_TABLES (sid's SMBIOS): the table's address is calibrated for 512 MiB only
    if (e.eventType === 0x80000009) return;
    const skip = e.eventType === 0x80000003 || e.eventType === 0x80000004 ? 8 : 0;
    expect(toHex(e.eventData.subarray(skip)), `event ${i} data`).to.equal(toHex(r?.eventData.subarray(skip) ?? new Uint8Array()));
  });
  expect(a.events.filter(isAcpiData)).to.have.length(4);
  const ra = replayEventLog(a);
  const rb = replayEventLog(cut);
  expect(ra.banks.size).to.equal(4);
  for (const [alg, pcrs] of rb.banks) {
    for (let i = 0; i <= 7; i++) expect(toHex(ra.banks.get(alg)?.get(i) ?? new Uint8Array()), `alg ${alg} PCR${i}`).to.equal(toHex(pcrs.get(i) ?? new Uint8Array()));
  }
}
