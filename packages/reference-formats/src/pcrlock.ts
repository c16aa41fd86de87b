/**
 * systemd-pcrlock component files (systemd.pcrlock(5)): `{"records":[{"pcr":N,"digests":[{"hashAlg":
 * "sha256","digest":"…"}]}]}`, one file per component, the components ordered by name. The
 * firmware's part of a boot, split the way `systemd-pcrlock lock-firmware-code`,
 * `lock-firmware-config`, `lock-secureboot-policy` and `lock-secureboot-authority` split the
 * event log of the running boot (systemd src/pcrlock/pcrlock.c), so that the files stand in for
 * theirs, around the separators and actions systemd ships itself (/usr/lib/pcrlock.d
 * 350-action-efi-application, 400-secureboot-separator, 500-separator):
 *   250-firmware-code-early   PCR 0 and 2 before their EV_SEPARATOR, PCR 4 before its separator or
 *                             the "Calling EFI Application from Boot Option" action
 *   550-firmware-code-late    PCR 0 and 2 after their EV_SEPARATOR
 *   250-firmware-config-early / 550-firmware-config-late   the same for PCR 1 and 3 (and 5)
 *   240-secureboot-policy     PCR 7 before its EV_SEPARATOR (SecureBoot, PK, KEK, db, dbx)
 *   620-secureboot-authority  PCR 7 EV_EFI_VARIABLE_AUTHORITY records (written only when there are some)
 * Separators and the calling action are left out (systemd's own files cover them); EV_NO_ACTION
 * records extend nothing and are never records.
 */
import { toHex } from '@tcg2sim/binary-codec';
import { EV } from '@tcg2sim/event-log';
import type { EventLog, LogEvent } from '@tcg2sim/event-log';
import { findHashAlg } from '@tcg2sim/hash-lib';
import type { TpmAlgHash } from '@tcg2sim/hash-lib';

/** One record of a .pcrlock file. */
export interface PcrlockRecord {
  readonly pcr: number;
  readonly digests: readonly { readonly hashAlg: string; readonly digest: string }[];
}

/** One component: its systemd name (`250-firmware-code-early`) and its records in log order. */
export interface PcrlockComponent {
  readonly name: string;
  readonly records: readonly PcrlockRecord[];
}

/** Options of {@link pcrlockComponents}. */
export interface PcrlockOptions {
  /** Only these PCRs (default: all the components cover). */
  readonly pcrs?: ReadonlySet<number>;
  /** Only digests of these banks (default: every bank of each record). */
  readonly banks?: ReadonlySet<TpmAlgHash>;
}

const CALLING_EFI_APP = 'Calling EFI Application from Boot Option';

/** The EV_EFI_ACTION by which firmware hands PCR 4 to the boot loader (PFP §10.4.4). */
function isCallingAction(e: LogEvent): boolean {
  if (e.pcrIndex !== 4 || e.eventType !== EV.EFI_ACTION) return false;
  let end = e.eventData.length;
  while (end > 0 && e.eventData[end - 1] === 0) end--; // a trailing NUL is allowed
  return new TextDecoder('latin1').decode(e.eventData.subarray(0, end)) === CALLING_EFI_APP;
}

const FIRMWARE_CODE = { always: [0, 2], untilSeparator: 4 } as const;
const FIRMWARE_CONFIG = { always: [1, 3], untilSeparator: 5 } as const;

function record(e: LogEvent, banks: ReadonlySet<TpmAlgHash> | undefined): PcrlockRecord {
  const digests = e.digests
    .filter((d) => findHashAlg(d.hashAlg) !== undefined && (banks === undefined || banks.has(d.hashAlg as TpmAlgHash)))
    .map((d) => ({ hashAlg: findHashAlg(d.hashAlg)?.name ?? '', digest: toHex(d.digest) }));
  return { pcr: e.pcrIndex, digests };
}

/** lock-firmware-code / lock-firmware-config's early and late records of one group of PCRs. */
function firmwareGroup(log: EventLog, group: { readonly always: readonly number[]; readonly untilSeparator: number }, o: PcrlockOptions): [PcrlockRecord[], PcrlockRecord[]] {
  const early: PcrlockRecord[] = [];
  const late: PcrlockRecord[] = [];
  const separatorSeen = new Set<number>();
  const handedOver = new Set<number>();
  for (const e of log.events) {
    if (e.eventType === EV.NO_ACTION || (log.specId !== undefined && e.index === 0)) continue;
    const pcr = e.pcrIndex;
    const always = group.always.includes(pcr);
    const untilSep = pcr === group.untilSeparator && !separatorSeen.has(pcr) && !handedOver.has(pcr);
    if (!always && !untilSep) continue;
    if (e.eventType === EV.SEPARATOR) {
      separatorSeen.add(pcr);
      continue;
    }
    if (isCallingAction(e)) {
      handedOver.add(pcr);
      continue;
    }
    if (o.pcrs !== undefined && !o.pcrs.has(pcr)) continue;
    (separatorSeen.has(pcr) ? late : early).push(record(e, o.banks));
  }
  return [early, late];
}

/**
 * The firmware's components of `log` as systemd-pcrlock names and splits them (see the module
 * comment). Components with no records are returned too (an empty component asserts that nothing
 * was measured there), except 620-secureboot-authority, which lock-secureboot-authority writes only
 * for a Secure Boot boot.
 */
export function pcrlockComponents(log: EventLog, o: PcrlockOptions = {}): PcrlockComponent[] {
  const [codeEarly, codeLate] = firmwareGroup(log, FIRMWARE_CODE, o);
  const [configEarly, configLate] = firmwareGroup(log, FIRMWARE_CONFIG, o);
  const policy: PcrlockRecord[] = [];
  const authority: PcrlockRecord[] = [];
  let separator7 = false;
  const want7 = o.pcrs === undefined || o.pcrs.has(7);
  for (const e of log.events) {
    if (e.pcrIndex !== 7 || e.eventType === EV.NO_ACTION || !want7) continue;
    if (e.eventType === EV.SEPARATOR) separator7 = true;
    else if (e.eventType === EV.EFI_VARIABLE_AUTHORITY) authority.push(record(e, o.banks));
    else if (!separator7) policy.push(record(e, o.banks));
  }
  const out: PcrlockComponent[] = [
    { name: '240-secureboot-policy', records: policy },
    { name: '250-firmware-code-early', records: codeEarly },
    { name: '250-firmware-config-early', records: configEarly },
    { name: '550-firmware-code-late', records: codeLate },
    { name: '550-firmware-config-late', records: configLate },
  ];
  if (authority.length > 0) out.push({ name: '620-secureboot-authority', records: authority });
  return out;
}

/** A component's .pcrlock file text (JSON, one line, as systemd-pcrlock writes it). */
export function pcrlockJson(c: PcrlockComponent): string {
  return JSON.stringify({ records: c.records }) + '\n';
}

/**
 * Where a component's file goes below a pcrlock.d directory: `NAME.pcrlock.d/FILE.pcrlock`, a
 * variant beside systemd's own `generated.pcrlock` (systemd.pcrlock(5) "variants").
 */
export function pcrlockPath(c: PcrlockComponent, variant = 'tcg2sim'): string {
  return `${c.name}.pcrlock.d/${variant}.pcrlock`;
}
