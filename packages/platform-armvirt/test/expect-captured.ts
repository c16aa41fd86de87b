/** The comparison every ArmVirtQemu truth test makes. */
import { expect } from 'chai';
import { toHex } from '@tcg2sim/binary-codec';
import { decodeEventLog, diffEventLogs } from '@tcg2sim/event-log';
import { hashAlgInfo } from '@tcg2sim/hash-lib';
import type { Prediction } from '@tcg2sim/platform-ovmf';
import type { ArmVirtVector } from './vectors.ts';

/** The prediction's log equals the capture's, event by event and byte for byte; its TPM holds the capture's PCRs. */
export function expectCaptured(p: Prediction, v: Pick<ArmVirtVector, 'eventLog' | 'pcrs'>): void {
  const d = diffEventLogs(decodeEventLog(p.boot.eventLog), decodeEventLog(v.eventLog));
  expect(d.divergence?.explanation ?? 'equal').to.equal('equal');
  expect(toHex(p.boot.eventLog)).to.equal(toHex(v.eventLog));
  const tpm: Record<string, Record<string, string>> = {};
  for (const [alg, m] of p.tpmPcrs) tpm[hashAlgInfo(alg).name] = Object.fromEntries([...m].map(([i, x]) => [String(i), toHex(x)]));
  expect(Object.keys(tpm).sort()).to.deep.equal(Object.keys(v.pcrs).sort());
  for (const [bank, values] of Object.entries(v.pcrs)) {
    for (let i = 0; i <= 7; i++) expect(tpm[bank]?.[String(i)], `${bank} PCR${i}`).to.equal(values[String(i)]);
  }
  expect(p.mismatches).to.deep.equal([]);
}
