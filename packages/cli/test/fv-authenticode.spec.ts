/**
 * `tcg2sim fv --json` puts `authenticode: {sha1, sha256, sha384, sha512}` on every PE32 section.
 * Truth: Debian's `pesign -h` (its own Authenticode code) for sha1/sha256 of every PE32 body
 * UEFIExtract extracts from OVMF_CODE_4M.fd (independent of our FV parser); for sha384/sha512,
 * which pesign cannot print, `openssl dgst` over the bytes pesign's sha256 proved to be the
 * hashed ones.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { EXIT, TE_AUTHENTICODE_REASON } from '@tcg2sim/cli';
import { buildFirmwareVolume, EFI_SECTION, leafSection, peImageHashRanges } from '@tcg2sim/uefi';
import { OVMF_DIR, requirePrerequisites, tempDir } from '@tcg2sim/test-support';
import { runCli } from './harness.ts';

interface JsonNode {
  kind: string;
  type: string;
  children: JsonNode[];
  authenticode?: Record<string, string> | null;
  authenticodeReason?: string;
}

function* walk(n: JsonNode): Generator<JsonNode> {
  yield n;
  for (const c of n.children) yield* walk(c);
}

const CODE_4M = join(OVMF_DIR, 'OVMF_CODE_4M.fd');
const BANKS = ['sha1', 'sha256', 'sha384', 'sha512'];

function pesign(file: string, digest: 'sha1' | 'sha256'): string {
  const out = execFileSync('pesign', ['-h', '-d', digest, '-i', file], { encoding: 'utf8' });
  const m = /hash:\s*([0-9a-f]+)/.exec(out);
  if (!m?.[1]) throw new Error(`pesign printed no hash for ${file}: ${out}`);
  return m[1];
}

function openssl(file: string, alg: 'sha384' | 'sha512'): string {
  return execFileSync('openssl', ['dgst', `-${alg}`, '-r', file], { encoding: 'utf8' }).split(' ')[0] ?? '';
}

/** Every `<n> PE32 image section/body.bin` under a UEFIExtract dump directory. */
function pe32Bodies(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (!statSync(p).isDirectory()) continue;
    if (/ PE32 image section$/.test(e)) out.push(join(p, 'body.bin'));
    out.push(...pe32Bodies(p));
  }
  return out;
}

describe('tcg2sim fv --json: Authenticode digests of PE32/TE sections', function () {
  this.timeout(120_000);

  describe('against pesign and openssl @integration', () => {
    const tmp = tempDir('tcg2sim-fv-ac-');
    after(() => { tmp.remove(); });
    before(function () {
      requirePrerequisites(this, { tools: ['pesign', 'UEFIExtract', 'openssl'], files: [CODE_4M] });
    });

    it('gives every one of the 124 PE32 sections of OVMF_CODE_4M.fd the digests pesign and openssl compute', async () => {
      const r = await runCli('fv', CODE_4M, '--json');
      expect(r.status, r.err).to.equal(EXIT.OK);
      const doc = JSON.parse(r.out) as { volumes: JsonNode[] };
      const pe = doc.volumes.flatMap((v) => [...walk(v)]).filter((n) => n.type === 'EFI_SECTION_PE32');
      expect(pe).to.have.length(124);
      const ours = new Map<string, Record<string, string>>();
      for (const n of pe) {
        const a = n.authenticode;
        if (a === undefined || a === null) throw new Error(`PE32 section without digests: ${n.authenticodeReason ?? ''}`);
        expect(Object.keys(a)).to.deep.equal(BANKS);
        ours.set(`${a['sha1'] ?? ''} ${a['sha256'] ?? ''}`, a);
      }

      const work = join(tmp.path, 'OVMF_CODE_4M.fd');
      copyFileSync(CODE_4M, work);
      execFileSync('UEFIExtract', [work, 'all'], { stdio: 'ignore' });
      const bodies = pe32Bodies(`${work}.dump`);
      expect(bodies).to.have.length(124);
      const theirs = bodies.map((b) => `${pesign(b, 'sha1')} ${pesign(b, 'sha256')}`);
      expect([...theirs].sort()).to.deep.equal(pe.map((n) => `${n.authenticode?.['sha1'] ?? ''} ${n.authenticode?.['sha256'] ?? ''}`).sort());

      // sha384/sha512: openssl over the ranges whose sha256 pesign just confirmed (every 8th image).
      for (let i = 0; i < bodies.length; i += 8) {
        const data = new Uint8Array(readFileSync(bodies[i] ?? ''));
        const hashed = join(tmp.path, `hashed-${i}.bin`);
        writeFileSync(hashed, Buffer.concat(peImageHashRanges(data).map((x) => data.subarray(x.start, x.end))));
        const a = ours.get(theirs[i] ?? '');
        expect(a?.['sha384'], bodies[i]).to.equal(openssl(hashed, 'sha384'));
        expect(a?.['sha512'], bodies[i]).to.equal(openssl(hashed, 'sha512'));
      }
    });
  });

  it('computes no digests for the text listing', async function () {
    requirePrerequisites(this, { files: [CODE_4M] });
    const r = await runCli('fv', CODE_4M);
    expect(r.status).to.equal(EXIT.OK);
    expect(r.out).to.not.match(/authenticode/i);
  });

  it('gives TE sections, and PE32 sections EDK II would refuse, authenticode null and the reason with --json', async () => {
    const tmp = tempDir('tcg2sim-fv-te-');
    try {
      const fv = buildFirmwareVolume({
        files: [{
          name: '11111111-2222-3333-4444-555555555555', type: 0x06,
          content: {
            sections: [
              leafSection(EFI_SECTION.TE, Uint8Array.of(0x56, 0x5a, ...new Array<number>(38).fill(0))),
              leafSection(EFI_SECTION.PE32, Uint8Array.of(0x4d, 0x5a, ...new Array<number>(62).fill(0))),
            ],
          },
        }],
      });
      const p = join(tmp.path, 'te.fv');
      writeFileSync(p, fv);
      const r = await runCli('fv', p, '--json');
      expect(r.status, r.err).to.equal(EXIT.OK);
      const doc = JSON.parse(r.out) as { volumes: JsonNode[] };
      const secs = doc.volumes.flatMap((v) => [...walk(v)]).filter((n) => n.kind === 'section');
      expect(secs.map((s) => [s.type, s.authenticode])).to.deep.equal([['EFI_SECTION_TE', null], ['EFI_SECTION_PE32', null]]);
      expect(secs[0]?.authenticodeReason).to.equal(TE_AUTHENTICODE_REASON);
      expect(secs[1]?.authenticodeReason).to.match(/^not a PE\/COFF image EDK II measures: /);
    } finally {
      tmp.remove();
    }
  });
});
