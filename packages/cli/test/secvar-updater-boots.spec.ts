import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EV, decodeEventLog, decodeVariableData } from '@tcg2sim/event-log';
import { FIRMWARE_SECVAR_UPDATER_FILE_GUID, decompressMemFvs, embeddedCertificates, findModule } from '@tcg2sim/platform-ovmf';
import { EFI_SECTION, VENDOR_GUID, snapshotVariables } from '@tcg2sim/uefi';
import { skipOptional, tempDir, FIRMWARE_CACHE as CACHE } from '@tcg2sim/test-support';
import { runCli } from './harness.ts';
import { deriveStore } from './secvar-stores.ts';
import type { SetEntry, StoreRecipe } from './secvar-stores.ts';

// Ubuntu's FirmwareSecvarUpdater (platform-ovmf boot/modules/secvar-updater.ts) against real boots
// of Ubuntu's secboot images (QEMU 7.2 + swtpm, q35,smm=on, 512 MiB, 1 CPU) and of jammy's non-SMM
// images (q35, where it runs after KEK and db were measured) with a store made for
// each case by a recipe (secvar-stores.ts; also stores too full, or with a db too large, for some
// of its appends): logs, PCRs and facts of the store before and after
// each boot in platform-ovmf's test/vectors/secvar-updater/. Ubuntu's images are not fetched in
// CI: a boot whose image is absent from the firmware cache is skipped with a notice naming it.

interface Image { readonly file: string; readonly source: string; readonly sha256: string }
interface DbFacts { readonly attributes: string; readonly timeStamp: string; readonly sha256: string; readonly lists: readonly string[] }
interface PlainFacts { readonly attributes: string; readonly data: string }
interface StoreFacts {
  readonly PK: DbFacts | null;
  readonly KEK: DbFacts | null;
  readonly db: DbFacts | null;
  readonly FirmwareSecvarUpdaterVersion: PlainFacts | null;
  readonly CustomMode: PlainFacts | null;
}
interface Boot {
  readonly id: string;
  readonly image: string;
  /** q35,smm=on with secure pflash (the secboot images); false: the non-SMM images. */
  readonly smm: boolean;
  readonly store: StoreRecipe;
  readonly what: string;
  readonly oldModel: string;
  readonly oldModelPcr7?: Readonly<Record<string, string>>;
  readonly storeBefore: StoreFacts;
  readonly storeAfter: StoreFacts;
}
interface Vectors { readonly images: Readonly<Record<string, Image>>; readonly variableSets?: Readonly<Record<string, readonly SetEntry[]>>; readonly boots: readonly Boot[] }
interface PredictJson { readonly complete: boolean; readonly notes: readonly string[]; readonly pcrs: Readonly<Record<string, Readonly<Record<string, string>>>> }
interface VerifyJson { readonly exact: boolean; readonly divergences: readonly unknown[]; readonly matchedEvents: number; readonly firmwareEvents: number }

const VECTORS = new URL('../../../platform-ovmf/test/vectors/secvar-updater/', import.meta.url);
const vectors = JSON.parse(readFileSync(new URL('boots.json', VECTORS), 'utf8')) as Vectors;
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

function firmware(ctx: Mocha.Context, b: Boot): Image {
  const img = vectors.images[b.image];
  if (img === undefined) throw new Error(`boots.json: no image ${b.image}`);
  const stores = [b.store.base, ...(b.store.copy === undefined ? [] : [b.store.copy.from])];
  for (const file of [img.file, ...stores]) {
    if (!existsSync(join(CACHE, file))) skipOptional(ctx, `firmware ${join(CACHE, file)} absent (${img.source}; never committed)`);
  }
  const sha = sha256(readFileSync(join(CACHE, img.file)));
  if (sha !== img.sha256) skipOptional(ctx, `firmware ${join(CACHE, img.file)} is not the file of ${img.source} (sha256 ${sha})`);
  return img;
}

/** The certificates the image's FirmwareSecvarUpdater carries (what a recipe may append). */
function driverCertificates(code: Uint8Array): Uint8Array[] {
  const f = findModule(decompressMemFvs(code).dxeFv.volume, { name: 'FirmwareSecvarUpdater', fileGuid: FIRMWARE_SECVAR_UPDATER_FILE_GUID });
  const pe = f?.sections?.find((s) => s.type === EFI_SECTION.PE32)?.body;
  if (pe === undefined) throw new Error('no FirmwareSecvarUpdater in the image');
  return embeddedCertificates(pe).map((c) => c.der);
}

