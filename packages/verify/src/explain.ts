/**
 * What an event belongs to and, for an event that differs, is missing or is extra, the likely
 * cause in words. The facts used: which EDK II module logs which event (Tcg2Pei: S-CRTM version
 * and the firmware volumes; Tcg2Dxe with BDS: boot variables in PCR1, option ROM drivers in PCR2,
 * boot attempts and applications in PCR4, the GPT in PCR5, Secure Boot variables and authorities
 * in PCR7), and what decides each one's digest (docs/edk2-pei.md §5.5-§6.3,
 * docs/edk2-dxe.md §8-§12).
 */
import { equalBytes } from '@tcg2sim/binary-codec';
import { decodeEventData, eventTypeLabel, EV } from '@tcg2sim/event-log';
import type { LogEvent } from '@tcg2sim/event-log';
import { hashAlgInfo, isHashAlg } from '@tcg2sim/hash-lib';
import type { TpmAlgHash } from '@tcg2sim/hash-lib';
import { decodeDevicePath, decodeLoadOption, devicePathToText, parseSignatureLists } from '@tcg2sim/uefi';

/** A firmware volume of the predicted boot, to name the blob events by address. */
export interface NamedRange {
  readonly name: string;
  readonly base: bigint;
  readonly length: bigint;
}

/** What the caller found out by predicting the same firmware for other VM shapes. */
export interface PeiFvProbe {
  /** VM shapes (e.g. "--memory 1024") whose PEIFV measurement equals the log's. */
  readonly matches: readonly string[];
  /** What was tried, in words (e.g. "RAM sizes 128-16384 MiB on q35 and pc"). */
  readonly tried: string;
}

/** Context the explanations read. */
export interface ExplainContext {
  readonly uintnSize: number;
  readonly banks: readonly TpmAlgHash[];
  readonly firmwareVolumes: readonly NamedRange[];
  /** Set when PEIFV's event differs and the caller probed other VM shapes. */
  readonly peiFvProbe?: PeiFvProbe;
}

/** An event's part of the boot and a cause for its divergence. */
export interface Explanation {
  readonly component: string;
  readonly detail: string;
  readonly cause: string;
}

const utf16 = (b: Uint8Array): string => Buffer.from(b).toString('utf16le').replace(/\0+$/, '');

function devicePathText(bytes: Uint8Array): string {
  try {
    return devicePathToText(decodeDevicePath(bytes));
  } catch {
    return `an undecodable device path (${bytes.length} bytes)`;
  }
}

/** `Boot0003 "UEFI PXEv4 (MAC:525400123456)" PciRoot(0x0)/…` for a Boot#### variable event. */
function bootOptionText(name: string, data: Uint8Array): string {
  try {
    const o = decodeLoadOption(data);
    const first = o.filePathList[0];
    return `${name} "${o.description}" ${first === undefined ? '(no device path)' : devicePathToText(first)}`;
  } catch {
    return `${name} (${data.length} bytes, not an EFI_LOAD_OPTION)`;
  }
}

function signatureCount(data: Uint8Array, name: string): string {
  try {
    const lists = parseSignatureLists(data, name);
    const n = lists.reduce((s, l) => s + l.entries.length, 0);
    return `${n} entr${n === 1 ? 'y' : 'ies'} in ${lists.length} list${lists.length === 1 ? '' : 's'}`;
  } catch {
    return `${data.length} bytes`;
  }
}

function digestBanksDiffering(p: LogEvent, r: LogEvent, banks: readonly TpmAlgHash[]): string[] {
  const out: string[] = [];
  for (const alg of banks) {
    const a = p.digests.find((d) => d.hashAlg === alg);
    const b = r.digests.find((d) => d.hashAlg === alg);
    if (a === undefined || b === undefined || !equalBytes(a.digest, b.digest)) out.push(hashAlgInfo(alg).name);
  }
  return out;
}

const SECURE_BOOT_VARIABLES = new Set(['PK', 'KEK', 'db', 'dbx', 'dbt', 'dbr', 'SecureBoot']);

