import { readFileSync, writeFileSync } from 'node:fs';
import { SwtpmBackend } from '@tcg2sim/tpm-backends';
import { RealClock } from '@tcg2sim/ptp';
import { simulateBoot, MachineDescription } from '@tcg2sim/platform-ovmf';
const [code, vars, machine, mem, iface, banks, cap, smm] = process.argv.slice(2);
const backend = await SwtpmBackend.start(banks !== 'all' ? { pcrBanks: banks.split(',') } : {});
try {
  const r = await simulateBoot({ code: readFileSync(code), vars: vars === '-' ? undefined : readFileSync(vars),
    machine: MachineDescription.parse({ machine, memoryMiB: Number(mem), smm: smm === 'smm' }), tpmInterface: iface, backend, clock: new RealClock() });
  writeFileSync('/tmp/try/eventlog.bin', r.eventLog);
  console.log(r.notes.join('\n')); console.log(r.endState, r.eventLog.length, r.exchanges.length);
} finally { await backend.close(); }
