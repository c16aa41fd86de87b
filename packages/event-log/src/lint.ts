import { equalBytes } from '@tcg2sim/binary-codec';
import { findHashAlg, hashAll, supportsAlg } from '@tcg2sim/hash-lib';
import type { TpmAlgHash } from '@tcg2sim/hash-lib';
import { decodeEventData } from './event-data/decode.ts';
import type { EventDataView } from './event-data/decode.ts';
import type { EventLog, LogEvent } from './log.ts';
import { MAX_PCR_INDEX } from './replay.ts';
import { EV, eventTypeLabel, eventTypeName } from './structures.ts';

/** How bad a finding is. `error` makes `tcg2sim eventlog --lint` exit 1. */
export type Severity = 'error' | 'warning';

/**
 * The lint rules. IDs are stable (scripts and suppressions key on them); the texts cite the
 * TCG PC Client Platform Firmware Profile 1.05 (PFP).
 */
export const LINT_RULES = {
  EL001: { name: 'spec-id-first', severity: 'error', summary: 'a crypto-agile log starts with the Spec ID Event03 header (PFP §10.4.5.1)' },
  EL002: { name: 'spec-id-valid', severity: 'error', summary: 'Spec ID: version 2.0, at least one algorithm, registry algorithms with their registry sizes, none twice, uintnSize 1 or 2 (PFP §10.4.5.1)' },
  EL003: { name: 'digests-match-spec-id', severity: 'error', summary: 'every TCG_PCR_EVENT2 carries exactly the Spec ID algorithms, in its order (PFP §10.2.2)' },
  EL004: { name: 'no-action-zero-digests', severity: 'error', summary: 'EV_NO_ACTION digests are all zero (PFP §10.4.5)' },
  EL005: { name: 'header-events-once', severity: 'error', summary: 'Spec ID only as the first record; StartupLocality at most once, on PCR0, before PCR0 measurements (PFP §10.4.5.3)' },
  EL006: { name: 'startup-locality-value', severity: 'error', summary: 'StartupLocality is 0, 3 or 4 (PFP §10.4.5.3)' },
  EL007: { name: 'algorithm-unknown', severity: 'warning', summary: 'a Spec ID algorithm this tool cannot hash: its bank is decoded but not replayed or checked' },
  EL010: { name: 'separator-digest', severity: 'error', summary: 'EV_SEPARATOR digest is the hash of its 4 data bytes (PFP §10.4.1)' },
  EL011: { name: 'action-digest', severity: 'error', summary: 'EV_EFI_ACTION / EV_ACTION digest is the hash of its string (PFP §10.4.1)' },
  EL012: { name: 'variable-digest', severity: 'error', summary: 'variable events hash their UEFI_VARIABLE_DATA (EV_EFI_VARIABLE_BOOT: or the variable data, as EDK II does) (PFP §10.4.4)' },
  EL013: { name: 'data-digest', severity: 'error', summary: 'EV_S_CRTM_VERSION and EV_EFI_GPT_EVENT digests are the hash of their data (PFP §10.4.1)' },
  EL014: { name: 'event-data-malformed', severity: 'error', summary: 'event data has the structure its type calls for (PFP §10.2)' },
  EL015: { name: 'separator-value', severity: 'warning', summary: 'separator data is 00000000; another value marks a firmware error (PFP §10.4.1)' },
  EL020: { name: 'separator-once', severity: 'error', summary: 'PCR0-7 each get exactly one EV_SEPARATOR (PFP §3.3.4.2, §8.2)' },
  EL021: { name: 'separator-before-exit-boot-services', severity: 'error', summary: 'all PCR0-7 separators precede "Exit Boot Services Invocation" (PFP §8.2)' },
  EL022: { name: 'after-separator', severity: 'error', summary: 'after its separator a PCR0-7 only gets events the spec allows there (PFP §3.3.4)' },
  EL030: { name: 'pcr-index-range', severity: 'error', summary: 'PCR index is 0-23 (EV_NO_ACTION excepted) (PTP §4.9, PFP §10.4.5)' },
  EL031: { name: 'event-type-pcr', severity: 'error', summary: 'the event type belongs on this PCR (PFP §3.3.4 Table 1, §10.4.1 Table 9)' },
  EL032: { name: 'event-type-known', severity: 'warning', summary: 'the event type is one the PFP defines (PFP §10.4.1)' },
} as const satisfies Record<string, { name: string; severity: Severity; summary: string }>;
/** A lint rule id. */
export type LintRuleId = keyof typeof LINT_RULES;

