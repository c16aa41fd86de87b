import { expect } from 'chai';
import fc from 'fast-check';
import { PowerLossError, formatVarStore, readVarStore, setVariable } from '@tcg2sim/uefi';
import {
  TCG2_CONFIG_ATTRIBUTES, TCG2_CONFIG_FORMSET_GUID, readTcg2Config, writeTcg2Config,
} from '@tcg2sim/tcg2-config';
import type { TpmDeviceName } from '@tcg2sim/tcg2-config';

function store(): Uint8Array {
  return formatVarStore({ blockSize: 0x200, regionBlocks: 4 });
}

describe('TCG2 configuration variables in a variable store', () => {
  it('writes TCG2_CONFIGURATION and TCG2_DEVICE_DETECTION as one byte each, NV|BS, under gTcg2ConfigFormSetGuid', () => {
    const img = store();
    writeTcg2Config(img, { device: 'dtpm2', detected: 'dtpm2' });
    const vars = readVarStore(img).variables.map((v) => [v.name, v.guid, v.attributes, [...v.data]]);
    expect(vars).to.deep.equal([
      ['TCG2_CONFIGURATION', TCG2_CONFIG_FORMSET_GUID, 0x03, [2]],
      ['TCG2_DEVICE_DETECTION', TCG2_CONFIG_FORMSET_GUID, 0x03, [2]],
    ]);
    expect(TCG2_CONFIG_ATTRIBUTES).to.equal(0x03);
  });

  it('reads back what it wrote, with the device the generic PEIM would use', () => {
    const cases: Array<[TpmDeviceName, number | undefined, number]> = [['dtpm2', 2, 2], ['dtpm1.2', 1, 1], ['none', 0, 1], ['auto', undefined, 1]];
    for (const [device, stored, effective] of cases) {
      const img = store();
      writeTcg2Config(img, { device: 'dtpm2' });
      writeTcg2Config(img, { device });
      const s = readTcg2Config(img);
      expect(s.configuration?.value).to.equal(stored);
      expect(s.effectiveDevice).to.equal(effective);
    }
  });

  it('treats data that is not exactly one byte as unreadable (GetVariable into a 1-byte buffer)', () => {
    const img = store();
    setVariable(img, { name: 'TCG2_CONFIGURATION', guid: TCG2_CONFIG_FORMSET_GUID, attributes: 0x07, data: Uint8Array.of(2, 0) });
    const s = readTcg2Config(img);
    expect([s.configuration?.value, s.configuration?.attributesAsEdk2, s.effectiveDevice]).to.deep.equal([undefined, false, 1]);
  });

  it('deleting an absent variable writes nothing', () => {
    const img = store();
    const before = img.slice();
    expect(writeTcg2Config(img, { device: 'auto', detected: 'delete' }).map((w) => w.result)).to.deep.equal(['absent', 'absent']);
    expect(Buffer.from(img).equals(before)).to.equal(true);
  });

  it('a power cut at any point of an update leaves either the old or the new device, never none', () => {
    const base = store();
    writeTcg2Config(base, { device: 'dtpm1.2' });
    const probe = base.slice();
    const [w] = writeTcg2Config(probe, { device: 'dtpm2' });
    const ops = w !== undefined && w.result !== 'absent' ? w.result.stats.bytesProgrammed + w.result.stats.blocksErased : 0;
    expect(ops).to.be.greaterThan(0);
    const seen = new Set<number | undefined>();
    for (let n = 0; n < ops; n++) {
      const img = base.slice();
      expect(() => writeTcg2Config(img, { device: 'dtpm2' }, { powerLossAfter: n })).to.throw(PowerLossError);
      seen.add(readTcg2Config(img).configuration?.value);
    }
    expect([...seen].sort()).to.deep.equal([1, 2]);
  });

  it('after any sequence of writes shows the last device written (property)', () => {
    const names: TpmDeviceName[] = ['auto', 'dtpm2', 'dtpm1.2', 'none'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...names), { minLength: 1, maxLength: 40 }), (seq) => {
        const img = store();
        for (const d of seq) writeTcg2Config(img, { device: d });
        const last = seq[seq.length - 1];
        const want = last === 'auto' ? undefined : { none: 0, 'dtpm1.2': 1, dtpm2: 2 }[last ?? 'none'];
        expect(readTcg2Config(img).configuration?.value).to.equal(want);
      }),
      { numRuns: 40 }
    );
  });
});
