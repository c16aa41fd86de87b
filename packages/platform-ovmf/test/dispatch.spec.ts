/**
 * The boot is driven by the modules the image holds (boot/modules/): the same VM and the same
 * QEMU fw_cfg files give the "ACPI DATA", SMBIOS and platform-auth steps only when DXEFV holds
 * the module that has them (and, for QemuFwCfgAcpiPlatform, when its code has the measurement).
 * The images are the embedded default firmware with stand-in drivers under the real modules'
 * FILE_GUIDs; the expected digests are node:crypto's SHA-256 of the very blobs.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { decodeEventLog, EV } from '@tcg2sim/event-log';
import type { LogEvent } from '@tcg2sim/event-log';
import { TPM_ALG_HASH } from '@tcg2sim/hash-lib';
import { TPM_CC } from '@tcg2sim/tpm2-command-lib';
import { SoftTpmBackend } from '@tcg2sim/tpm-backends';
import { VirtualClock } from '@tcg2sim/ptp';
import {
  DXE_UNITS, MachineDescription, PEI_UNITS, buildDefaultFirmware, decompressMemFvs, dispatchListing, findModule, profileImage, simulateBoot,
} from '@tcg2sim/platform-ovmf';
import type { BootResult, ExtraDxeModule } from '@tcg2sim/platform-ovmf';

const ACPI_PLATFORM = '17985E6F-E778-4D94-AEFA-C5DD2B77E186';
const SMBIOS_MEASUREMENT = 'D27FED59-ABB4-4FED-BEAD-2A878C7E4A7E';
const TCG2_PLATFORM_DXE = '5CAB08D5-AD8F-4D8B-B828-D17A8D9FE977';

/** QEMU's etc/table-loader with one ALLOCATE command per file (128-byte commands, 56-byte names). */
function tableLoader(files: readonly string[]): Uint8Array {
  const out = new Uint8Array(128 * files.length);
  const view = new DataView(out.buffer);
  files.forEach((f, i) => {
    view.setUint32(i * 128, 1, true); // ALLOCATE
    out.set(new TextEncoder().encode(f), i * 128 + 4);
    view.setUint32(i * 128 + 60, 64, true);
    out[i * 128 + 64] = 1; // high memory zone
  });
  return out;
}

const tables = Uint8Array.from({ length: 300 }, (_, i) => (i * 13 + 5) & 0xff);
const rsdp = Uint8Array.from({ length: 36 }, (_, i) => (i * 29 + 1) & 0xff);
const loader = tableLoader(['etc/acpi/rsdp', 'etc/acpi/tables']);
const vectors = new URL('../../test/vectors/debian-sid-2026.08/', import.meta.url);
const fwCfgFiles = new Map<string, Uint8Array>([
  ['etc/table-loader', loader],
  ['etc/acpi/rsdp', rsdp],
  ['etc/acpi/tables', tables],
  ['etc/smbios/smbios-anchor', new Uint8Array(readFileSync(new URL('q35-512-smbios-anchor.bin', vectors)))],
  ['etc/smbios/smbios-tables', new Uint8Array(readFileSync(new URL('q35-512-smbios-tables.bin', vectors)))],
]);