/** One finding: which rule, which event, what is wrong. */
export interface LintFinding {
  readonly rule: LintRuleId;
  readonly name: string;
  readonly severity: Severity;
  /** The event (tpm2_eventlog EventNum); -1 for a finding about the log as a whole. */
  readonly eventIndex: number;
  readonly message: string;
}

// Where each type may go (PFP §3.3.4 Table 1). Types not listed may go on any PCR.
const PCRS_FOR_TYPE = new Map<number, readonly number[]>([
  [EV.S_CRTM_CONTENTS, [0]], [EV.S_CRTM_VERSION, [0]], [EV.POST_CODE, [0]], [EV.EFI_HCRTM_EVENT, [0]],
  [EV.EFI_PLATFORM_FIRMWARE_BLOB, [0, 2]], [EV.EFI_PLATFORM_FIRMWARE_BLOB2, [0, 2]],
  [EV.EFI_VARIABLE_BOOT, [1]], [EV.EFI_VARIABLE_BOOT2, [1]], [EV.EFI_VARIABLE_DRIVER_CONFIG, [1, 3, 5, 7]],
  [EV.EFI_VARIABLE_AUTHORITY, [7]], [EV.EFI_GPT_EVENT, [5]], [EV.EFI_BOOT_SERVICES_APPLICATION, [2, 4]],
  [EV.EFI_BOOT_SERVICES_DRIVER, [0, 2]], [EV.EFI_RUNTIME_SERVICES_DRIVER, [0, 2]],
  [EV.EFI_HANDOFF_TABLES, [0, 1]], [EV.EFI_HANDOFF_TABLES2, [0, 1]], [EV.CPU_MICROCODE, [1]],
  [EV.PLATFORM_CONFIG_FLAGS, [1]], [EV.TABLE_OF_DEVICES, [1]], [EV.OMIT_BOOT_DEVICE_EVENTS, [4]],
]);

// What may follow a PCR's separator before ExitBootServices (boot attempts, the OS loader
// image, GPT, authorities, runtime updates of Secure Boot variables, option-ROM drivers).
const AFTER_SEPARATOR = new Map<number, ReadonlySet<number>>([
  [2, new Set([EV.EFI_BOOT_SERVICES_DRIVER, EV.EFI_RUNTIME_SERVICES_DRIVER, EV.EFI_PLATFORM_FIRMWARE_BLOB, EV.EFI_PLATFORM_FIRMWARE_BLOB2])],
  [4, new Set([EV.EFI_ACTION, EV.EFI_BOOT_SERVICES_APPLICATION, EV.EFI_BOOT_SERVICES_DRIVER, EV.IPL, EV.COMPACT_HASH])],
  [5, new Set([EV.EFI_ACTION, EV.EFI_GPT_EVENT])],
  [7, new Set([EV.EFI_VARIABLE_AUTHORITY, EV.EFI_VARIABLE_DRIVER_CONFIG])],
]);

const EBS_INVOCATION = 'Exit Boot Services Invocation';

/**
 * Checks a log against the PFP rules in {@link LINT_RULES}. Findings come in event order; a
 * rule about the whole log uses eventIndex -1.
 */
