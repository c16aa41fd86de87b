import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { fromHex, isGuidString, toHex } from '@tcg2sim/binary-codec';
import { PowerLossError, attributeNames, parseAttributes, readVarStore, setVariable, VARIABLE_ATTRIBUTE } from '@tcg2sim/uefi';
import type { UefiVariable } from '@tcg2sim/uefi';
import type { CliIo } from '../context.ts';
import type { SetStatus } from './index.ts';
import { inVarStoreFile } from './varstore-input.ts';
import { EXIT } from '../errors.ts';
import { UsageError } from '../errors.ts';

function jsonVariable(v: UefiVariable): { name: string; guid: string; attributes: number; data: string; state: number } {
  return { name: v.name, guid: v.guid, attributes: v.attributes, data: toHex(v.data), state: v.state };
}

function stateName(state: number): string {
  switch (state) {
    case 0x3f: return 'ADDED';
    case 0x3e: return 'ADDED|IN_DELETED_TRANSITION';
    case 0x3c: return 'DELETED (after transition)';
    case 0x3d: return 'DELETED';
    case 0x7f: return 'HEADER_VALID_ONLY';
    case 0xff: return 'HEADER (State not written)';
    default: return `0x${state.toString(16)}`;
  }
}

/** `tcg2sim vars FILE [--json] [--all]` and `tcg2sim vars set FILE ...`. */
export function registerVars(program: Command, io: CliIo, setStatus: SetStatus): void {
  const vars = program
    .command('vars')
    .description('the variables in a UEFI variable store (OVMF_VARS*.fd, OVMF.fd)')
    .argument('<file>', 'variable store image')
    .option('--json', 'JSON: {variables: [{name, guid, attributes, data, state}]}')
    .option('--all', 'also list every record on flash with its state (deleted, in transition, ...)')
    .action((file: string, opts: { json?: boolean; all?: boolean }) => {
      const image = new Uint8Array(readFileSync(file));
      const report = inVarStoreFile(file, () => readVarStore(image));
      if (opts.json === true) {
        const out: Record<string, unknown> = { variables: report.variables.map(jsonVariable) };
        if (report.pendingFtwRestart) out['pendingFtwRestart'] = true;
        if (opts.all === true) out['records'] = report.records.map((r) => ({ ...jsonVariable(r), offset: r.offset }));
        io.out(`${JSON.stringify(out, null, 2)}\n`);
      } else {
        const fmt = report.layout.authenticated ? 'authenticated' : 'normal';
        io.out(`${file}: ${fmt} variable store at 0x${report.layout.storeOffset.toString(16)}, size 0x${report.layout.storeSize.toString(16)}, ` +
          `${report.variables.length} variables, ${report.records.length} records\n`);
        if (report.headerFromSpare) io.out('warning: store headers erased by an interrupted FTW write; shown as the FTW restart will rewrite them\n');
        if (report.pendingFtwRestart) io.out('warning: an interrupted FTW write is pending; shown after its restart (OVMF 2022.11 may lose variables here)\n');
        for (const v of report.variables) {
          io.out(`${v.guid}  ${v.name.padEnd(24)} ${attributeNames(v.attributes).padEnd(14)} ${String(v.data.length).padStart(6)} bytes\n`);
        }
        if (opts.all === true) {
          io.out('records on flash:\n');
          for (const r of report.records) io.out(`  0x${r.offset.toString(16).padStart(5, '0')}  ${stateName(r.state).padEnd(28)} ${r.guid}  ${r.name}\n`);
          const f = report.ftw;
          const open = f.writes.filter((w) => !w.complete).length;
          io.out(`FTW working block at 0x${f.workingOffset.toString(16)}: header ${f.headerValid ? 'valid' : 'INVALID'}, ` +
            `${f.writes.length} writes in the queue (${open} open), spare area ${f.spareErased ? 'erased' : 'holds data'}\n`);
        }
      }
      setStatus(EXIT.OK);
    });

  vars
    .command('set')
    .description('set (or with empty --data, delete) a variable in place, as the firmware variable driver writes it')
    .argument('<file>', 'variable store image (modified in place)')
    .requiredOption('--name <name>', 'variable name')
    .requiredOption('--guid <guid>', 'vendor GUID')
    .requiredOption('--data <hex>', 'data as hex (empty deletes)')
    .option('--attributes <attrs>', 'NV|BS|RT|AT|... or a number', 'NV|BS|RT')
    .option('--power-loss-after <n>', 'cut the power after n flash operations (programmed bytes + erased blocks)')
    .option('--json', 'JSON: {outcome, bytesProgrammed, blocksErased, powerLost}')
    .action((file: string, opts: { name: string; guid: string; data: string; attributes: string; powerLossAfter?: string }, cmd: Command) => {
      // `--json` after `set` is parsed by the parent `vars` command: read it from there too.
      const json = cmd.optsWithGlobals<{ json?: boolean }>().json === true;
      if (!isGuidString(opts.guid)) throw new UsageError(`--guid: not a GUID: ${JSON.stringify(opts.guid)}`);
      let attributes: number;
      try {
        attributes = parseAttributes(opts.attributes);
      } catch {
        throw new UsageError(`--attributes: cannot parse ${JSON.stringify(opts.attributes)}`);
      }
      let data: Uint8Array;
      try {
        data = fromHex(opts.data);
      } catch {
        throw new UsageError(`--data: not hex: ${JSON.stringify(opts.data)}`);
      }
      let powerLossAfter: number | undefined;
      if (opts.powerLossAfter !== undefined) {
        if (!/^\d+$/.test(opts.powerLossAfter)) throw new UsageError(`--power-loss-after: not a count: ${JSON.stringify(opts.powerLossAfter)}`);
        powerLossAfter = Number(opts.powerLossAfter);
      }
      if (data.length === 0) attributes = 0;
      else if ((attributes & VARIABLE_ATTRIBUTE.NV) === 0) throw new UsageError('--attributes: a variable in the NV store needs NV');
      const image = new Uint8Array(readFileSync(file));
      let outcome = 'power-lost';
      let stats = { bytesProgrammed: 0, blocksErased: 0 };
      let powerLost = false;
      try {
        const r = inVarStoreFile(file, () => setVariable(image, { name: opts.name, guid: opts.guid, attributes, data }, { powerLossAfter }));
        outcome = r.outcome;
        stats = r.stats;
      } catch (err) {
        if (!(err instanceof PowerLossError)) throw err;
        powerLost = true;
        stats = err.stats;
      }
      writeFileSync(file, image);
      if (json) {
        io.out(`${JSON.stringify({ outcome, bytesProgrammed: stats.bytesProgrammed, blocksErased: stats.blocksErased, powerLost })}\n`);
      } else {
        io.out(`${file}: ${opts.name} ${opts.guid}: ${outcome}; ${stats.bytesProgrammed} bytes programmed, ${stats.blocksErased} blocks erased${powerLost ? ' (power cut)' : ''}\n`);
      }
      setStatus(EXIT.OK);
    });
}
