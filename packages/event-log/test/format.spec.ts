import { expect } from 'chai';
import { TPM_ALG_HASH } from '@tcg2sim/hash-lib';
import { decodeEventLog, describeEvent, replayEventLog, toCelJson, toJson } from '@tcg2sim/event-log';
import { ovmfShellLog } from './fixtures/ovmf-like.ts';

describe('JSON output (docs/cli.md shape)', () => {
  const log = decodeEventLog(ovmfShellLog([TPM_ALG_HASH.SHA1, TPM_ALG_HASH.SHA256]).encode());
  const j = JSON.parse(JSON.stringify(toJson(log, replayEventLog(log)))) as {
    pcrs: Record<string, Record<string, string>>;
    events: { pcrIndex: number; eventType: string; digests: Record<string, string>; eventData: string; decoded?: { kind: string; value: Record<string, unknown> } }[];
  };

  it('has pcrs by bank and PCR index as hex', () => {
    expect(Object.keys(j.pcrs)).to.deep.equal(['sha1', 'sha256']);
    expect(Object.keys(j.pcrs['sha256'] ?? {})).to.deep.equal(['0', '1', '2', '3', '4', '5', '6', '7']);
    expect(j.pcrs['sha256']?.['0']).to.match(/^[0-9a-f]{64}$/);
  });

  it('has events with pcrIndex, eventType name, digests by bank and eventData hex', () => {
    expect(j.events[1]).to.deep.include({
      pcrIndex: 0, eventType: 'EV_S_CRTM_VERSION', eventData: '0000',
      digests: { sha1: '1489f923c4dca729178b3e3233458550d8dddf29', sha256: '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7' },
    });
  });

  it('adds the decoded structure of known event data', () => {
    expect(j.events[4]?.decoded).to.deep.equal({ kind: 'variable', value: { variableName: '8BE4DF61-93CA-11D2-AA0D-00E098032B8C', unicodeName: 'SecureBoot', variableData: '00' } });
    expect(j.events[2]?.decoded).to.deep.equal({ kind: 'firmware-blob', value: { blobBase: '0x820000', blobLength: '0xe0000' } });
  });
});

describe('CEL-JSON output', () => {
  it('writes one pcclient_std record per event with base64 event data', () => {
    const log = decodeEventLog(ovmfShellLog([TPM_ALG_HASH.SHA256]).encode());
    const cel = JSON.parse(JSON.stringify(toCelJson(log))) as { recnum: number; pcr: number; digests: { hashAlg: string; digest: string }[]; content_type: string; content: { event_type: number; event_data: string } }[];
    expect(cel.length).to.equal(25);
    expect(cel[9]).to.deep.equal({
      recnum: 9, pcr: 7, digests: [{ hashAlg: 'sha256', digest: 'df3f619804a92fdb4057192dc43dd748ea778adc52bc498ce80524c014b81119' }],
      content_type: 'pcclient_std', content: { event_type: 4, event_data: 'AAAAAA==' },
    });
  });
});

describe('describeEvent (one-line summaries)', () => {
  it('names variables, actions, blobs, images and separators', () => {
    const log = decodeEventLog(ovmfShellLog([TPM_ALG_HASH.SHA256]).encode());
    const d = log.events.map((e) => describeEvent(e));
    expect(d[2]).to.equal('base 0x820000 length 0xe0000');
    expect(d[4]).to.equal('SecureBoot (1 B)');
    expect(d[9]).to.equal('separator 0x00000000');
    expect(d[14]).to.equal('"Calling EFI Application from Boot Option"');
    expect(d[24]).to.equal('image 876672 B at 0x7e5d8018, device path 44 B');
  });
});