export function lintEventLog(log: EventLog): LintFinding[] {
  const out: LintFinding[] = [];
  const add = (rule: LintRuleId, eventIndex: number, message: string): void => {
    const r = LINT_RULES[rule];
    out.push({ rule, name: r.name, severity: r.severity, eventIndex, message });
  };
  const uintnSize = log.specId?.uintnSize ?? 2;
  const specAlgs = specIdChecks(log, add);
  const separators = new Map<number, number[]>();
  let ebsAt = -1;
  let sawPcr0Measurement = false;
  let localityEvents = 0;

  for (const e of log.events) {
    const isHeader = log.format === 'crypto-agile' && e.index === 0;
    if (isHeader) continue;
    const view = decodeEventData(e.eventType, e.eventData, { uintnSize });
    if (e.format === 'TCG_PCR_EVENT2' && specAlgs) digestListCheck(e, specAlgs, add);
    if (e.eventType === EV.NO_ACTION) {
      if (!e.digests.every((d) => d.digest.every((b) => b === 0))) add('EL004', e.index, 'EV_NO_ACTION has a non-zero digest');
      if (view.kind === 'spec-id') add('EL005', e.index, 'a Spec ID Event03 after the first record');
      if (view.kind === 'startup-locality') {
        localityEvents++;
        if (e.pcrIndex !== 0 || sawPcr0Measurement || localityEvents > 1) {
          add('EL005', e.index, 'StartupLocality must be logged once, on PCR0, before any PCR0 measurement');
        }
        if (![0, 3, 4].includes(view.value.startupLocality)) add('EL006', e.index, `StartupLocality ${view.value.startupLocality}`);
      }
    } else {
      if (e.pcrIndex > MAX_PCR_INDEX) add('EL030', e.index, `PCR ${e.pcrIndex} does not exist`);
      if (e.pcrIndex === 0) sawPcr0Measurement = true;
    }
    if (eventTypeName(e.eventType) === undefined) add('EL032', e.index, `unknown event type ${eventTypeLabel(e.eventType)}`);
    const allowed = PCRS_FOR_TYPE.get(e.eventType);
    if (allowed && !allowed.includes(e.pcrIndex)) {
      add('EL031', e.index, `${eventTypeLabel(e.eventType)} on PCR ${e.pcrIndex} (allowed: ${allowed.join(', ')})`);
    }
    if (view.kind === 'invalid') add('EL014', e.index, `${eventTypeLabel(e.eventType)} data: ${view.error.message}`);
    digestChecks(e, view, add);
    if (e.eventType === EV.EFI_ACTION && view.kind === 'text' && view.value === EBS_INVOCATION && ebsAt < 0) ebsAt = e.index;
    if (e.pcrIndex <= 7) {
      const seps = separators.get(e.pcrIndex);
      if (e.eventType === EV.SEPARATOR) {
        separators.set(e.pcrIndex, [...(seps ?? []), e.index]);
        if (ebsAt >= 0) add('EL021', e.index, `PCR ${e.pcrIndex} separator after "${EBS_INVOCATION}" (event ${ebsAt})`);
      } else if (seps !== undefined && e.eventType !== EV.NO_ACTION && ebsAt < 0) {
        if (!(AFTER_SEPARATOR.get(e.pcrIndex)?.has(e.eventType) ?? false)) {
          add('EL022', e.index, `${eventTypeLabel(e.eventType)} on PCR ${e.pcrIndex} after its separator (event ${seps[0] ?? -1})`);
        }
      }
    }
  }
  for (let pcr = 0; pcr <= 7; pcr++) {
    const s = separators.get(pcr) ?? [];
    if (s.length === 0) add('EL020', -1, `PCR ${pcr} has no EV_SEPARATOR`);
    for (const extra of s.slice(1)) add('EL020', extra, `second EV_SEPARATOR on PCR ${pcr} (first: event ${s[0] ?? -1})`);
  }
  return out.sort((a, b) => a.eventIndex - b.eventIndex);
}

type Add = (rule: LintRuleId, eventIndex: number, message: string) => void;