/** The component an event belongs to, from the event alone. */
function componentOf(e: LogEvent, ctx: ExplainContext): { component: string; what: string } {
  const view = decodeEventData(e.eventType, e.eventData, { uintnSize: ctx.uintnSize });
  const type = eventTypeLabel(e.eventType);
  switch (view.kind) {
    case 'spec-id':
      return { component: 'the log header (Spec ID Event03)', what: `banks ${view.value.digestSizes.map((d) => (isHashAlg(d.algorithmId) ? hashAlgInfo(d.algorithmId).name : `0x${d.algorithmId.toString(16)}`)).join(',')}, uintnSize ${view.value.uintnSize}` };
    case 'startup-locality':
      return { component: 'StartupLocality (Tcg2Pei)', what: `locality ${view.value.startupLocality}` };
    case 'firmware-blob':
    case 'firmware-blob2': {
      const base = view.value.blobBase;
      const fv = ctx.firmwareVolumes.find((f) => f.base === base);
      const name = fv?.name ?? `firmware blob at 0x${base.toString(16)}`;
      return { component: `${name} (measured by Tcg2Pei)`, what: `base 0x${base.toString(16)} length 0x${view.value.blobLength.toString(16)}` };
    }
    case 'variable': {
      const v = view.value;
      if (e.eventType === EV.EFI_VARIABLE_BOOT || e.eventType === EV.EFI_VARIABLE_BOOT2) {
        if (v.unicodeName === 'BootOrder') {
          const order: string[] = [];
          for (let i = 0; i + 1 < v.variableData.length; i += 2) order.push(`Boot${((v.variableData[i] ?? 0) | ((v.variableData[i + 1] ?? 0) << 8)).toString(16).toUpperCase().padStart(4, '0')}`);
          return { component: 'BootOrder (BDS, PCR1)', what: order.join(',') };
        }
        return { component: `boot option ${v.unicodeName} (BDS, PCR1)`, what: bootOptionText(v.unicodeName, v.variableData) };
      }
      if (e.eventType === EV.EFI_VARIABLE_AUTHORITY) return { component: 'Secure Boot authority (PCR7)', what: `${v.unicodeName}, ${v.variableData.length} bytes` };
      if (SECURE_BOOT_VARIABLES.has(v.unicodeName)) {
        const what = v.unicodeName === 'SecureBoot' ? `SecureBoot = ${v.variableData[0] ?? 'empty'}` : `${v.unicodeName}: ${signatureCount(v.variableData, v.unicodeName)}`;
        return { component: `Secure Boot variable ${v.unicodeName} (PCR7)`, what };
      }
      return { component: `variable ${v.unicodeName} (PCR${e.pcrIndex})`, what: `${v.variableData.length} bytes` };
    }
    case 'image-load': {
      const path = devicePathText(view.value.devicePath);
      const role = e.eventType === EV.EFI_BOOT_SERVICES_DRIVER || e.eventType === EV.EFI_RUNTIME_SERVICES_DRIVER ? 'option ROM driver' : 'boot application';
      return { component: `${role} (PCR${e.pcrIndex})`, what: `${path}, ${view.value.imageLengthInMemory} bytes` };
    }
    case 'gpt':
      return { component: 'the boot disk\'s GPT (PCR5)', what: `disk ${view.value.uefiPartitionHeader.diskGuid}, ${view.value.partitions.length} partitions` };
    case 'separator':
      return { component: `separator (PCR${e.pcrIndex})`, what: `0x${view.value.toString(16).padStart(8, '0')}` };
    case 'text':
      if (e.eventType === EV.EFI_ACTION && e.pcrIndex === 4) return { component: 'BDS boot attempt (PCR4)', what: `"${view.value.replace(/\0+$/, '')}"` };
      return { component: `${type} (PCR${e.pcrIndex})`, what: `"${view.value.replace(/\0+$/, '')}"` };
    case 'ucs2':
      if (e.eventType === EV.S_CRTM_VERSION) return { component: 'S-CRTM version (PcdFirmwareVersionString, Tcg2Pei)', what: `L"${view.value}"` };
      return { component: `${type} (PCR${e.pcrIndex})`, what: `L"${view.value}"` };
    case 'handoff-tables':
    case 'handoff-tables2':
      return { component: `handoff tables (SMBIOS, PCR${e.pcrIndex})`, what: `${view.value.tableEntry.length} tables` };
    case 'invalid':
    case 'raw':
    case 'sp800-155-event2':
    case 'sp800-155-event3':
    case 'spec-id-legacy':
      if (e.eventType === EV.S_CRTM_VERSION) return { component: 'S-CRTM version (PcdFirmwareVersionString, Tcg2Pei)', what: utf16(e.eventData) };
      if (e.eventType === EV.PLATFORM_CONFIG_FLAGS) return { component: `platform configuration data (PCR${e.pcrIndex})`, what: `${e.eventData.length} bytes` };
      return { component: `${type} (PCR${e.pcrIndex})`, what: `${e.eventData.length} bytes of data` };
  }
}

