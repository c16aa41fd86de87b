/**
 * `tcg2sim reference --format keylime` against Keylime itself: its scripts/create_mb_refstate
 * (the generator of the refstate format) on the same log, and its measured-boot policy evaluator
 * (`python3 -m keylime.mba.elchecking example REFSTATE LOG`, parsing the log with tpm2_eventlog).
 *
 * Keylime is neither in Debian 12 nor in 13: set TCG2SIM_KEYLIME_DIR to a Keylime source tree
 * (github.com/keylime/keylime). It needs python3 with the yaml and packaging modules (Debian:
 * python3-yaml, python3-packaging; TCG2SIM_PYTHON picks the interpreter), libefivar1 and tpm2-tools.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { concatBytes } from '@tcg2sim/binary-codec';
import { EV, EventLogBuilder, decodeEventLog } from '@tcg2sim/event-log';
import type { TpmAlgHash } from '@tcg2sim/hash-lib';
import { OVMF_DIR, SNAKEOIL_KEY, buildEfiApplication, buildEspDisk, requirePrerequisites, sbsign, snakeoilSigner, tempDir } from '@tcg2sim/test-support';
import { EXIT } from '@tcg2sim/cli';
import { runCli } from './harness.ts';
import { skipUnless } from './optional-tool.ts';

const KEYLIME = process.env['TCG2SIM_KEYLIME_DIR'];
const PYTHON = process.env['TCG2SIM_PYTHON'] ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

/** What is missing to run Keylime, or undefined. */
function keylimeMissing(): string | undefined {
  if (KEYLIME === undefined) return 'Keylime source (set TCG2SIM_KEYLIME_DIR to a keylime/keylime checkout)';
  if (!existsSync(join(KEYLIME, 'keylime', 'mba', 'elchecking', 'example.py')) || !existsSync(join(KEYLIME, 'scripts', 'create_mb_refstate'))) {
    return `Keylime's keylime/mba/elchecking and scripts/create_mb_refstate under TCG2SIM_KEYLIME_DIR=${KEYLIME}`;
  }
  const r = spawnSync(PYTHON, ['-c', 'import yaml, packaging.version'], { stdio: 'ignore' });
  if (r.status !== 0) return `${PYTHON} with the yaml and packaging modules (apt-get install python3-yaml python3-packaging)`;
  return undefined;
}

/** The refstate fields create_mb_refstate derives from the firmware's part of a log, by Keylime's own functions. */
const FIRMWARE_FIELDS_PY = `
import importlib.machinery, importlib.util, json, sys
loader = importlib.machinery.SourceFileLoader('create_mb_refstate', sys.argv[1] + '/scripts/create_mb_refstate')
m = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
loader.exec_module(m)
failure, data = m.parse_binary_bootlog(open(sys.argv[2], 'rb').read())
ev = data['events']
print(json.dumps({'has_secureboot': m.secureboot_enabled(ev), 'scrtm_and_bios': [{**m.get_s_crtm(ev), **m.get_platform_firmware(ev)}],
                  **m.get_keys(ev), **m.get_vendor_db(ev), **m.get_mok(ev)}))
`;

/** What GRUB and Linux would add to a log after the firmware's part (PCR 4, 8, 9) and shim (PCR 14). */
function osEvents(algs: readonly TpmAlgHash[], bootApp: Uint8Array, secureBoot: boolean): Uint8Array {
  const text = (s: string): Uint8Array => new TextEncoder().encode(`${s}\0`);
  const b = new EventLogBuilder({ algs });
  b.add({ pcrIndex: 4, eventType: EV.EFI_BOOT_SERVICES_APPLICATION, eventData: bootApp, digestOf: text('grubx64.efi authenticode') });
  // With Secure Boot, GRUB loads Linux through shim's verifier: the kernel is a boot application too.
  if (secureBoot) b.add({ pcrIndex: 4, eventType: EV.EFI_BOOT_SERVICES_APPLICATION, eventData: bootApp, digestOf: text('vmlinuz authenticode') });
  b.add({ pcrIndex: 14, eventType: EV.IPL, eventData: text('MokList'), digestOf: text('mok') });
  b.add({ pcrIndex: 14, eventType: EV.IPL, eventData: text('MokListX'), digestOf: text('mokx') });
  b.add({ pcrIndex: 8, eventType: EV.IPL, eventData: text('grub_cmd: linux /vmlinuz-6.1.0 root=/dev/vda2 ro quiet') });
  b.add({ pcrIndex: 9, eventType: EV.IPL, eventData: text('/vmlinuz-6.1.0'), digestOf: text('kernel image') });
  b.add({ pcrIndex: 8, eventType: EV.IPL, eventData: text('kernel_cmdline: /vmlinuz-6.1.0 root=/dev/vda2 ro quiet') });
  b.add({ pcrIndex: 9, eventType: EV.IPL, eventData: text('/initrd.img-6.1.0'), digestOf: text('initrd image') });
  const built = b.build();
  const first = built.events[1];
  if (first === undefined) throw new Error('no events');
  return b.encode().subarray(first.offset); // the records without the builder's Spec ID header
}

