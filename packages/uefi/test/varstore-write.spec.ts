import { expect } from 'chai';
import fc from 'fast-check';
import {
  PowerLossError, VarStoreError, formatVarStore, getVariable, listVariables, readVarStore, setVariable, deleteVariable,
  VENDOR_GUID, VAR_STATE, snapshotVariables,
} from '@tcg2sim/uefi';

const G = VENDOR_GUID.GLOBAL_VARIABLE;
const small = (): Uint8Array => formatVarStore({ blockSize: 0x200, regionBlocks: 4 });

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(VarStoreError);
    return (e as VarStoreError).code;
  }
  return 'none';
}

describe('variable store writer: EDK II state transitions', () => {
  it('adds a record at 0x64 with State 0x3F, the 60-byte header and UCS-2 name (byte layout of §8.4)', () => {
    const img = formatVarStore();
    const r = setVariable(img, { name: 'Ab', guid: G, attributes: 7, data: Uint8Array.of(9, 8, 7) });
    expect(r.outcome).to.equal('added');
    // Header 60 + name 6 + data 3 bytes, programmed as header, State 0x7F, name+data, State 0x3F.
    expect(r.stats.bytesProgrammed).to.equal(60 + 1 + 9 + 1);
    expect(Buffer.from(img.subarray(0x64, 0x64 + 8)).toString('hex')).to.equal('aa553f0007000000');
    expect(Buffer.from(img.subarray(0x64 + 36, 0x64 + 44)).toString('hex')).to.equal('0600000003000000');
    expect(Buffer.from(img.subarray(0x64 + 44, 0x64 + 48)).toString('hex')).to.equal('61dfe48b');
    expect(Buffer.from(img.subarray(0x64 + 60, 0x64 + 69)).toString('hex')).to.equal('410062000000090807');
  });

  it('an update marks the old copy 0x3E first, then 0x3C; a delete marks 0x3D', () => {
    const img = formatVarStore();
    setVariable(img, { name: 'X', guid: G, attributes: 7, data: Uint8Array.of(1) });
    expect(setVariable(img, { name: 'X', guid: G, attributes: 7, data: Uint8Array.of(2) }).outcome).to.equal('updated');
    setVariable(img, { name: 'Y', guid: G, attributes: 7, data: Uint8Array.of(3) });
    deleteVariable(img, 'Y', G);
    expect(readVarStore(img).records.map((r) => r.state)).to.deep.equal([0x3c, VAR_STATE.ADDED, 0x3d]);
    expect(listVariables(img).map((v) => [v.name, v.data[0]])).to.deep.equal([['X', 2]]);
  });

  it('while the new copy is being written the old one stays readable (cut before the final 0x3F)', () => {
    const img = formatVarStore();
    setVariable(img, { name: 'X', guid: G, attributes: 7, data: Uint8Array.of(1) });
    const cut = 1 + 60 + 1 + 4 + 1 - 1; // mark 0x3E, header, 0x7F, name+data; stop before 0x3F
    expect(() => setVariable(img, { name: 'X', guid: G, attributes: 7, data: Uint8Array.of(2) }, { powerLossAfter: cut })).to.throw(PowerLossError);
    expect(readVarStore(img).records.map((r) => r.state)).to.deep.equal([0x3e, 0x7f]);
    expect(getVariable(img, 'X', G)?.data).to.deep.equal(Uint8Array.of(1));
  });

  it('unchanged data writes nothing; append adds to the data', () => {
    const img = formatVarStore();
    setVariable(img, { name: 'X', guid: G, attributes: 7, data: Uint8Array.of(1) });
    expect(setVariable(img, { name: 'X', guid: G, attributes: 7, data: Uint8Array.of(1) }).stats.bytesProgrammed).to.equal(0);
    setVariable(img, { name: 'X', guid: G, attributes: 0x47, data: Uint8Array.of(2) });
    expect(getVariable(img, 'X', G)?.data).to.deep.equal(Uint8Array.of(1, 2));
    expect(getVariable(img, 'X', G)?.attributes).to.equal(7);
  });

  it('refuses what SetVariable refuses, with codes', () => {
    const img = formatVarStore();
    expect(code(() => deleteVariable(img, 'Nope', G))).to.equal('NOT_FOUND');
    expect(code(() => setVariable(img, { name: '', guid: G, attributes: 7, data: Uint8Array.of(1) }))).to.equal('INVALID_PARAMETER');
    expect(code(() => setVariable(img, { name: 'V', guid: G, attributes: 6, data: Uint8Array.of(1) }))).to.equal('INVALID_PARAMETER');
    setVariable(img, { name: 'V', guid: G, attributes: 7, data: Uint8Array.of(1) });
    expect(code(() => setVariable(img, { name: 'V', guid: G, attributes: 3, data: Uint8Array.of(2) }))).to.equal('INVALID_PARAMETER');
    expect(code(() => setVariable(small(), { name: 'Big', guid: G, attributes: 7, data: new Uint8Array(0x800) }))).to.equal('OUT_OF_RESOURCES');
  });

  it('keeps authenticated-variable fields as given (time stamp for AT variables)', () => {
    const img = formatVarStore();
    const timeStamp = { year: 2024, month: 5, day: 6, hour: 7, minute: 8, second: 9, pad1: 0, nanosecond: 0, timeZone: 0, daylight: 0, pad2: 0 };
    setVariable(img, { name: 'db', guid: VENDOR_GUID.IMAGE_SECURITY_DATABASE, attributes: 0x27, data: Uint8Array.of(1, 2), timeStamp, monotonicCount: 5n });
    const v = getVariable(img, 'db', VENDOR_GUID.IMAGE_SECURITY_DATABASE)!;
    expect(v.timeStamp).to.deep.equal(timeStamp);
    expect(v.monotonicCount).to.equal(5n);
  });

  it('a snapshot answers like getVariable/listVariables and does not see later writes', () => {
    const img = formatVarStore();
    setVariable(img, { name: 'X', guid: G, attributes: 7, data: Uint8Array.of(1) });
    const snap = snapshotVariables(img);
    setVariable(img, { name: 'X', guid: G, attributes: 7, data: Uint8Array.of(2) });
    expect(snap.get('X', G.toLowerCase())?.data).to.deep.equal(Uint8Array.of(1));
    expect(snap.list().map((v) => v.name)).to.deep.equal(['X']);
    expect(getVariable(img, 'X', G)?.data).to.deep.equal(Uint8Array.of(2));
    expect(snap.get('Y', G)).to.equal(undefined);
  });

  it('works on the normal (non-authenticated) format too', () => {
    const img = formatVarStore({ authenticated: false, blockSize: 0x200, regionBlocks: 4 });
    setVariable(img, { name: 'N', guid: G, attributes: 7, data: Uint8Array.of(5) });
    expect(Buffer.from(img.subarray(0x64 + 8, 0x64 + 16)).toString('hex')).to.equal('0400000001000000');
    expect(listVariables(img).map((v) => v.name)).to.deep.equal(['N']);
  });

  it('a store filled by random updates lists exactly the last value of each variable (model check)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('A', 'B', 'C'), fc.uint8Array({ maxLength: 90 })), { maxLength: 60 }), (ops) => {
        const img = small();
        const model = new Map<string, string>();
        for (const [name, data] of ops) {
          try {
            setVariable(img, { name, guid: G, attributes: data.length === 0 ? 0 : 7, data });
            if (data.length === 0) model.delete(name);
            else model.set(name, Buffer.from(data).toString('hex'));
          } catch (e) {
            if (!(e instanceof VarStoreError) || e.code !== 'NOT_FOUND') throw e;
          }
        }
        const got = new Map(listVariables(img).map((v) => [v.name, Buffer.from(v.data).toString('hex')]));
        expect(got).to.deep.equal(model);
      }),
      { numRuns: 60, seed: 7 }
    );
  });
});
