/** What `tcg2sim predict --help` adds after the options (no imports: predict.ts loads it at start-up). */

/** `predict --help`: every field of the `--json` output. */
export const PREDICT_JSON_HELP = `
JSON fields (--json):
  firmware    the firmware files the prediction booted (or the embedded default)
  endState    where the simulated boot stopped (e.g. started Boot0002 "EFI Internal Shell")
  pcrs        PCRs replayed from the predicted log: {bank: {index: hex}}
  tpmPcrs     PCR 0-7 the simulated TPM holds afterwards: {bank: {index: hex}}
  mismatches  [{bank, pcr, replayed, tpm}]: PCRs where pcrs and tpmPcrs disagree (exit 1)
  events      [{index, offset, pcrIndex, eventType, digests: {bank: hex}, eventData (hex),
              decoded: {kind, value} | decodeError: {code, offset, path}}], as eventlog --json
  notes       what the CLI and the simulated boot noted (assumptions, boot attempts, models)
`;