describe('tcg2sim reference --format keylime against Keylime @integration', function () {
  this.timeout(180_000);
  const tmp = tempDir('tcg2sim-keylime-');
  const path = (n: string): string => join(tmp.path, n);
  const env = { ...process.env, PYTHONPATH: KEYLIME ?? '', KEYLIME_VERIFIER_CONFIG: path('verifier.conf') };
  const python = (...args: string[]): { status: number | null; out: string; err: string } => {
    const r = spawnSync(PYTHON, args, { env, encoding: 'utf8', cwd: tmp.path });
    return { status: r.status, out: r.stdout, err: r.stderr };
  };
  /** Keylime's evaluator with its example policy: '' when it accepts, else its reason. */
  const evaluate = (refstate: string, log: string): string => {
    const r = python('-m', 'keylime.mba.elchecking', 'example', refstate, log);
    if (r.status === 0 && r.out.trim() === 'AOK') return '';
    return `${r.status}: ${r.err.trim().split('\n').slice(-3).join(' | ')}`;
  };

  before(function () {
    skipUnless(this, keylimeMissing());
    requirePrerequisites(this, { tools: ['tpm2_eventlog'] });
    // The verifier configuration Keylime's measured-boot module loader reads: no custom policies.
    writeFileSync(path('verifier.conf'), '[verifier]\nmeasured_boot_imports = []\n');
  });
  after(() => tmp.remove());

  const firmwareOnly: [string, string[]][] = [
    ['the embedded firmware', []],
    ['a Secure Boot firmware with enrolled keys', ['--code', '/usr/share/OVMF/OVMF_CODE_4M.secboot.fd', '--vars', '/usr/share/OVMF/OVMF_VARS_4M.ms.fd', '--smm']],
  ];
  for (const [what, flags] of firmwareOnly) {
    it(`derives the firmware fields from a boot of ${what} as create_mb_refstate does`, async function () {
      for (const f of flags) if (f.startsWith('/')) requirePrerequisites(this, { files: [f] });
      const log = path('fw.log');
      expect((await runCli('predict', ...flags, '--log-out', log)).status).to.equal(EXIT.OK);
      const r = await runCli('reference', '--log', log, '--format', 'keylime');
      expect(r.status, r.err).to.equal(EXIT.OK);
      expect(r.err).to.match(/note: .*"kernels" is empty/);
      const ours = JSON.parse(r.out) as Record<string, unknown>;
      expect(ours['kernels']).to.deep.equal([]);
      const k = python('-c', FIRMWARE_FIELDS_PY, KEYLIME ?? '', log);
      expect(k.status, k.err).to.equal(0);
      const theirs = JSON.parse(k.out) as Record<string, unknown>;
      delete ours['kernels'];
      expect(ours).to.deep.equal(theirs);
      if (flags.length > 0) expect((ours['db'] as unknown[]).length, 'db entries').to.be.greaterThan(0);
    });
  }

  const diskBoots: [string, boolean][] = [['the embedded firmware', false], ['Secure Boot with snakeoil keys and a signed loader', true]];
  for (const [what, secureBoot] of diskBoots) {
    describe(`on a disk boot (${what}) followed by GRUB and Linux`, () => {
      const full = path(`full-${secureBoot}.log`);
      before(async function () {
        const sbFiles = [join(OVMF_DIR, 'OVMF_CODE_4M.secboot.fd'), join(OVMF_DIR, 'OVMF_VARS_4M.snakeoil.fd'), SNAKEOIL_KEY];
        if (secureBoot) requirePrerequisites(this, { tools: ['sbsign'], files: sbFiles });
        const app = buildEfiApplication(new Uint8Array(4096).fill(0x90));
        const disk = path('esp.img');
        writeFileSync(disk, buildEspDisk({ files: [{ path: 'EFI/BOOT/BOOTX64.EFI', data: secureBoot ? sbsign(tmp.path, app, snakeoilSigner(tmp.path)) : app }] }));
        const fw = path('disk.log');
        const firmware = secureBoot ? ['--code', sbFiles[0] ?? '', '--vars', sbFiles[1] ?? '', '--smm'] : [];
        const r = await runCli('predict', ...firmware, '--disk', disk, '--log-out', fw);
        expect(r.status, r.err).to.equal(EXIT.OK);
        const bytes = new Uint8Array(readFileSync(fw));
        const log = decodeEventLog(bytes);
        const shim = log.events.find((e) => e.eventType === EV.EFI_BOOT_SERVICES_APPLICATION);
        if (shim === undefined || log.specId === undefined) throw new Error('the disk boot measured no boot application');
        const algs = log.specId.digestSizes.map((d) => d.algorithmId as TpmAlgHash);
        writeFileSync(full, concatBytes(bytes, osEvents(algs, shim.eventData, secureBoot)));
      });

      it('writes the refstate create_mb_refstate writes', async () => {
        const r = await runCli('reference', '--log', full, '--format', 'keylime', '--out', path('ours.json'));
        expect(r.status, r.err).to.equal(EXIT.OK);
        expect(r.err).to.equal('');
        const k = python(join(KEYLIME ?? '', 'scripts', 'create_mb_refstate'), ...(secureBoot ? [] : ['-i']), full, path('theirs.json'));
        expect(k.status, k.err).to.equal(0);
        const ours = JSON.parse(readFileSync(path('ours.json'), 'utf8')) as { has_secureboot: boolean; db: unknown[]; kernels: unknown[] };
        expect(ours).to.deep.equal(JSON.parse(readFileSync(path('theirs.json'), 'utf8')));
        expect(ours.has_secureboot).to.equal(secureBoot);
        expect(ours.kernels).to.have.length(1);
        if (secureBoot) expect(ours.db).to.have.length(1);
      });

      it("is accepted by Keylime's evaluator with the log it came from, and refuses a log with one digest changed", async () => {
        expect((await runCli('reference', '--log', full, '--format', 'keylime', '--out', path('ours.json'))).status).to.equal(EXIT.OK);
        expect(evaluate(path('ours.json'), full)).to.equal('');
        // The first EV_EFI_PLATFORM_FIRMWARE_BLOB's SHA-256 digest, one bit flipped.
        const bytes = new Uint8Array(readFileSync(full));
        const blob = decodeEventLog(bytes).events.find((e) => e.eventType === EV.EFI_PLATFORM_FIRMWARE_BLOB);
        const d = blob?.digests.find((x) => x.hashAlg === 0x000b)?.digest;
        if (blob === undefined || d === undefined) throw new Error('no firmware blob');
        const at = Buffer.from(bytes).indexOf(Buffer.from(d), blob.offset);
        bytes[at] = (bytes[at] ?? 0) ^ 0x01;
        writeFileSync(path('bad.log'), bytes);
        const why = evaluate(path('ours.json'), path('bad.log'));
        expect(why).to.match(/^1: .*platform_firmware_blobs \[0\] has no digest approved/);
        // And a different kernel command line.
        const cmd = Buffer.from(readFileSync(full));
        const i = cmd.lastIndexOf('quiet');
        cmd.write('QUIET', i);
        writeFileSync(path('bad2.log'), cmd);
        const why2 = evaluate(path('ours.json'), path('bad2.log'));
        expect(why2).to.match(/^1: .*kernel_cmdlines \[0\] does not match/);
        if (secureBoot) {
          // A refstate whose db lacks the certificate the log's db holds: refused.
          const ours = JSON.parse(readFileSync(path('ours.json'), 'utf8')) as { db: { SignatureData: string }[] };
          const entry = ours.db[0];
          if (entry === undefined) throw new Error('no db entry');
          entry.SignatureData = `${entry.SignatureData.slice(0, -2)}00`;
          writeFileSync(path('bad-db.json'), JSON.stringify(ours));
          expect(evaluate(path('bad-db.json'), full)).to.match(/^1: .*'UnicodeName': 'db'.*SignatureData is not/);
        }
      });
    });
  }
});