function specIdChecks(log: EventLog, add: Add): { alg: number; size: number }[] | undefined {
  if (log.format !== 'crypto-agile' || !log.specId) {
    const first = log.events[0];
    const agileLater = log.events.some((e) => e.eventType === EV.NO_ACTION && e.index > 0 && decodeEventData(e.eventType, e.eventData).kind === 'spec-id');
    if (first === undefined || agileLater) add('EL001', first === undefined ? -1 : 0, 'no Spec ID Event03 as the first record');
    return undefined;
  }
  const s = log.specId;
  if (s.specVersionMajor !== 2 || s.specVersionMinor !== 0) add('EL002', 0, `spec version ${s.specVersionMajor}.${s.specVersionMinor}`);
  if (s.uintnSize !== 1 && s.uintnSize !== 2) add('EL002', 0, `uintnSize ${s.uintnSize}`);
  if (s.digestSizes.length === 0) add('EL002', 0, 'numberOfAlgorithms is 0');
  const seen = new Set<number>();
  for (const a of s.digestSizes) {
    const info = findHashAlg(a.algorithmId);
    if (seen.has(a.algorithmId)) add('EL002', 0, `algorithm 0x${a.algorithmId.toString(16)} listed twice`);
    seen.add(a.algorithmId);
    if (info === undefined) add('EL007', 0, `algorithm 0x${a.algorithmId.toString(16)} (digestSize ${a.digestSize}) is not in the hash registry`);
    else if (info.size !== a.digestSize) add('EL002', 0, `${info.name} digestSize ${a.digestSize}, expected ${info.size}`);
  }
  return s.digestSizes.map((a) => ({ alg: a.algorithmId, size: a.digestSize }));
}

function digestListCheck(e: LogEvent, spec: readonly { alg: number; size: number }[], add: Add): void {
  const ok = e.digests.length === spec.length && e.digests.every((d, i) => d.hashAlg === spec[i]?.alg && d.digest.length === spec[i].size);
  if (!ok) {
    const got = e.digests.map((d) => `0x${d.hashAlg.toString(16)}`).join(',');
    add('EL003', e.index, `digests [${got}] differ from the Spec ID list [${spec.map((a) => `0x${a.alg.toString(16)}`).join(',')}]`);
  }
}

/** Whether every digest of `e` (in a bank we can compute) equals the hash of `data`. */
function digestsMatch(e: LogEvent, data: Uint8Array): boolean {
  const algs: TpmAlgHash[] = [];
  for (const d of e.digests) {
    const info = findHashAlg(d.hashAlg);
    if (info && supportsAlg(info.alg)) algs.push(info.alg);
  }
  const want = hashAll(algs, data);
  return want.every((w) => {
    const got = e.digests.find((d) => d.hashAlg === w.alg);
    return got !== undefined && equalBytes(got.digest, w.digest);
  });
}

function digestChecks(e: LogEvent, view: EventDataView, add: Add): void {
  switch (e.eventType) {
    case EV.SEPARATOR:
      if (!digestsMatch(e, e.eventData)) add('EL010', e.index, 'digest is not the hash of the separator data');
      if (view.kind === 'separator' && view.value !== 0) add('EL015', e.index, `separator value 0x${view.value.toString(16).padStart(8, '0')} (error separator)`);
      return;
    case EV.EFI_ACTION:
    case EV.ACTION:
      if (!digestsMatch(e, e.eventData)) add('EL011', e.index, 'digest is not the hash of the action string');
      return;
    case EV.EFI_VARIABLE_DRIVER_CONFIG:
    case EV.EFI_VARIABLE_AUTHORITY:
    case EV.EFI_VARIABLE_BOOT2:
      if (!digestsMatch(e, e.eventData)) add('EL012', e.index, 'digest is not the hash of the UEFI_VARIABLE_DATA');
      return;
    case EV.EFI_VARIABLE_BOOT:
      if (!digestsMatch(e, e.eventData) && !(view.kind === 'variable' && digestsMatch(e, view.value.variableData))) {
        add('EL012', e.index, 'digest is the hash of neither the UEFI_VARIABLE_DATA nor the variable data');
      }
      return;
    case EV.S_CRTM_VERSION:
    case EV.EFI_GPT_EVENT:
      if (!digestsMatch(e, e.eventData)) add('EL013', e.index, 'digest is not the hash of the event data');
      return;
    default:
      return;
  }
}

/** True when a finding list has errors (`--lint` exit status 1). */
export function hasLintErrors(findings: readonly LintFinding[]): boolean {
  return findings.some((f) => f.severity === 'error');
}
