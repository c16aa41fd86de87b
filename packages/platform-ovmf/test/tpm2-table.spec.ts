import { expect } from 'chai';
import fc from 'fast-check';
import { DecodeError, fromHex, toHex } from '@tcg2sim/binary-codec';
import {
  MachineDescription, QEMU_CRB_CONTROL_AREA, TPM2_START_METHOD_DSM_UUID_AML, acpiByteSum, checkTpm2Table, decodeTpm2Table,
  encodeTpm2Table, findAcpiTables, qemuTpm2Table, qemuTpm2TableInput, qemuTpmLogAddress,
} from '@tcg2sim/platform-ovmf';
import type { Tpm2Table, Tpm2TableInput } from '@tcg2sim/platform-ovmf';
import { QEMU_TPM2_TABLES } from './vectors/tpm2-tables.ts';

function codes(t: Tpm2Table, o: Parameters<typeof checkTpm2Table>[1] = {}): string[] {
  return checkTpm2Table(t, o).map((f) => f.code);
}

/** A table with one field changed and the checksum fixed again. */
function variant(change: Partial<Tpm2TableInput>): Uint8Array {
  return encodeTpm2Table({ ...qemuTpm2TableInput({ tpmInterface: 'crb', logAreaAddress: 0x1f7e5000n }), ...change });
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('TPM2 ACPI table: QEMU 7.2 as OVMF installs it', () => {
  for (const v of QEMU_TPM2_TABLES) {
    it(`builds the captured table byte for byte (${v.name})`, () => {
      const lasa = qemuTpmLogAddress(MachineDescription.parse({ machine: 'q35', memoryMiB: v.memoryMiB }));
      expect(toHex(qemuTpm2Table({ tpmInterface: v.tpmInterface, logAreaAddress: lasa }))).to.equal(v.hex);
    });

    it(`decodes the captured table and finds nothing wrong with it on its own device (${v.name})`, () => {
      const t = decodeTpm2Table(fromHex(v.hex));
      expect(t.header.length).to.equal(76);
      expect(t.header.revision).to.equal(4);
      expect(t.startMethod).to.equal(v.tpmInterface === 'crb' ? 7 : 6);
      expect(t.addressOfControlArea).to.equal(v.tpmInterface === 'crb' ? QEMU_CRB_CONTROL_AREA : 0n);
      expect(t.logArea?.laml).to.equal(0x10000);
      expect(checkTpm2Table(t, { tpmInterface: v.tpmInterface })).to.deep.equal([]);
    });
  }

  it('re-encodes a decoded table to the same bytes', () => {
    for (const v of QEMU_TPM2_TABLES) {
      const t = decodeTpm2Table(fromHex(v.hex));
      const again = encodeTpm2Table({
        revision: t.header.revision, oemId: String.fromCharCode(...t.header.oemId), oemTableId: String.fromCharCode(...t.header.oemTableId),
        oemRevision: t.header.oemRevision, creatorId: String.fromCharCode(...t.header.creatorId), creatorRevision: t.header.creatorRevision,
        platformClass: t.platformClass, addressOfControlArea: t.addressOfControlArea, startMethod: t.startMethod,
        startMethodParameters: t.startMethodParameters, logArea: t.logArea,
      });
      expect(toHex(again)).to.equal(v.hex);
    }
  });

  it('encodes any field values with a valid checksum and decodes them back (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          platformClass: fc.integer({ min: 0, max: 0xffff }),
          addressOfControlArea: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
          startMethod: fc.integer({ min: 0, max: 0xffffffff }),
          startMethodParameters: fc.uint8Array({ minLength: 12, maxLength: 12 }),
          laml: fc.integer({ min: 0, max: 0xffffffff }),
          lasa: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        }),
        (r) => {
          const bytes = variant({ ...r, logArea: { laml: r.laml, lasa: r.lasa } });
          expect(acpiByteSum(bytes)).to.equal(0);
          const t = decodeTpm2Table(bytes);
          expect([t.platformClass, t.addressOfControlArea, t.startMethod, t.logArea]).to.deep.equal([r.platformClass, r.addressOfControlArea, r.startMethod, { laml: r.laml, lasa: r.lasa }]);
          expect(toHex(t.startMethodParameters)).to.equal(toHex(r.startMethodParameters));
        }
      ),
      { numRuns: 200 }
    );
  });
});

