/**
 * Errors about `predict`'s scenario name what the user typed: the flag (`--memory`, `--banks`)
 * when the value came from one, else the scenario file and its field (`s.yaml: memoryMiB`),
 * never the internal path alone (`memoryMiB`, `banks[0]`).
 */
import { SMM_ACCESS_PEI_FILE_GUID, Scenario, hasPeiSmmRelocation, measuresAcpiData, measurementFeatures, unmodelledMeasurements } from '@tcg2sim/platform-ovmf';
import type { Prediction } from '@tcg2sim/platform-ovmf';
import { findFileByGuid } from '@tcg2sim/uefi';
import type { BootOptions } from './boot-options.ts';
import { UsageError } from '../errors.ts';

/** Scenario fields whose flag is not the field's name in kebab case. */
const FLAG_OF_FIELD: Readonly<Record<string, { readonly flag: string; readonly option: string }>> = {
  memoryMiB: { flag: '--memory', option: 'memory' },
  tpmAutoDetection: { flag: '--no-tpm-auto-detection', option: 'tpmAutoDetection' },
};

const kebab = (s: string): string => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * Where a scenario field's value came from: its flag (`--memory`) when one was given, else the
 * field in the scenario file (`s.yaml: memoryMiB`), else the field name (a default).
 */
export function fieldOrigin(field: string, o: BootOptions): string {
  const known = FLAG_OF_FIELD[field];
  const flag = known?.flag ?? `--${kebab(field)}`;
  const option = known?.option ?? field;
  if ((o as Readonly<Record<string, unknown>>)[option] !== undefined) return flag;
  return o.scenario !== undefined ? `${o.scenario}: ${field}` : field;
}

const show = (v: unknown): string => (v === undefined ? '(none)' : JSON.stringify(v));

/** Validates the merged scenario; a UsageError with one line per issue, each naming its flag or field. */
export function checkScenario(value: Record<string, unknown>, o: BootOptions): Scenario {
  const r = Scenario.safeParse(value);
  if (r.success) return r.data;
  const lines = r.error.issues.map((issue) => {
    const [field, ...rest] = issue.path;
    if (typeof field !== 'string') {
      if (issue.code === 'unrecognized_keys') return `${o.scenario ?? 'scenario'}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
      const given = ['bios', 'code', 'vars'].filter((k) => value[k] !== undefined).map((k) => fieldOrigin(k, o));
      return `${given.join(' and ')}: ${issue.message}`;
    }
    let v: unknown = value[field];
    for (const k of rest) v = typeof v === 'object' && v !== null ? (v as Record<PropertyKey, unknown>)[k] : undefined;
    const where = fieldOrigin(field, o);
    // A flag's value is shown whole (`--banks: "md5"`); a file's field with its element path.
    const element = where.startsWith('--') ? '' : rest.map((k) => `[${String(k)}]`).join('');
    return `${where}${element}: ${show(v)}: ${issue.message.replace(/^Invalid option: /, '')}`;
  });
  throw new UsageError(lines.join('; '));
}

/**
 * What the CLI notes about the scenario against the image it booted: the variable store it
 * assumed when none was given, and an SMM build predicted without `--smm` or the reverse.
 * An SMM build is one whose PEIFV holds SmmAccessPei, as the boot model decides it
 * (OvmfPkg's .fdf includes SmmAccessPei only when SMM_REQUIRE is set).
 */
export function predictNotes(s: Scenario, p: Prediction, noVars: boolean): string[] {
  const notes: string[] = [];
  if (s.code !== undefined && noVars) {
    notes.push('no --vars: booted with an empty variable store (no variables, as a blank OVMF_VARS*.fd template: Secure Boot off, OVMF creates its default boot options); give --vars for the store the VM boots with');
  }
  const smmBuild = findFileByGuid(p.boot.sec.peiFv.volume, SMM_ACCESS_PEI_FILE_GUID) !== undefined;
  if (p.boot.unmodelled !== undefined) notes.push(`INCOMPLETE: ${p.boot.unmodelled}`);
  if (p.boot.measuresNothing === true) {
    // Nothing is measured: what the build would measure with its TPM modules plays no part.
    if (p.tpmStartedAfterBoot === true) notes.push('the firmware never sent TPM2_Startup: tpmPcrs were read after TPM2_Startup(CLEAR), as the OS\'s TPM driver starts such a TPM: PCRs 0-7 hold their reset values');
    return notes;
  }
  if (smmBuild && !s.smm) {
    notes.push('this image is an SMM build (SmmAccessPei in PEIFV) predicted without --smm: QEMU runs it as -machine q35,smm=on (capture --smm adds that and secure pflash); --smm changes nothing in the prediction');
  } else if (!smmBuild && s.smm) {
    notes.push('--smm: this image is not an SMM build (no SmmAccessPei in PEIFV): SMM plays no part in its boot');
  }
  const features = measurementFeatures(p.boot.sec);
  // With QEMU's fw_cfg files (modelled, fw-cfg-model.ts, or --fw-cfg-from-qemu) the "ACPI DATA" events are predicted.
  // With QEMU's fw_cfg files the SMBIOS event (SmbiosMeasurementDxe) is predicted too.
  const modelledNow = {
    ...features,
    ...(p.boot.acpiDataMeasured === true ? { acpiDataMeasured: { present: false, evidence: '' } } : {}),
    ...(p.boot.smbiosMeasured === true ? { smbiosMeasured: { present: false, evidence: '' } } : {}),
  };
  const unmodelled = unmodelledMeasurements(modelledNow);
  // Observed on Debian trixie's 2025.02 secboot image: its SMM PlatformPei writes pointers (RAM
  // addresses) into PEIFV before it is measured, which the 2022.11 locator does not find.
  // From edk2-stable202302 (ACPI DATA measured) only PlatformPei's SMBASE relocation (202405 on)
  // writes there: Ubuntu's 2024.02 and Fedora 38's SMM builds are exact (docs/distro-builds-202302.md).
  const peiFvWrites = !measuresAcpiData(p.boot.sec) || hasPeiSmmRelocation(p.boot.sec.peiFv);
  const peiFvUnmodelled = p.boot.measuredPeiFv.unmodelled;
  if (peiFvUnmodelled !== undefined) unmodelled.push(peiFvUnmodelled);
  else if (smmBuild && p.boot.measuredPeiFv.globals === undefined && p.boot.measuredPeiFv.legacyGlobals === undefined && p.boot.measuredPeiFv.smmRelocation === undefined && peiFvWrites) unmodelled.push('PlatformPei\'s writes into PEIFV of an SMM build newer than edk2-stable202211 (PCR0)');
  for (const u of unmodelled) {
    notes.push(`INCOMPLETE: this build measures ${u}, which tcg2sim does not model yet: the predicted log lacks those events and their PCRs are wrong (tcg2sim profile shows what the image holds)`);
  }
  if (p.boot.bdsAssumed !== undefined) notes.push(`INCOMPLETE: ${p.boot.bdsAssumed}: PCR1/PCR4 and the separators may be wrong (tcg2sim profile shows the evidence)`);
  return notes;
}

