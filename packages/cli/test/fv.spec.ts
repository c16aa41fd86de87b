import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { EXIT, fvJsonNode } from '@tcg2sim/cli';
import type { FvSectionAnnotator } from '@tcg2sim/cli';
import { EFI_SECTION, parseFlashImage } from '@tcg2sim/uefi';
import { OVMF_DIR, requirePrerequisites, tempDir } from '@tcg2sim/test-support';
import { runCli } from './harness.ts';

const run = runCli;

interface JsonNode {
  kind: string;
  guid: string | null;
  name?: string;
  type: string;
  size: number;
  offset: number | null;
  children: JsonNode[];
  sha256?: string;
}

function* walk(n: JsonNode): Generator<JsonNode> {
  yield n;
  for (const c of n.children) yield* walk(c);
}

const CODE_4M = join(OVMF_DIR, 'OVMF_CODE_4M.fd');

describe('tcg2sim fv', function () {
  this.timeout(30_000);
  /** Debian's OVMF_CODE_4M.fd, required by the tests that read it (not by those that need no image). */
  function needCode(ctx: Mocha.Context): void {
    requirePrerequisites(ctx, { files: [CODE_4M] });
  }

  it('prints the readable tree of OVMF_CODE_4M.fd with the TCG2 modules and exit status 0', async function () {
    needCode(this);
    const r = await run('fv', CODE_4M);
    expect(r.status).to.equal(EXIT.OK);
    expect(r.err).to.equal('');
    for (const module of ['PEIFV', 'DXEFV', 'Tcg2ConfigPei', 'Tcg2Dxe', 'SecMain']) expect(r.out).to.include(module);
  });

  it('prints JSON nodes with kind, guid, type, size, offset and children, matching UEFIExtract-checked values', async function () {
    needCode(this);
    const r = await run('fv', CODE_4M, '--json');
    expect(r.status).to.equal(EXIT.OK);
    const doc = JSON.parse(r.out) as { volumes: JsonNode[] };
    expect(doc.volumes.map((v) => [v.kind, v.guid, v.offset, v.size])).to.deep.equal([
      ['volume', '48DB5E17-707C-472D-91CD-1613E7EF51B0', 0, 0x348000],
      ['volume', '763BED0D-DE9F-48F5-81F1-3E90E1B1A015', 0x348000, 0x34000],
    ]);
    const all = doc.volumes.flatMap((v) => [...walk(v)]);
    for (const n of all) {
      expect(n).to.include.keys('kind', 'guid', 'type', 'size', 'offset', 'children');
      expect(['volume', 'file', 'section']).to.include(n.kind);
    }
    // Sizes and offsets below are UEFIExtract's (OVMF_CODE_4M.fd.report.txt, Debian 2022.11-6+deb12u2).
    const tcg2Dxe = all.find((n) => n.guid === 'FDFF263D-5F68-4591-87BA-B768F445A9AF');
    expect(tcg2Dxe).to.include({ kind: 'file', type: 'EFI_FV_FILETYPE_DRIVER', size: 0xac12, offset: null, name: 'Tcg2Dxe' });
    const secMain = all.find((n) => n.guid === 'DF1CCEF6-F301-4A63-9661-FC6030DCC880');
    expect(secMain).to.include({ type: 'EFI_FV_FILETYPE_SECURITY_CORE', size: 0x2ebe, offset: 0x348078 });
    const pads = all.filter((n) => n.type === 'pad');
    expect(pads.length).to.equal(all.filter((n) => n.kind === 'file' && n.guid === 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF').length);
    expect(pads.length).to.be.greaterThan(0);
    expect(all.filter((n) => n.kind === 'volume').map((v) => v.name)).to.deep.equal(['FVMAIN_COMPACT', 'PEIFV', 'DXEFV', 'SECFV']);
    expect(all.filter((n) => n.kind === 'volume').every((v) => /^[0-9a-f]{64}$/.test(v.sha256 ?? ''))).to.equal(true);
  });

  it('adds the fields of section annotators to the JSON of the sections they describe (the PE32 hook)', function () {
    needCode(this);
    const flash = parseFlashImage(new Uint8Array(readFileSync(CODE_4M)));
    const pe32: FvSectionAnnotator = (s) => (s.type === EFI_SECTION.PE32 ? { authenticode: { bodySize: s.body.length } } : undefined);
    const secfv = fvJsonNode(flash.volumes[1]!, [pe32]);
    const secMainPe = secfv.children[0]?.children[0];
    expect(secMainPe).to.include({ type: 'EFI_SECTION_PE32', size: 0x2e84 });
    expect(secMainPe?.['authenticode']).to.deep.equal({ bodySize: 0x2e84 - 4 });
    expect(secfv.children[0]?.children[1]?.['authenticode']).to.equal(undefined);
  });

  describe('against UEFIExtract @integration', () => {
    before(function () {
      requirePrerequisites(this, { tools: ['UEFIExtract'], files: [CODE_4M] });
    });

    it('lists the same volumes, files (GUID and whole size) and sections, in the same order, as UEFIExtract report', async () => {
      const tmp = tempDir();
      try {
        const copy = join(tmp.path, 'OVMF_CODE_4M.fd');
        copyFileSync(CODE_4M, copy);
        execFileSync('UEFIExtract', [copy, 'report'], { stdio: 'ignore' });
        // Report lines: Type | Subtype | Base | Size | CRC32 | dashes + name [| text].
        const theirs = readFileSync(`${copy}.report.txt`, 'utf8')
          .split('\n')
          .slice(1)
          .map((l) => l.split('|').map((c) => c.trim()))
          .filter((c) => c[0] === 'Volume' || c[0] === 'File' || c[0] === 'Section')
          .map((c) => {
            const name = (c[5] ?? '').replace(/^-+\s*/, '');
            const id = c[0] === 'Section' ? '' : name === 'Padding file' ? 'pad' : name;
            return `${(c[0] ?? '').toLowerCase()} ${id} ${parseInt(c[3] ?? '', 16)}`;
          });
        const r = await run('fv', copy, '--json');
        const doc = JSON.parse(r.out) as { volumes: JsonNode[] };
        const ours = doc.volumes
          .flatMap((v) => [...walk(v)])
          .map((n) => `${n.kind} ${n.kind === 'section' ? '' : n.type === 'pad' ? 'pad' : n.guid ?? ''} ${n.size}`);
        expect(ours).to.deep.equal(theirs);
        expect(ours.length).to.be.greaterThan(600);
      } finally {
        tmp.remove();
      }
    });
  });

  describe('bad input', () => {
    const tmp = tempDir();
    after(() => {
      tmp.remove();
    });

    /** `edit` applied to OVMF_CODE_4M.fd, written to `name`; an edit taking no argument needs no image. */
    function mutated(ctx: Mocha.Context, name: string, edit: (b: Uint8Array) => Uint8Array): string {
      const p = join(tmp.path, name);
      if (edit.length === 0) writeFileSync(p, edit(new Uint8Array()));
      else {
        needCode(ctx);
        writeFileSync(p, edit(new Uint8Array(readFileSync(CODE_4M))));
      }
      return p;
    }

    const cases: readonly [string, (b: Uint8Array) => Uint8Array][] = [
      ['a flash image cut inside its last volume', (b) => b.subarray(0, 0x348000 + 0x1000)],
      ['a file header with a wrong checksum', (b) => { b[0x78 + 16] = (b[0x78 + 16] ?? 0) ^ 1; return b; }],
      ['a volume header with a wrong checksum', (b) => { b[0x33] = (b[0x33] ?? 0) ^ 1; return b.subarray(0, 0x348000); }],
      ['compressed data that is corrupt', (b) => { b.fill(0x41, 0x2000, 0x3000); return b; }],
      ['a file that is not a firmware image', () => new TextEncoder().encode('hello, world\n')],
    ];
    for (const [what, edit] of cases) {
      it(`exits with status 2 and a one-line message naming the file for ${what}`, async function () {
        const p = mutated(this, `${what.replace(/\W+/g, '-')}.fd`, edit);
        const r = await run('fv', p, '--json');
        expect(r.status).to.equal(EXIT.USAGE);
        expect(r.out).to.equal('');
        expect(r.err.trimEnd().split('\n')).to.have.length(1);
        expect(r.err).to.include(p);
      });
    }

    it('exits with status 2 for a file that does not exist', async () => {
      const r = await run('fv', join(tmp.path, 'missing.fd'));
      expect(r.status).to.equal(EXIT.USAGE);
    });
  });
});