describe('TPM2 ACPI table: decoding hostile input', () => {
  const good = fromHex(QEMU_TPM2_TABLES[1].hex);

  it('rejects a table cut short of its Length with SHORT_BUFFER at the cut', () => {
    const e = thrown(() => decodeTpm2Table(good.subarray(0, 70)));
    expect(e).to.be.instanceOf(DecodeError);
    expect((e as DecodeError).code).to.equal('SHORT_BUFFER');
    expect((e as DecodeError).offset).to.equal(70);
  });

  it('rejects fewer bytes than an ACPI header with SHORT_BUFFER', () => {
    const e = thrown(() => decodeTpm2Table(good.subarray(0, 20)));
    expect((e as DecodeError).code).to.equal('SHORT_BUFFER');
  });

  it('rejects another signature with BAD_VALUE on header.signature', () => {
    const b = good.slice();
    b.set([0x53, 0x53, 0x44, 0x54]); // SSDT
    const e = thrown(() => decodeTpm2Table(b));
    expect((e as DecodeError).code).to.equal('BAD_VALUE');
    expect((e as DecodeError).path).to.deep.equal(['EFI_TPM2_ACPI_TABLE', 'header', 'signature']);
  });

  it('rejects a Length below the fixed part and one above 4 KiB', () => {
    const small = good.slice();
    small[4] = 40;
    expect((thrown(() => decodeTpm2Table(small)) as DecodeError).code).to.equal('BAD_VALUE');
    const big = good.slice();
    big[6] = 0x10;
    expect((thrown(() => decodeTpm2Table(big)) as DecodeError).code).to.equal('LIMIT_EXCEEDED');
  });

  it('never throws anything but a DecodeError on mutated or truncated tables, and checks whatever decodes (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(good.length + 15), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.nat(good.length + 16),
        (muts, cut) => {
          const b = new Uint8Array(good.length + 16);
          b.set(good);
          for (const [at, v] of muts) b[at] = v;
          try {
            const t = decodeTpm2Table(b.subarray(0, cut));
            checkTpm2Table(t, { tpmInterface: 'tis', fileLength: cut, amlTables: [new Uint8Array(4)] });
          } catch (e) {
            if (!(e instanceof DecodeError)) throw e;
          }
        }
      ),
      { numRuns: 300 }
    );
  });
});

