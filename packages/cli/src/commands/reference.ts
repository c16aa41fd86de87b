import type { Command } from 'commander';
import type { CliIo } from '../context.ts';
import type { SetStatus } from './index.ts';
import { addBootOptions } from './boot-options.ts';
import type { BootOptions } from './boot-options.ts';
import { startEarly } from './predict.ts';

/** The flags of `tcg2sim reference`. */
export interface ReferenceOptions extends BootOptions {
  readonly log?: string;
  readonly format?: string;
  readonly pcrs?: string;
  readonly out?: string;
  readonly pcrsFormat?: string;
  readonly policyAlg?: string;
}

const HELP = `
Formats:
  tpm2-pcrs   the selected PCR values as tpm2-tools files. --pcrs-format serialized (the default
              with --out) is what 'tpm2_pcrread -F serialized -o' and 'tpm2_quote -o' write and
              'tpm2_checkquote -f FILE' reads; values is the digests back to back ('tpm2_pcrread -o',
              'tpm2_checkquote -f FILE -l SEL', 'tpm2_createpolicy --policy-pcr -f FILE'); yaml (the
              default without --out) is tpm2_pcrread's listing. Binary formats need --out.
  policy-pcr  the TPM2_PolicyPCR policy digest of the selection (Part 3 §23.7), what
              'tpm2_createpolicy --policy-pcr -l SEL' computes: hex on stdout, or the raw digest
              in --out (as 'tpm2_createpolicy -L' writes it). --policy-alg picks the session hash.
  keylime     Keylime's measured-boot reference state (JSON, the layout of its
              create_mb_refstate script) for its "example" policy: S-CRTM and platform firmware
              blob digests, PK/KEK/db/dbx, and shim/GRUB/kernel digests when the log has them.
  pcrlock     systemd-pcrlock components of the firmware's part of the boot (.pcrlock JSON):
              with --out DIR, DIR/NAME.pcrlock.d/tcg2sim.pcrlock per component (NAME as systemd's
              lock-firmware-code/-config/-secureboot-* name them); without, one JSON object
              {NAME: {records}} on stdout. --pcrs, when given, limits PCRs and banks.

The PCR values come from the simulated boot (the TPM's values after it) or, with --log, from
replaying the binary event log FILE (predicted or captured).
`;

/** `tcg2sim reference`: reference values for verifiers from a simulated boot or an event log. */
export function registerReference(program: Command, io: CliIo, setStatus: SetStatus): void {
  const cmd = program
    .command('reference')
    .description('write reference values for verifiers (tpm2-tools PCR files, PolicyPCR digest, Keylime refstate, systemd-pcrlock) from a simulated boot or an event log');
  addBootOptions(cmd)
    .option('--log <file>', 'take the event log FILE (binary, crypto-agile) instead of simulating a boot')
    .option('--format <format>', 'tpm2-pcrs, policy-pcr, keylime or pcrlock (default: tpm2-pcrs)')
    .option('--pcrs <selection>', 'PCR selection in tpm2-tools syntax, banks joined by +, e.g. sha256:0,1,2+sha1:0 (default: sha256:0,1,2,3,4,5,6,7)')
    .option('--out <file>', 'write to FILE (a directory for pcrlock) instead of standard output')
    .option('--pcrs-format <format>', 'tpm2-pcrs file layout: serialized, values or yaml')
    .option('--policy-alg <hash>', 'policy-pcr: the policy session hash (default: sha256)')
    .addHelpText('after', HELP)
    .action(async (o: ReferenceOptions) => {
      const early = o.log === undefined ? await startEarly(o) : undefined;
      const { runReference } = await import('./reference-run.ts');
      await runReference(o, io, setStatus, early);
    });
}