async function boot(extra: readonly ExtraDxeModule[]): Promise<{ boot: BootResult; events: readonly LogEvent[] }> {
  const fw = buildDefaultFirmware({ extraDxeModules: extra });
  const backend = new SoftTpmBackend({});
  try {
    const r = await simulateBoot({
      code: fw.code, vars: fw.vars, machine: MachineDescription.parse({}), tpmInterface: 'tis', backend, clock: new VirtualClock(), fwCfgFiles,
    });
    return { boot: r, events: decodeEventLog(r.eventLog).events };
  } finally {
    await backend.close();
  }
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const sha256Of = (e: LogEvent): string => Buffer.from(e.digests.find((d) => d.hashAlg === TPM_ALG_HASH.SHA256)?.digest ?? []).toString('hex');
const acpiData = (events: readonly LogEvent[]): LogEvent[] => events.filter((e) => e.pcrIndex === 1 && e.eventType === EV.PLATFORM_CONFIG_FLAGS);
const smbios = (events: readonly LogEvent[]): LogEvent[] => events.filter((e) => e.pcrIndex === 1 && e.eventType === EV.EFI_HANDOFF_TABLES);
const entry = (b: BootResult, module: string): { dispatched: boolean; evidence: string } | undefined => b.dispatched?.find((d) => d.module === module);

describe('the boot is dispatched over the modules the image holds (boot/modules/)', function () {
  this.timeout(60_000);

  it('without QemuFwCfgAcpiPlatform, SmbiosMeasurementDxe, Tcg2PlatformDxe in DXEFV: none of their events or TPM commands, though the fw_cfg files are there', async () => {
    const { boot: b, events } = await boot([]);
    expect(acpiData(events)).to.have.length(0);
    expect(smbios(events)).to.have.length(0);
    expect(b.exchanges.filter((x) => x.command.length >= 10 && new DataView(x.command.buffer, x.command.byteOffset).getUint32(6) === TPM_CC.HierarchyChangeAuth)).to.have.length(0);
    expect(b.acpiDataMeasured).to.equal(undefined);
    expect(entry(b, 'QemuFwCfgAcpiPlatform')).to.deep.include({ dispatched: false });
    expect(entry(b, 'QemuFwCfgAcpiPlatform')?.evidence).to.match(/^DXEFV has no QemuFwCfgAcpiPlatform/);
    expect(entry(b, 'SmbiosMeasurementDxe')).to.deep.include({ dispatched: false });
    expect(entry(b, 'Tcg2Dxe')).to.deep.include({ dispatched: true });
  });

  it('QemuFwCfgAcpiPlatform whose code has "ACPI DATA": one PCR1 event for the loader and each blob it allocates, digests of the blobs', async () => {
    const { boot: b, events } = await boot([{ name: 'QemuFwCfgAcpiPlatform', guid: ACPI_PLATFORM, text: 'AcpiPlatform ACPI DATA' }]);
    const got = acpiData(events);
    expect(got.map(sha256Of)).to.deep.equal([loader, rsdp, tables].map(sha256));
    expect(got.map((e) => Buffer.from(e.eventData).toString('latin1'))).to.deep.equal(['ACPI DATA', 'ACPI DATA', 'ACPI DATA']);
    expect(b.acpiDataMeasured).to.equal(true);
    // Before ReadyToBoot's separators (PCR0-6): the driver runs before BDS signals it.
    const firstSeparator = events.findIndex((e) => e.eventType === EV.SEPARATOR && e.pcrIndex === 0);
    expect(events.indexOf(got[2] as LogEvent)).to.be.below(firstSeparator);
  });

  it('QemuFwCfgAcpiPlatform without that code (before edk2-stable202302): present, but nothing measured', async () => {
    const { boot: b, events } = await boot([{ name: 'QemuFwCfgAcpiPlatform', guid: ACPI_PLATFORM, text: 'AcpiPlatform without the event text' }]);
    expect(acpiData(events)).to.have.length(0);
    expect(entry(b, 'QemuFwCfgAcpiPlatform')?.evidence).to.match(/^DXEFV has QemuFwCfgAcpiPlatform .* without the "ACPI DATA" measurement/);
  });

  it('SmbiosMeasurementDxe in DXEFV: one EV_EFI_HANDOFF_TABLES event in PCR1 at the first ReadyToBoot', async () => {
    const { boot: b, events } = await boot([{ name: 'SmbiosMeasurementDxe', guid: SMBIOS_MEASUREMENT, text: 'SmbiosMeasurementDxe' }]);
    expect(smbios(events)).to.have.length(1);
    expect(b.smbiosMeasured).to.equal(true);
    expect(entry(b, 'SmbiosMeasurementDxe')).to.deep.include({ dispatched: true });
  });

  it('Tcg2PlatformDxe in DXEFV: TPM2_HierarchyChangeAuth(TPM_RH_PLATFORM) once, no event of its own', async () => {
    const without = await boot([]);
    const withIt = await boot([{ name: 'Tcg2PlatformDxe', guid: TCG2_PLATFORM_DXE, text: 'Tcg2PlatformDxe' }]);
    const changeAuth = (b: BootResult): number => b.exchanges.filter((x) => x.phase === 'dxe:Tcg2PlatformDxe' && new DataView(x.command.buffer, x.command.byteOffset).getUint32(6) === TPM_CC.HierarchyChangeAuth).length;
    expect(changeAuth(withIt.boot)).to.equal(1);
    expect(changeAuth(without.boot)).to.equal(0);
    // The same events (DXEFV's digest differs: it holds one more file).
    const shape = (r: { events: readonly LogEvent[] }): string[] => r.events.map((e) => `${e.pcrIndex}:${e.eventType}`);
    expect(shape(withIt)).to.deep.equal(shape(without));
  });

  it('the listing names every unit in dispatch order, with the module GUIDs; profile carries it', () => {
    const fw = buildDefaultFirmware({ extraDxeModules: [{ name: 'SmbiosMeasurementDxe', guid: SMBIOS_MEASUREMENT, text: 'x' }] });
    const sec = decompressMemFvs(fw.code);
    const listing = dispatchListing(sec);
    // A distribution's module (Ubuntu's FirmwareSecvarUpdater) has a row only in images that hold it.
    expect(listing.map((d) => d.module)).to.deep.equal([...PEI_UNITS, ...DXE_UNITS.filter((u) => u.distributionOnly !== true)].map((u) => u.module.name));
    expect(DXE_UNITS.some((u) => u.distributionOnly === true)).to.equal(true);
    expect(listing.find((d) => d.module === 'SmbiosMeasurementDxe')).to.deep.include({ dispatched: true, fileGuid: SMBIOS_MEASUREMENT });
    expect(listing.find((d) => d.module === 'QemuFwCfgAcpiPlatform')).to.deep.include({ dispatched: false });
    expect(profileImage(fw.code, sec).dispatch).to.deep.equal(listing);
  });

  it('finds a module by FILE_GUID, else by its UI name or an alias (a build giving the module another GUID)', () => {
    const sec = decompressMemFvs(buildDefaultFirmware({ extraDxeModules: [{ name: 'Tcg12ConfigDxe', guid: '11111111-2222-3333-4444-555555555555', text: 'x' }] }).code);
    const fv = sec.dxeFv.volume;
    expect(findModule(fv, { name: 'Other', fileGuid: '11111111-2222-3333-4444-555555555555' })?.guid).to.equal('11111111-2222-3333-4444-555555555555');
    expect(findModule(fv, { name: 'Tcg12ConfigDxe', fileGuid: '99999999-2222-3333-4444-555555555555' })?.guid).to.equal('11111111-2222-3333-4444-555555555555');
    expect(findModule(fv, { name: 'Tcg2ConfigDxe', fileGuid: '99999999-2222-3333-4444-555555555555', aliases: ['Tcg12ConfigDxe'] })).to.not.equal(undefined);
    expect(findModule(fv, { name: 'Tcg2ConfigDxe', fileGuid: '99999999-2222-3333-4444-555555555555' })).to.equal(undefined);
  });
});