describe('TPM2 ACPI table: findings', () => {
  it('reports a bad checksum with the right value', () => {
    const b = fromHex(QEMU_TPM2_TABLES[0].hex);
    b[9] = 0;
    const f = checkTpm2Table(decodeTpm2Table(b));
    expect(f.map((x) => [x.code, x.offset])).to.deep.equal([['BAD_CHECKSUM', 9]]);
  });

  it('reports a start method that does not match the interface found at the control area', () => {
    expect(codes(decodeTpm2Table(fromHex(QEMU_TPM2_TABLES[0].hex)), { tpmInterface: 'crb' })).to.deep.equal(['INTERFACE_MISMATCH']);
    expect(codes(decodeTpm2Table(fromHex(QEMU_TPM2_TABLES[1].hex)), { tpmInterface: 'tis' })).to.deep.equal(['INTERFACE_MISMATCH']);
  });

  it("probes the locality the CRB control area names: QEMU's tpm-crb maps locality 0 only, so locality 1 is a mismatch", () => {
    expect(codes(decodeTpm2Table(variant({ addressOfControlArea: 0xfed40040n })), { tpmInterface: 'crb' })).to.deep.equal([]);
    expect(codes(decodeTpm2Table(variant({ addressOfControlArea: 0xfed41040n })), { tpmInterface: 'crb' })).to.deep.equal(['INTERFACE_MISMATCH']);
  });

  it('reports any start method as a mismatch on a machine without a TPM', () => {
    expect(codes(decodeTpm2Table(fromHex(QEMU_TPM2_TABLES[0].hex)), { tpmInterface: 'none' })).to.deep.equal(['INTERFACE_MISMATCH']);
  });

  it('reports CRB start methods without a control area, or with one outside the PTP localities', () => {
    expect(codes(decodeTpm2Table(variant({ addressOfControlArea: 0n })))).to.deep.equal(['NO_CONTROL_AREA']);
    expect(codes(decodeTpm2Table(variant({ addressOfControlArea: 0xfed40000n })))).to.deep.equal(['CONTROL_AREA_NOT_PTP']);
  });

  it('reports reserved and not-allowed start methods', () => {
    for (const sm of [1, 3, 4, 5, 9, 10, 12, 14, 16, 0xffffffff]) {
      expect(codes(decodeTpm2Table(variant({ startMethod: sm, addressOfControlArea: 0n })))).to.include('RESERVED_START_METHOD');
    }
    expect(codes(decodeTpm2Table(variant({ startMethod: 0, addressOfControlArea: 0n })))).to.deep.equal(['START_METHOD_NOT_ALLOWED']);
  });

  it('asks for the _DSM of the ACPI start methods 2 and 8, and finds it (or not) in the AML given', () => {
    const eight = decodeTpm2Table(variant({ startMethod: 8 }));
    expect(codes(eight)).to.deep.equal(['DSM_NOT_CHECKED']);
    expect(codes(eight, { amlTables: [new Uint8Array(64)] })).to.deep.equal(['START_METHOD_WITHOUT_DSM']);
    const aml = new Uint8Array(64);
    aml.set(TPM2_START_METHOD_DSM_UUID_AML, 20);
    expect(codes(eight, { amlTables: [aml] })).to.deep.equal([]);
    expect(codes(decodeTpm2Table(variant({ startMethod: 2, addressOfControlArea: 0n })), { amlTables: [aml] })).to.deep.equal([]);
  });

  it('reports wrong lengths: a table without parameters, one with bytes past the log area, a file longer than Length', () => {
    const short = encodeTpm2Table({ ...qemuTpm2TableInput({ tpmInterface: 'tis', logAreaAddress: 0n }), startMethodParameters: undefined, logArea: undefined });
    expect(short.length).to.equal(52);
    expect(codes(decodeTpm2Table(short))).to.deep.equal(['NO_LOG_AREA']);
    const b = new Uint8Array(84);
    b.set(fromHex(QEMU_TPM2_TABLES[0].hex));
    b[4] = 80;
    b[9] = ((b[9] ?? 0) - 4) & 0xff;
    const t = decodeTpm2Table(b);
    expect(toHex(t.extra)).to.equal('00000000');
    expect(codes(t, { fileLength: 84 })).to.deep.equal(['FILE_LONGER_THAN_TABLE', 'UNUSUAL_LENGTH']);
  });

  it('reports an empty or small log area and non-zero parameters', () => {
    expect(codes(decodeTpm2Table(variant({ logArea: { laml: 0x10000, lasa: 0n } })))).to.deep.equal(['LOG_AREA_EMPTY']);
    expect(codes(decodeTpm2Table(variant({ logArea: { laml: 0x1000, lasa: 0x1000n } })))).to.deep.equal(['LOG_AREA_TOO_SMALL']);
    expect(codes(decodeTpm2Table(variant({ startMethodParameters: Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) })))).to.deep.equal(['PARAMETERS_NOT_ZERO']);
  });
});

describe('findAcpiTables', () => {
  it('finds a table with a valid checksum and skips a corrupted copy and one that runs past the chunk', () => {
    const t = fromHex(QEMU_TPM2_TABLES[0].hex);
    const ram = new Uint8Array(0x400);
    ram.set(t, 0x10);
    const bad = t.slice();
    bad[20] = (bad[20] ?? 0) ^ 1;
    ram.set(bad, 0x100);
    ram.set(t.subarray(0, 40), 0x400 - 40);
    const found = findAcpiTables(ram, 0x1000, 'TPM2');
    expect(found.map((f) => [f.address, f.bytes.length])).to.deep.equal([[0x1010, 76]]);
  });

  it('rejects a signature that is not 4 printable characters with RangeError', () => {
    expect(() => findAcpiTables(new Uint8Array(8), 0, 'TPM')).to.throw(RangeError);
  });
});
