import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { CliIo } from '../context.ts';
import type { SetStatus } from './index.ts';
import { EXIT, UsageError } from '../errors.ts';
import { startEarly } from './predict.ts';
import { addBootOptions } from './boot-options.ts';
import type { BootOptions } from './boot-options.ts';

/** The flags of `tcg2sim verify`: predict's VM description, plus the output and the RAM sizes tried. */
interface VerifyFlags extends BootOptions {
  readonly tryMemory?: string;
}

/** RAM sizes (MiB) tried when PEIFV's measurement differs: what VMs are commonly given. */
export const DEFAULT_MEMORY_CANDIDATES: readonly number[] = [128, 256, 512, 768, 1024, 1536, 2048, 3072, 4096, 6144, 8192, 12288, 16384, 32768, 65536];

function readLog(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read LOG ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory' : (code ?? 'unreadable')}`);
  }
}

function memoryCandidates(text: string | undefined): readonly number[] {
  if (text === undefined) return DEFAULT_MEMORY_CANDIDATES;
  const out = text.split(',').map((t) => t.trim());
  for (const t of out) if (!/^\d+$/.test(t) || Number(t) < 1 || Number(t) > 1 << 24) throw new UsageError(`--try-memory: not a RAM size in MiB: ${JSON.stringify(t)}`);
  return out.map(Number);
}

/** `tcg2sim verify LOG`: a real VM's event log against the prediction for its description. */
export function registerVerify(program: Command, io: CliIo, setStatus: SetStatus): void {
  const cmd = program
    .command('verify')
    .argument('<log>', "the VM's binary event log (e.g. /sys/kernel/security/tpm0/binary_bios_measurements, or capture's eventlog.bin)")
    .description(
      "check a real VM's event log against the prediction for the VM it comes from (described as for predict): " +
        'exit 0 when the firmware\'s events are exactly the predicted ones, 1 with every divergent event, its component and a likely cause'
    );
  addBootOptions(cmd)
    .option('--try-memory <list>', `RAM sizes (MiB) predicted when PEIFV's measurement differs, to say which would match (default: ${DEFAULT_MEMORY_CANDIDATES.join(',')})`)
    .option(
      '--json',
      'JSON output: exact (boolean), banks, predictedEvents, firmwareEvents, matchedEvents, divergences [{kind: differs|missing|extra, logIndex, predictedIndex, pcr, eventType, component, detail, cause}], later [{logIndex, pcr, eventType, source, description}] (events after the firmware\'s part), notes'
    )
    .action(async (logPath: string, o: VerifyFlags & { json?: boolean }) => {
      const bytes = readLog(logPath);
      const candidates = memoryCandidates(o.tryMemory);
      const early = await startEarly(o);
      const [{ predictFromOptions }, { decodeEventLog }, { verifyLog, VerifyError }, { formatVerifyReport }] = await Promise.all([
        import('./predict-boot.ts'), import('@tcg2sim/event-log'), import('@tcg2sim/verify'), import('./verify-format.ts'),
      ]);
      let real;
      try {
        real = decodeEventLog(bytes, { lenient: true, stopAtFreeSpace: true });
      } catch (e) {
        throw new UsageError(`${logPath}: not an event log: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
      if (real.events.length === 0) throw new UsageError(`${logPath}: no event could be read${real.stop?.error !== undefined ? `: ${real.stop.error.message}` : ''}`);
      const predicted = await predictFromOptions(o, early);
      const { p, source, notes } = predicted;
      const { peiFvProbe } = await import('./verify-probe.ts');
      let report;
      try {
        report = await verifyLog(real, p.log, {
          firmwareVolumes: [
            { name: 'PEIFV', base: p.boot.sec.peiFv.base, length: p.boot.sec.peiFv.length },
            { name: 'DXEFV', base: p.boot.sec.dxeFv.base, length: p.boot.sec.dxeFv.length },
          ],
          probePeiFv: (e) => peiFvProbe(e, predicted, o, candidates),
        });
      } catch (e) {
        if (e instanceof VerifyError) throw new UsageError(`${logPath}: ${e.message}`, { cause: e });
        throw e;
      }
      if (o.json === true) io.out(JSON.stringify({ log: logPath, firmware: source, ...report, predictionNotes: notes }, null, 2) + '\n');
      else io.out(formatVerifyReport(report, logPath, source));
      if (!report.exact) setStatus(EXIT.FAILURE);
    });
}
