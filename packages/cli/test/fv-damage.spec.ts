/**
 * `tcg2sim fv` on a copy of OVMF_CODE_4M.fd whose volume header lengths are damaged (made in the
 * test, never committed): the readable volumes are listed, the damage is named on stderr (file,
 * header offset, field), in the listing and in `diagnostics`, and the exit status is 2 (bad input).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { EXIT, readFv, UsageError } from '@tcg2sim/cli';
import { OVMF_DIR, requirePrerequisites, tempDir } from '@tcg2sim/test-support';
import { runCli } from './harness.ts';

const CODE_4M = join(OVMF_DIR, 'OVMF_CODE_4M.fd');
/** FVMAIN_COMPACT at 0, SECFV at 0x348000 (UEFIExtract report of Debian's image). */
const SECFV = 0x348000;

interface Diagnostic { severity: string; structure: string; offset: number; field: string; message: string }

describe('tcg2sim fv on damaged volume headers', function () {
  this.timeout(60_000);
  const tmp = tempDir('tcg2sim-fv-damage-');
  let code: Uint8Array;
  before(function () {
    requirePrerequisites(this, { files: [CODE_4M] });
    code = new Uint8Array(readFileSync(CODE_4M));
  });
  after(() => { tmp.remove(); });

  function damaged(name: string, edit: (v: DataView) => void): string {
    const b = code.slice();
    edit(new DataView(b.buffer));
    const p = join(tmp.path, name);
    writeFileSync(p, b);
    return p;
  }

  it('lists SECFV, names the FvLength damage of FVMAIN_COMPACT and exits 2', async () => {
    const p = damaged('fvlength.fd', (v) => { v.setBigUint64(0x20, 0x10n, true); });
    const r = await runCli('fv', p);
    expect(r.status).to.equal(EXIT.USAGE);
    expect(r.out).to.include('SECFV').and.include('SecMain');
    expect(r.out).to.include('not in a volume: size 0x348000 @0x0  (damaged volume header @0x0: FvLength 0x10 is smaller than the smallest volume header (0x48))');
    expect(r.err.trimEnd().split('\n')).to.deep.equal([
      `tcg2sim: ${p}: EFI_FIRMWARE_VOLUME_HEADER at offset 0x0: FvLength 0x10 is smaller than the smallest volume header (0x48); the volume is not listed`,
    ]);
  });

  it('gives the damage in diagnostics with --json (HeaderLength of SECFV), and an empty list for the intact image', async () => {
    const p = damaged('headerlength.fd', (v) => { v.setUint16(SECFV + 0x30, 0x49, true); });
    const r = await runCli('fv', p, '--json');
    expect(r.status).to.equal(EXIT.USAGE);
    const doc = JSON.parse(r.out) as { volumes: { name?: string }[]; gaps: { offset: number; size: number }[]; diagnostics: Diagnostic[] };
    expect(doc.volumes.map((v) => v.name)).to.deep.equal(['FVMAIN_COMPACT']);
    expect(doc.gaps).to.deep.equal([{ offset: SECFV, size: code.length - SECFV }]);
    expect(doc.diagnostics).to.deep.equal([{
      severity: 'error', structure: 'EFI_FIRMWARE_VOLUME_HEADER', offset: SECFV, field: 'HeaderLength', message: 'HeaderLength 0x49 is odd',
    }]);
    expect(r.err).to.include(p).and.include('offset 0x348000');
    const ok = await runCli('fv', CODE_4M, '--json');
    expect(ok.status).to.equal(EXIT.OK);
    expect((JSON.parse(ok.out) as { diagnostics: unknown }).diagnostics).to.deep.equal([]);
  });

  it('exits 2 with one line and no listing when no volume is left', async () => {
    const p = damaged('both.fd', (v) => { v.setBigUint64(0x20, 0n, true); v.setUint16(SECFV + 0x30, 0x10, true); });
    const r = await runCli('fv', p);
    expect(r.status).to.equal(EXIT.USAGE);
    expect(r.out).to.equal('');
    expect(r.err.trimEnd().split('\n')).to.deep.equal([
      `tcg2sim: ${p}: EFI_FIRMWARE_VOLUME_HEADER at offset 0x0: FvLength 0x0 is smaller than the smallest volume header (0x48); the volume is not listed`,
    ]);
  });

  it('random FvLength/HeaderLength damage of either header: a UsageError naming file and offset, or a listing that names every header it drops (property)', () => {
    const file = 'random.fd';
    fc.assert(
      fc.property(
        fc.constantFrom(0, SECFV),
        fc.oneof(fc.bigInt({ min: 0n, max: 0x100n }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })),
        fc.integer({ min: 0, max: 0xffff }),
        (at, len, hlen) => {
          const b = code.slice();
          const v = new DataView(b.buffer);
          v.setBigUint64(at + 0x20, len, true);
          v.setUint16(at + 0x30, hlen, true);
          try {
            const { flash, damage } = readFv(file, b);
            if (!flash.volumes.some((x) => x.imageOffset === at)) expect(damage.map((d) => d.offset)).to.include(at);
          } catch (e) {
            expect(e).to.be.instanceOf(UsageError);
            expect((e as Error).message).to.match(/^random\.fd: .*offset 0x[0-9a-f]+/);
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});
