/**
 * The DXE dispatcher: DxeCore runs the drivers DXEFV holds; the simulated ones act here in the
 * order their TPM commands and measurements happen on OVMF: Tcg2Dxe's entry and its Secure Boot
 * policy measurement (variable write), Tcg2ConfigDxe's entry, then what BDS's
 * PlatformBootManagerBeforeConsole sets off (the ACPI tables, which QemuFwCfgAcpiPlatformDxe
 * installs when PciBus signals PCI enumeration complete, before PciBusDxe loads the option ROM
 * drivers; SmmReadyToLock for Tcg2PlatformDxe), SmbiosMeasurementDxe's ReadyToBoot
 * callback, and BdsDxe's boot. Each runs only when its module is in this image's DXEFV and, for
 * a unit that reads its module's code, when that code has the behaviour.
 */
import { modulePresence } from './stand-ins.ts';
import type { DispatchedModule, Presence } from './unit.ts';
import type { DxeContext } from './context.ts';
import type { DxeUnit } from './dxe-unit.ts';
import type { SecOutput } from '../../sec.ts';
import { tcg2DxeUnit } from './tcg2-dxe.ts';
import { tcg2ConfigDxeUnit } from './tcg2-config-dxe.ts';
import { pciBusDxeUnit } from './pci-bus-dxe.ts';
import { tcg2PlatformDxeUnit } from './tcg2-platform-dxe.ts';
import { acpiPlatformDxeUnit } from './acpi-platform-dxe.ts';
import { smbiosMeasurementDxeUnit } from './smbios-measurement-dxe.ts';
import { bdsDxeUnit } from './bds-dxe.ts';
import { secvarUpdaterAfterMeasurementUnit, secvarUpdaterUnit } from './secvar-updater.ts';

/** The simulated DXE drivers in the order they act. */
export const DXE_UNITS: readonly DxeUnit[] = [
  secvarUpdaterUnit, tcg2DxeUnit, secvarUpdaterAfterMeasurementUnit, tcg2ConfigDxeUnit, acpiPlatformDxeUnit, pciBusDxeUnit, tcg2PlatformDxeUnit, smbiosMeasurementDxeUnit, bdsDxeUnit,
];

/** Whether `u` acts in this image, and why. */
export function dxePresence(u: DxeUnit, sec: SecOutput): Presence {
  return u.present?.(sec) ?? modulePresence(sec, 'DXE', u.module);
}

/** Whether `u` has a row in the listing: every OvmfPkg module's unit, a distribution's only when present. */
export function listed(u: DxeUnit, p: Presence): boolean {
  return p.present || u.distributionOnly !== true;
}

/** The listing entry of `u`. */
export function dxeListing(u: DxeUnit, p: Presence): DispatchedModule {
  return { phase: 'DXE', module: u.module.name, fileGuid: u.module.fileGuid, role: u.role, dispatched: p.present, evidence: p.evidence };
}

/**
 * The DXE listing of an image whose boot reaches no DXE simulation (no Tcg2Dxe, or Tcg2Pei
 * measured nothing): every DXE unit acts through EFI_TCG2_PROTOCOL, so none runs; a module
 * DXEFV holds still runs in the firmware, measuring nothing.
 */
export function dxeListingUnmeasured(sec: SecOutput, why: string): DispatchedModule[] {
  return DXE_UNITS.filter((u) => listed(u, dxePresence(u, sec))).map((u) => {
    const p = dxePresence(u, sec);
    return dxeListing(u, { present: false, evidence: p.present ? `${p.evidence}, but ${why}: nothing it does is measured (not simulated)` : p.evidence });
  });
}

/** Runs each unit that acts in this image, in order (Tcg2Dxe's entry already made `ctx`). */
export async function dispatchDxe(ctx: DxeContext, units: readonly DxeUnit[] = DXE_UNITS): Promise<void> {
  for (const u of units) {
    const p = dxePresence(u, ctx.sec);
    if (listed(u, p)) ctx.dispatched.push(dxeListing(u, p));
    if (p.present) await u.run(ctx);
  }
  // Every OvmfPkg .fdf includes PciBusDxe and BdsDxe: an image without them is no OVMF build.
  const missing = ctx.dispatched.filter((d) => d.phase === 'DXE' && !d.dispatched && (d.module === 'PciBusDxe' || d.module === 'BdsDxe')).map((d) => d.module);
  if (missing.length > 0) ctx.unmodelled = `DXEFV has no ${missing.join(' and ')} (every OvmfPkg build has both): the boot without ${missing.length > 1 ? 'them' : 'it'} is not modelled`;
  if (missing.includes('BdsDxe')) ctx.endState = 'DXEFV has no BdsDxe: DxeCore finds no BDS architectural protocol, nothing is booted';
}
