import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DecodeError, Tcg2Error, toHex } from '@tcg2sim/binary-codec';
import {
  MachineDescription, QEMU_TPM_LOG_CALIBRATION, QEMU_TPM_LOG_CALIBRATION_BY_BUILD, TPM2_START_METHOD_NAME, decompressMemFvs, checkTpm2Table, decodeTpm2Table, qemuTpm2Table,
  QEMU_TPM_LOG_TCG2_VERSION_SHIFT, calibrationPointOfImage, qemuTpmLogAddress, readFirmwareVersionString, storeHistory, tableSignature,
} from '@tcg2sim/platform-ovmf';
import { snapshotVariables } from '@tcg2sim/uefi';
import type { CalibrationPoint, Tpm2Finding, Tpm2Table } from '@tcg2sim/platform-ovmf';
import type { CliIo } from '../context.ts';
import type { SetStatus } from './index.ts';
import { EXIT, UsageError } from '../errors.ts';

function text(b: Uint8Array): string {
  return String.fromCharCode(...b);
}

function hex(v: number | bigint): string {
  return `0x${v.toString(16).toUpperCase()}`;
}

/** The JSON form of a decoded table (numbers as numbers, 64-bit addresses as hex strings). */
function tableJson(t: Tpm2Table): Record<string, unknown> {
  const h = t.header;
  return {
    signature: tableSignature(h), length: h.length, revision: h.revision, checksum: h.checksum,
    oemId: text(h.oemId), oemTableId: text(h.oemTableId), oemRevision: h.oemRevision,
    creatorId: text(h.creatorId), creatorRevision: h.creatorRevision,
    platformClass: t.platformClass, reserved: t.reserved,
    addressOfControlArea: hex(t.addressOfControlArea), startMethod: t.startMethod,
    startMethodName: TPM2_START_METHOD_NAME[t.startMethod] ?? 'reserved',
    startMethodParameters: toHex(t.startMethodParameters),
    ...(t.logArea ? { laml: t.logArea.laml, lasa: hex(t.logArea.lasa) } : {}),
    ...(t.extra.length > 0 ? { extra: toHex(t.extra) } : {}),
  };
}

function printTable(io: CliIo, t: Tpm2Table): void {
  const h = t.header;
  io.out(`  Signature ${tableSignature(h)}  Length ${h.length}  Revision ${h.revision}  Checksum ${hex(h.checksum)}\n`);
  io.out(`  OEM "${text(h.oemId)}" "${text(h.oemTableId)}" rev ${h.oemRevision}  Creator "${text(h.creatorId)}" rev ${hex(h.creatorRevision)}\n`);
  io.out(`  Platform class ${t.platformClass}${t.platformClass === 0 ? ' (client)' : t.platformClass === 1 ? ' (server)' : ''}\n`);
  io.out(`  Control area ${hex(t.addressOfControlArea)}\n`);
  io.out(`  Start method ${t.startMethod} (${TPM2_START_METHOD_NAME[t.startMethod] ?? 'reserved'})\n`);
  io.out(`  Start-method parameters ${toHex(t.startMethodParameters) || '(none)'}\n`);
  if (t.logArea) io.out(`  Log area: LAML ${hex(t.logArea.laml)}, LASA ${hex(t.logArea.lasa)}\n`);
  else io.out('  Log area: (none)\n');
}

function decodeFile(file: string, bytes: Uint8Array): Tpm2Table {
  try {
    return decodeTpm2Table(bytes);
  } catch (err) {
    if (err instanceof DecodeError) {
      throw new UsageError(`${file}: ${err.path.join('.')} at offset 0x${err.offset.toString(16)}: ${err.detail} (${err.code})`, { cause: err });
    }
    throw err;
  }
}

function parseAddress(v: string, what: string): bigint {
  if (!/^(0x[0-9a-fA-F]{1,16}|[0-9]{1,20})$/.test(v)) throw new UsageError(`${what}: not an address: ${JSON.stringify(v)}`);
  const n = BigInt(v);
  if (n >= 1n << 64n) throw new UsageError(`${what}: above 2^64: ${v}`);
  return n;
}

function interfaceOption(v: string | undefined, allowNone: boolean): 'tis' | 'crb' | 'none' | undefined {
  if (v === undefined) return undefined;
  if (v === 'tis' || v === 'crb' || (allowNone && v === 'none')) return v;
  throw new UsageError(`--tpm-interface: expected tis|crb${allowNone ? '|none' : ''}, got ${JSON.stringify(v)}`);
}

interface Tpm2Opts { tpmInterface?: string; machine: string; memory: string; code?: string; vars?: string; logAreaAddress?: string; out?: string; json?: boolean }

/** Whether the store holds TCG2_VERSION (moves the log area), or a UsageError naming the file. */
function tcg2VersionStored(file: string): boolean {
  try {
    const snap = snapshotVariables(new Uint8Array(readFileSync(file)));
    return storeHistory((n, g) => snap.get(n, g)?.data).tcg2VersionStored;
  } catch (err) {
    if (err instanceof Tcg2Error) throw new UsageError(`${file}: ${err.message}`, { cause: err });
    throw err;
  }
}

/** The calibration point the firmware's facts name (the calibration key; undefined: none), or a UsageError naming the file. */
function calibrationPoint(file: string): CalibrationPoint | undefined {
  try {
    const sec = decompressMemFvs(new Uint8Array(readFileSync(file)));
    return calibrationPointOfImage(sec, readFirmwareVersionString(sec.peiFv.volume, sec.dxeFv.volume));
  } catch (err) {
    if (err instanceof Tcg2Error) throw new UsageError(`${file}: ${err.message}`, { cause: err });
    throw err;
  }
}
interface CheckOpts { tpmInterface?: string; aml?: string[]; json?: boolean }