/** KEK, db and the version of a store, as the facts record them (data digests, version bytes). */
function storeFacts(image: Uint8Array): Record<string, string | null> {
  const s = snapshotVariables(image);
  const kek = s.get('KEK', VENDOR_GUID.GLOBAL_VARIABLE);
  const db = s.get('db', VENDOR_GUID.IMAGE_SECURITY_DATABASE);
  const version = s.get('FirmwareSecvarUpdaterVersion', 'A2F5DA32-9E4C-4F6B-B3A1-7C8D5E6F0A1B');
  return { KEK: kek === undefined ? null : sha256(kek.data), db: db === undefined ? null : sha256(db.data), version: version === undefined ? null : Buffer.from(version.data).toString('hex') };
}

function factsOf(f: StoreFacts): Record<string, string | null> {
  return { KEK: f.KEK?.sha256 ?? null, db: f.db?.sha256 ?? null, version: f.FirmwareSecvarUpdaterVersion?.data ?? null };
}

/** The KEK and db data digests the log measured (EV_EFI_VARIABLE_DRIVER_CONFIG, PCR7). */
function measured(log: Uint8Array): Record<string, string | null> {
  const out: Record<string, string | null> = { KEK: null, db: null };
  for (const e of decodeEventLog(log).events) {
    if (e.eventType !== EV.EFI_VARIABLE_DRIVER_CONFIG || e.pcrIndex !== 7) continue;
    const v = decodeVariableData(e.eventData);
    if (v.unicodeName === 'KEK' || v.unicodeName === 'db') out[v.unicodeName] = v.variableData.length === 0 ? null : sha256(v.variableData);
  }
  return out;
}

describe('Ubuntu\'s FirmwareSecvarUpdater: predict and verify against real boots of each case', function () {
  this.timeout(120_000);
  const dir = tempDir('tcg2sim-secvar-');
  after(() => dir.remove());

  for (const b of vectors.boots) {
    it(`${b.id} (${b.image}): ${b.what}: complete, PCRs 0-7 of every bank and every event as the real boot`, async function () {
      const img = firmware(this, b);
      const code = new Uint8Array(readFileSync(join(CACHE, img.file)));
      const store = deriveStore(b.store, (p) => new Uint8Array(readFileSync(join(CACHE, p))), driverCertificates(code), vectors.variableSets);
      // The recipe gives the store that was booted (for a second boot: the one QEMU wrote).
      expect(storeFacts(store), 'derived store = store booted').to.deep.equal(factsOf(b.storeBefore));
      const vars = join(dir.path, `${b.id}.fd`);
      writeFileSync(vars, store);
      const log = new Uint8Array(readFileSync(new URL(`${b.id}-eventlog.bin`, VECTORS)));
      // What was measured is what the boot left in the store.
      const after = factsOf(b.storeAfter);
      expect(measured(log)).to.deep.equal({ KEK: after['KEK'], db: after['db'] });

      const vm = ['--code', join(CACHE, img.file), '--vars', vars, ...(b.smm ? ['--smm'] : []), '--memory', '512', '--cpus', '1'];
      const p = await runCli('predict', ...vm, '--json');
      expect(p.status, p.err).to.equal(0);
      const j = JSON.parse(p.out) as PredictJson;
      expect(j.complete, j.notes.join('\n')).to.equal(true);
      const note = j.notes.find((n) => n.startsWith('FirmwareSecvarUpdater:')) ?? '';
      // It writes its version exactly when the boot changed it (absent, 0, or not 4 bytes before).
      const writes = (b.storeBefore.FirmwareSecvarUpdaterVersion?.data ?? null) !== (b.storeAfter.FirmwareSecvarUpdaterVersion?.data ?? null);
      expect(note.includes('writes FirmwareSecvarUpdaterVersion = 1'), note).to.equal(writes);
      const real = JSON.parse(readFileSync(new URL(`${b.id}-pcrs.json`, VECTORS), 'utf8')) as Record<string, Record<string, string>>;
      expect(Object.keys(real)).to.have.length(4);
      for (const [bank, values] of Object.entries(real)) {
        for (let i = 0; i <= 7; i++) expect(j.pcrs[bank]?.[String(i)], `${bank} PCR${i}`).to.equal(values[String(i)]);
        const old = b.oldModelPcr7?.[bank];
        if (old !== undefined) expect(old, `the module before these boots predicted ${bank} PCR7 ${old}`).to.not.equal(values['7']);
      }
      const v = await runCli('verify', new URL(`${b.id}-eventlog.bin`, VECTORS).pathname, ...vm, '--json');
      const vj = JSON.parse(v.out) as VerifyJson;
      expect(vj.divergences, v.out).to.deep.equal([]);
      expect(vj.exact).to.equal(true);
      expect(vj.matchedEvents).to.equal(vj.firmwareEvents);
      expect(v.status).to.equal(0);
    });
  }
});
