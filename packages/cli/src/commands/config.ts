import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { toHex } from '@tcg2sim/binary-codec';
import { attributeNames } from '@tcg2sim/uefi';
import { TPM_DEVICE_NAME, readTcg2Config, writeTcg2Config } from '@tcg2sim/tcg2-config';
import type { Tcg2ConfigState, Tcg2ConfigVariable, TpmDeviceName } from '@tcg2sim/tcg2-config';
import type { CliIo } from '../context.ts';
import type { SetStatus } from './index.ts';
import { inVarStoreFile } from './varstore-input.ts';
import { EXIT, UsageError } from '../errors.ts';

const DEVICE_BY_VALUE: Readonly<Record<number, string>> = { 0: 'none', 1: 'dtpm1.2', 2: 'dtpm2' };

function varJson(v: Tcg2ConfigVariable | undefined): Record<string, unknown> | null {
  if (v === undefined) return null;
  return {
    data: toHex(v.data), attributes: v.attributes, attributesAsEdk2: v.attributesAsEdk2,
    ...(v.value !== undefined ? { value: v.value, device: DEVICE_BY_VALUE[v.value] ?? 'out of range' } : {}),
  };
}

/**
 * What SecurityPkg's Tcg2ConfigPei (edk2-stable202211) does with this store; the OVMF variant in
 * Debian's image reads none of it.
 */
function consequences(s: Tcg2ConfigState): string[] {
  const lines = [
    `generic Tcg2ConfigPei (SecurityPkg): TpmDevice ${s.effectiveDevice} (${s.effectiveReason})`,
    '  PcdTpmAutoDetection TRUE (default): the probe decides (TPM 1.2 Startup fails on a TPM 2.0: dTPM 2.0; nothing answers: none); TCG2_DEVICE_DETECTION is read on S3 resume only',
    `  PcdTpmAutoDetection FALSE: PcdTpmInstanceGuid = ${s.effectiveDevice === 2 ? 'TPM 2.0 dTPM (measured as usual)' : 'TPM 1.2: Tcg2Pei/Tcg2Dxe do not run, nothing in the TCG2 log'}`,
  ];
  if (s.configuration?.value === 0) {
    lines.push('  note: device none (0) is outside [1, 2]: the generic module replaces it by TPM 1.2 and does not disable the TPM');
  }
  const d = s.deviceDetection?.value;
  lines.push(d === 1 || d === 2
    ? `  S3 resume: the cached detection (${d}) is used without probing`
    : '  S3 resume: no usable cached detection: the TPM is probed');
  lines.push("OVMF's Tcg2ConfigPei (Debian's image): reads no variable; probes TPM 1.2 then TPM 2.0 on every boot, S3 included");
  return lines;
}

const DEVICE_NAMES: readonly TpmDeviceName[] = ['auto', ...Object.keys(TPM_DEVICE_NAME).filter((k): k is keyof typeof TPM_DEVICE_NAME => k in TPM_DEVICE_NAME)];

function deviceOption(v: string | undefined): TpmDeviceName | undefined {
  if (v === undefined) return undefined;
  const found = DEVICE_NAMES.find((d) => d === v);
  if (found !== undefined) return found;
  throw new UsageError(`--device: expected auto|dtpm2|dtpm1.2|none, got ${JSON.stringify(v)}`);
}

function detectedOption(v: string | undefined): keyof typeof TPM_DEVICE_NAME | 'delete' | undefined {
  if (v === undefined) return undefined;
  if (v === 'delete' || v === 'none' || v === 'dtpm1.2' || v === 'dtpm2') return v;
  throw new UsageError(`--detected: expected dtpm2|dtpm1.2|none|delete, got ${JSON.stringify(v)}`);
}

/** `tcg2sim config show FILE` and `tcg2sim config set FILE --device ...`. */
export function registerConfig(program: Command, io: CliIo, setStatus: SetStatus): void {
  const config = program.command('config').description("Tcg2ConfigDxe's TCG2 variables in a variable store (OVMF_VARS*.fd)");

  config
    .command('show')
    .description('TCG2_CONFIGURATION and TCG2_DEVICE_DETECTION, and what Tcg2ConfigPei does with them')
    .argument('<file>', 'variable store image')
    .option('--json', 'JSON: {configuration, deviceDetection, version, effectiveDevice, effectiveReason}')
    .action((file: string, opts: { json?: boolean }) => {
      const s = inVarStoreFile(file, () => readTcg2Config(new Uint8Array(readFileSync(file))));
      if (opts.json === true) {
        io.out(`${JSON.stringify({
          configuration: varJson(s.configuration), deviceDetection: varJson(s.deviceDetection),
          version: s.version === undefined ? null : toHex(s.version), effectiveDevice: s.effectiveDevice, effectiveReason: s.effectiveReason,
        }, null, 2)}\n`);
      } else {
        const line = (name: string, v: Tcg2ConfigVariable | undefined): string => v === undefined
          ? `${name}: absent\n`
          : `${name}: ${toHex(v.data)}${v.value !== undefined ? ` (${DEVICE_BY_VALUE[v.value] ?? 'out of range'})` : ''}, ${attributeNames(v.attributes)}${v.attributesAsEdk2 ? '' : ' (EDK II writes NV|BS)'}\n`;
        io.out(line('TCG2_CONFIGURATION', s.configuration));
        io.out(line('TCG2_DEVICE_DETECTION', s.deviceDetection));
        io.out(`TCG2_VERSION: ${s.version === undefined ? 'absent' : toHex(s.version)}\n`);
        for (const l of consequences(s)) io.out(`${l}\n`);
      }
      setStatus(EXIT.OK);
    });

  config
    .command('set')
    .description('write TCG2_CONFIGURATION (and TCG2_DEVICE_DETECTION) in place, NV|BS, as the variable driver does')
    .argument('<file>', 'variable store image (modified in place)')
    .option('--device <auto|dtpm2|dtpm1.2|none>', 'TCG2_CONFIGURATION.TpmDevice (auto deletes the variable)')
    .option('--detected <dtpm2|dtpm1.2|none|delete>', 'TCG2_DEVICE_DETECTION.TpmDeviceDetected (the S3 cache)')
    .option('--json', 'JSON: {writes: [{name, outcome, bytesProgrammed, blocksErased}]}')
    .action((file: string, opts: { device?: string; detected?: string; json?: boolean }) => {
      const device = deviceOption(opts.device);
      const detected = detectedOption(opts.detected);
      if (device === undefined && detected === undefined) throw new UsageError('give --device and/or --detected');
      const image = new Uint8Array(readFileSync(file));
      const writes = inVarStoreFile(file, () => writeTcg2Config(image, { ...(device !== undefined ? { device } : {}), ...(detected !== undefined ? { detected } : {}) }));
      writeFileSync(file, image);
      const rows = writes.map((w) => w.result === 'absent'
        ? { name: w.name, outcome: 'absent', bytesProgrammed: 0, blocksErased: 0 }
        : { name: w.name, outcome: w.result.outcome, bytesProgrammed: w.result.stats.bytesProgrammed, blocksErased: w.result.stats.blocksErased });
      if (opts.json === true) io.out(`${JSON.stringify({ writes: rows })}\n`);
      else for (const r of rows) io.out(`${file}: ${r.name}: ${r.outcome}; ${r.bytesProgrammed} bytes programmed, ${r.blocksErased} blocks erased\n`);
      setStatus(EXIT.OK);
    });
}