/** `tcg2sim acpi tpm2 ...` and `tcg2sim acpi check FILE`. */
export function registerAcpi(program: Command, io: CliIo, setStatus: SetStatus): void {
  const acpi = program.command('acpi').description('the TPM2 ACPI table: as QEMU 7.2 builds it, or decoded and checked');

  acpi
    .command('tpm2')
    .description('the TPM2 table QEMU 7.2 builds for tpm-tis / tpm-crb, with the log-area address OVMF gives it')
    .requiredOption('--tpm-interface <tis|crb>', 'the TPM device (-device tpm-tis or tpm-crb)')
    .option('--machine <q35|pc>', 'QEMU machine (places the log area)', 'q35')
    .option('--memory <MiB>', 'guest RAM (places the log area)', '512')
    .option('--code <file>', 'OVMF_CODE*.fd: use its build calibration for the log-area address')
    .option('--vars <file>', 'OVMF_VARS*.fd the VM boots from: a store holding TCG2_VERSION (one an earlier boot left) moves the log area')
    .option('--log-area-address <addr>', 'LASA as this run allocated it (default: the calibrated model)')
    .option('--out <file>', 'write the table (binary) to this file')
    .option('--json', 'JSON: {table, fields, logAreaAddressFrom}')
    .action((opts: Tpm2Opts) => {
      const iface = interfaceOption(opts.tpmInterface, false);
      if (iface === undefined || iface === 'none') throw new UsageError('--tpm-interface: expected tis|crb');
      if (opts.machine !== 'q35' && opts.machine !== 'pc') throw new UsageError(`--machine: expected q35|pc, got ${JSON.stringify(opts.machine)}`);
      if (!/^\d{1,8}$/.test(opts.memory)) throw new UsageError(`--memory: not a number of MiB: ${JSON.stringify(opts.memory)}`);
      const parsed = MachineDescription.safeParse({ machine: opts.machine, memoryMiB: Number(opts.memory) });
      if (!parsed.success) throw new UsageError(`--memory: ${opts.memory} MiB is out of range`);
      const given = opts.logAreaAddress !== undefined;
      const build = opts.code === undefined ? undefined : calibrationPoint(opts.code);
      const k = (build === undefined ? undefined : QEMU_TPM_LOG_CALIBRATION_BY_BUILD.get(build)) ?? QEMU_TPM_LOG_CALIBRATION;
      const used = opts.vars === undefined ? false : tcg2VersionStored(opts.vars);
      const lasa = given ? parseAddress(opts.logAreaAddress ?? '', '--log-area-address') : qemuTpmLogAddress(parsed.data, build, used);
      const table = qemuTpm2Table({ tpmInterface: iface, logAreaAddress: lasa });
      if (opts.out !== undefined) writeFileSync(opts.out, table);
      const calibrated = build === undefined ? 'Debian OVMF_CODE_4M.fd' : QEMU_TPM_LOG_CALIBRATION_BY_BUILD.has(build) ? 'this build' : 'NOT this build (OVMF_CODE_4M.fd value used)';
      const store = used ? `, - ${hex(QEMU_TPM_LOG_TCG2_VERSION_SHIFT)} for a store holding TCG2_VERSION` : opts.vars === undefined ? ', fresh variable store' : ', store without TCG2_VERSION';
      const from = given ? 'given' : `model: top of RAM below 4 GiB - ${hex(k)} (calibrated on ${calibrated}${store})`;
      const t = decodeTpm2Table(table);
      if (opts.json === true) {
        io.out(`${JSON.stringify({ table: toHex(table), fields: tableJson(t), logAreaAddressFrom: from }, null, 2)}\n`);
      } else {
        io.out(`TPM2 table, QEMU 7.2, tpm-${iface}${opts.out !== undefined ? ` (written to ${opts.out})` : ''}:\n`);
        printTable(io, t);
        io.out(`  LASA from the ${from}\n`);
        io.out(`  ${toHex(table)}\n`);
      }
      setStatus(EXIT.OK);
    });

  acpi
    .command('check')
    .description('decode a TPM2 table (e.g. /sys/firmware/acpi/tables/TPM2) and report inconsistencies; exit 1 on errors')
    .argument('<file>', 'TPM2 table')
    .option('--tpm-interface <tis|crb|none>', "the machine's TPM device: probe its registers at the control area")
    .option('--aml <file...>', 'DSDT/SSDT tables to search for the start-method _DSM (start methods 2 and 8)')
    .option('--json', 'JSON: {table, findings}')
    .action((file: string, opts: CheckOpts) => {
      const iface = interfaceOption(opts.tpmInterface, true);
      const bytes = new Uint8Array(readFileSync(file));
      const aml = (opts.aml ?? []).map((a) => new Uint8Array(readFileSync(a)));
      const t = decodeFile(file, bytes);
      const findings: Tpm2Finding[] = checkTpm2Table(t, {
        fileLength: bytes.length, ...(iface !== undefined ? { tpmInterface: iface } : {}), ...(aml.length > 0 ? { amlTables: aml } : {}),
      });
      const errors = findings.filter((f) => f.severity === 'error').length;
      if (opts.json === true) {
        io.out(`${JSON.stringify({ table: tableJson(t), findings }, null, 2)}\n`);
      } else {
        io.out(`${file}: TPM2 table, ${t.header.length} bytes\n`);
        printTable(io, t);
        if (findings.length === 0) io.out('no findings\n');
        for (const f of findings) io.out(`${f.severity}: ${f.code}${f.offset >= 0 ? ` (offset ${f.offset})` : ''}: ${f.message}\n`);
      }
      setStatus(errors > 0 ? EXIT.FAILURE : EXIT.OK);
    });
}