function bootOptionCause(what: string): string {
  if (/MAC\(|IPv4\(|IPv6\(|Uri\(/.test(what)) return 'a NIC the description does not have (its PXE/HTTP boot options; describe it with --nic or --qemu-cmdline)';
  if (/HD\(|Sata\(|NVMe\(|Scsi\(|Ata\(|CDROM\(/.test(what)) return 'a disk or CD-ROM the description does not have, or attached elsewhere (--disk, --disk-interface)';
  return 'a boot option the description does not have (another variable store, or options a boot added: --vars)';
}

/** Why a predicted event has no counterpart in the log. */
function missingCause(component: string, e: LogEvent): string {
  if (component.startsWith('boot option') || component.startsWith('BootOrder')) return 'the VM lacks a device the description has, or its variable store holds other boot options (--vars)';
  if (component.startsWith('option ROM')) return 'the VM has no such PCI device with an option ROM, or its ROM is disabled (rombar=0)';
  if (component.startsWith('BDS boot attempt') || component.startsWith('boot application')) return 'the VM booted something else first (another boot option or boot order), or the log was taken before this point';
  if (component.startsWith('the boot disk')) return 'the VM booted no disk, or another one';
  if (e.eventType === EV.EFI_VARIABLE_AUTHORITY) return 'the image was not verified against this db entry (Secure Boot off, another signer or db)';
  return 'the log does not have this event: another firmware build or VM shape';
}

/** Why the log has an event the prediction lacks. */
function extraCause(component: string, what: string): string {
  if (component.startsWith('option ROM')) return `a PCI device with an option ROM the description does not have (a NIC's iPXE ROM is the usual one): ${what.split(',')[0] ?? what}`;
  if (component.startsWith('boot option')) return bootOptionCause(what);
  if (component.startsWith('BDS boot attempt')) return 'a boot attempt the description does not make: a boot option it does not have (a NIC, a disk) was tried first';
  if (component.startsWith('boot application')) return 'an application the description does not boot: another boot option ran';
  if (component.startsWith('the boot disk')) return 'the VM booted from a disk the description does not have (--disk)';
  if (component.startsWith('Secure Boot authority')) return 'an image was verified against a db entry the description does not use (another db or signer)';
  return 'the prediction does not have this event: another firmware build or VM shape';
}

function differsCause(component: string, p: { what: string }, r: { what: string }, pe: LogEvent, re: LogEvent, ctx: ExplainContext): string {
  if (component.startsWith('the log header')) return "the TPM's active PCR banks differ from the description's (--banks)";
  if (component.startsWith('S-CRTM')) return `another firmware build: its version string is ${r.what}, the image's ${p.what}`;
  if (component.startsWith('PEIFV')) {
    const probe = ctx.peiFvProbe;
    if (p.what !== r.what) return 'another firmware build (PEIFV at another address or of another size)';
    if (probe === undefined) return 'another RAM size or machine type (PlatformPei writes the RAM layout into PEIFV before it is measured), or another firmware build';
    if (probe.matches.length > 0) return `another RAM size or machine type: PlatformPei writes the RAM layout into PEIFV before it is measured, and ${probe.matches.join(' or ')} would match`;
    return `another firmware build, or a VM shape not tried (${probe.tried}: none matches)`;
  }
  if (component.includes('(measured by Tcg2Pei)')) return p.what === r.what ? 'another firmware build (the volume\'s contents differ)' : 'another firmware build (the volume sits elsewhere or has another size)';
  if (component.startsWith('Secure Boot variable')) return `the VM's ${component.split(' ')[3] ?? 'Secure Boot'} differs from the description's variable store (log: ${r.what}; predicted: ${p.what}): a changed PK/KEK/db/dbx (--vars)`;
  if (component.startsWith('Secure Boot authority')) return 'another db entry authorised the image (another signer or db)';
  if (component.startsWith('BootOrder')) return `another boot order (log: ${r.what}; predicted: ${p.what}): devices the description lacks or has, bootindex, or a used variable store`;
  if (component.startsWith('boot option')) return r.what === p.what ? 'the same option with other optional data' : bootOptionCause(r.what);
  if (component.startsWith('option ROM')) return 'another option ROM image for the device (another QEMU version or romfile)';
  if (component.startsWith('boot application')) {
    return p.what.split(',')[0] === r.what.split(',')[0] ? 'another version of the same boot application (its Authenticode digest differs)' : 'another boot application ran (another boot option or disk)';
  }
  if (component.startsWith('the boot disk')) return 'another disk or partition table';
  if (component.startsWith('handoff tables')) return 'other SMBIOS tables: machine type, CPU count, RAM or QEMU version';
  if (component.startsWith('platform configuration data')) return "other QEMU data (ACPI tables, fw_cfg files): the VM's devices or QEMU version";
  if (component.startsWith('separator')) return re.eventData.some((b) => b !== 0) || pe.eventData.some((b) => b !== 0) ? 'an error separator: a measurement failed in one of the two boots' : 'another separator';
  return 'another firmware build or VM shape';
}

/** The component of `e` (predicted or real) and its description. */
export function describeComponent(e: LogEvent, ctx: ExplainContext): { component: string; what: string } {
  return componentOf(e, ctx);
}

/** Explains one step of an alignment that is not `same`. */
export function explain(kind: 'differs' | 'missing' | 'extra', predicted: LogEvent | undefined, real: LogEvent | undefined, ctx: ExplainContext): Explanation {
  if (kind === 'missing' && predicted !== undefined) {
    const c = componentOf(predicted, ctx);
    return { component: c.component, detail: `predicted, not in the log: ${c.what}`, cause: missingCause(c.component, predicted) };
  }
  if (kind === 'extra' && real !== undefined) {
    const c = componentOf(real, ctx);
    return { component: c.component, detail: `in the log, not predicted: ${c.what}`, cause: extraCause(c.component, c.what) };
  }
  if (predicted === undefined || real === undefined) throw new TypeError('explain: a differing step has both events');
  const p = componentOf(predicted, ctx);
  const r = componentOf(real, ctx);
  const banks = digestBanksDiffering(predicted, real, ctx.banks);
  const dataSame = equalBytes(predicted.eventData, real.eventData);
  const detail = `${banks.length > 0 ? `${banks.join(', ')} digest${banks.length > 1 ? 's' : ''} differ` : 'digests equal'}${dataSame ? ', event data equal' : `; log: ${r.what}; predicted: ${p.what}`}`;
  return { component: r.component, detail, cause: differsCause(r.component, p, r, predicted, real, ctx) };
}

/** The same tables (VendorGuid, in order), wherever they lie. */
function sameTableGuids(a: readonly { readonly vendorGuid: string }[], b: readonly { readonly vendorGuid: string }[]): boolean {
  return a.length === b.length && a.every((t, i) => t.vendorGuid === b[i]?.vendorGuid);
}

/**
 * Two events with the same digests and other data. The image-load events' ImageLocationInMemory
 * and the handoff tables' VendorTable pointers (SMBIOS's entry point, which SmbiosDxe allocates)
 * are allocator state, not measured: a difference there alone is not a divergence (`measured`
 * false). Any other data difference is one (the event is not the predicted one, though the PCRs
 * agree), e.g. a boot option under another Boot#### number.
 */
export function dataDifference(predicted: LogEvent, real: LogEvent, ctx: ExplainContext): { measured: boolean; component: string; detail: string; cause: string } {
  const p = componentOf(predicted, ctx);
  const r = componentOf(real, ctx);
  const pv = decodeEventData(predicted.eventType, predicted.eventData, { uintnSize: ctx.uintnSize });
  const rv = decodeEventData(real.eventType, real.eventData, { uintnSize: ctx.uintnSize });
  if (pv.kind === 'image-load' && rv.kind === 'image-load') {
    const a = pv.value;
    const b = rv.value;
    if (a.imageLengthInMemory === b.imageLengthInMemory && a.imageLinkTimeAddress === b.imageLinkTimeAddress && equalBytes(a.devicePath, b.devicePath)) {
      return {
        measured: false,
        component: r.component,
        detail: `ImageLocationInMemory 0x${b.imageLocationInMemory.toString(16)}, predicted 0x${a.imageLocationInMemory.toString(16)}`,
        cause: 'where DXE allocated the image (allocator state, not measured; --image-buffer-address sets it)',
      };
    }
  }
  if (pv.kind === 'handoff-tables' && rv.kind === 'handoff-tables' && sameTableGuids(pv.value.tableEntry, rv.value.tableEntry)) {
    return {
      measured: false,
      component: r.component,
      detail: `VendorTable ${rv.value.tableEntry.map((t) => `0x${t.vendorTable.toString(16)}`).join(', ')}, predicted ${pv.value.tableEntry.map((t) => `0x${t.vendorTable.toString(16)}`).join(', ')}`,
      cause: 'where DXE allocated the table (allocator state, not measured: the digest covers the table itself)',
    };
  }
  if (pv.kind === 'variable' && rv.kind === 'variable' && pv.value.unicodeName !== rv.value.unicodeName) {
    return {
      measured: true,
      component: r.component,
      detail: `the same data under another name: ${rv.value.unicodeName} in the log, ${pv.value.unicodeName} predicted`,
      cause: 'other boot options numbered before it: devices the description does not have (a NIC, a disk), or a used variable store',
    };
  }
  return { measured: true, component: r.component, detail: `event data differ; log: ${r.what}; predicted: ${p.what}`, cause: 'the same measurement described differently: another firmware build or VM shape' };
}
