/** @tcg2sim/event-log: TCG_PCR_EVENT / TCG_PCR_EVENT2 event logs: encode, decode, replay, lint, diff, YAML/JSON/CEL. */
export {};
