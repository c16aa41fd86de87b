/**
 * Variable stores for the FirmwareSecvarUpdater boots (secvar-updater-boots.spec.ts), derived
 * from a distribution's store by a recipe in the vectors' boots.json: certificates removed from db
 * or KEK, variables copied from another store, variables set (one by one or a named list of
 * boots.json's variableSets), X.509 lists appended, a signature database deleted or padded with
 * SHA-256 entries, and fill variables that leave a given free space. Each change is
 * written with @tcg2sim/uefi's setVariable, as the variable driver writes a record (the store as it
 * looks after an enrolment or an update; authenticated variables keep the timestamp given), so the
 * file booted under QEMU and the one predicted are the same bytes.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { concatBytes, fromHex } from '@tcg2sim/binary-codec';
import {
  deleteVariable, EFI_CERT_TYPE, encodeSignatureList, listVariables, openVarStore, parseAttributes, parseSignatureLists, setVariable, snapshotVariables, VENDOR_GUID,
} from '@tcg2sim/uefi';
import type { EFITime } from '@tcg2sim/uefi';

/** Microsoft's SignatureOwner (gMicrosoftVendorGuid). */
const MICROSOFT_OWNER = '77FA9ABD-0359-4D32-BD60-28F4E78F784B';
const DATABASES = { db: VENDOR_GUID.IMAGE_SECURITY_DATABASE, dbx: VENDOR_GUID.IMAGE_SECURITY_DATABASE, KEK: VENDOR_GUID.GLOBAL_VARIABLE, PK: VENDOR_GUID.GLOBAL_VARIABLE } as const;
type Database = keyof typeof DATABASES;

/** A recipe: every field optional, applied in the order of the fields below. */
export interface StoreRecipe {
  /** The store it starts from, a path under the firmware cache. */
  readonly base: string;
  /** Authenticated variables copied (data, attributes, timestamp) from another store under the cache. */
  readonly copy?: { readonly from: string; readonly names: readonly Database[] };
  /** Timestamps (ISO, UTC) given to db, KEK or PK, their data kept. */
  readonly stamp?: Partial<Record<Database, string>>;
  /** Certificates (by CN) whose EFI_SIGNATURE_LIST is removed from db or KEK. */
  readonly remove?: Partial<Record<Database, readonly string[]>>;
  /** Certificates (by CN, from the certificates given) appended as one X509 list each, owned by Microsoft. */
  readonly append?: Partial<Record<Database, readonly string[]>>;
  /** The timestamp `append` leaves on the variable (AuthVariableLib keeps the later one). */
  readonly appendTimeStamp?: string;
  /** Signature databases deleted (a store whose event log keeps room for a large db). */
  readonly delete?: readonly Database[];
  /** Variables set, as the variable driver writes them (authenticated ones with a zero timestamp). */
  readonly set?: readonly SetEntry[];
  /**
   * A named list of variables (boots.json's variableSets) set before `set`: the variables a boot
   * leaves in a store (boot options, console, TCG2, MOR, AuthVariableLib's), so that a later boot
   * finds them and BDS writes nothing new.
   */
  readonly setFrom?: string;
  /**
   * One EFI_CERT_SHA256 list appended to db or KEK (entries: SHA-256 of the entry's index as a
   * decimal string, owned by PAD_OWNER), with as many entries as keep the variable's data at or
   * under this many bytes: a KEK or db near PcdMaxAuthVariableSize.
   */
  readonly padTo?: Partial<Record<Database, number>>;
  /**
   * Plain NV|BS|RT variables Fill0, Fill1, … (PAD_OWNER, data 0x5A, at most 0x7000 bytes each)
   * added last, so that the live records leave exactly `free` bytes of the store's
   * CommonVariableSpace (VARIABLE_STORE_HEADER.Size − 28; records 4-aligned). A multiple of 4.
   */
  readonly fill?: { readonly free: number };
}

/** One variable a recipe sets: data in hex, attributes as `NV|BS|RT`. */
export interface SetEntry { readonly name: string; readonly guid: string; readonly attributes: string; readonly data: string }

/** The owner of the recipes' own entries and fill variables (a GUID of these tests). */
export const PAD_OWNER = '5EC7A2B0-0F11-4A55-9D3E-7E57F111ED00';
const FILL_MAX = 0x7000;

function commonName(der: Uint8Array): string | undefined {
  try {
    return /(?:^|\n)CN=([^\n]*)/.exec(new X509Certificate(der).subject)?.[1];
  } catch {
    return undefined;
  }
}

function efiTime(iso: string): EFITime {
  const d = new Date(iso);
  return {
    year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(), pad1: 0, nanosecond: 0, timeZone: 0, daylight: 0, pad2: 0,
  };
}

function later(a: EFITime, b: EFITime): EFITime {
  const key = (t: EFITime): number[] => [t.year, t.month, t.day, t.hour, t.minute, t.second, t.nanosecond];
  const ka = key(a);
  const kb = key(b);
  for (let i = 0; i < ka.length; i++) if ((ka[i] ?? 0) !== (kb[i] ?? 0)) return (ka[i] ?? 0) > (kb[i] ?? 0) ? a : b;
  return a;
}

function rewrite(image: Uint8Array, name: Database, data: Uint8Array, timeStamp: EFITime | undefined, attributes: number): void {
  setVariable(image, { name, guid: DATABASES[name], attributes, data, timeStamp });
}

/** Adds Fill0, Fill1, … until the live records leave `free` bytes of CommonVariableSpace. */
function fill(image: Uint8Array, free: number): void {
  const layout = openVarStore(image);
  const space = layout.storeSize - VARIABLE_STORE_HEADER_BYTES;
  const used = (): number => listVariables(image).reduce((n, v) => n + align4(AUTH_HEADER_BYTES + 2 * (v.name.length + 1) + v.data.length), 0);
  for (let i = 0; ; i++) {
    const name = `Fill${i}`;
    const overhead = AUTH_HEADER_BYTES + 2 * (name.length + 1);
    const room = space - used() - free - overhead;
    if (room < 0 || free % 4 !== 0) throw new Error(`cannot leave ${free} bytes free`);
    const size = Math.min(room, FILL_MAX);
    setVariable(image, { name, guid: PAD_OWNER, attributes: parseAttributes('NV|BS|RT'), data: new Uint8Array(size).fill(0x5a) });
    if (size === room) return;
  }
}

const align4 = (n: number): number => (n + 3) & ~3;
/** AUTHENTICATED_VARIABLE_HEADER and VARIABLE_STORE_HEADER (MdeModulePkg/Include/Guid/VariableFormat.h). */
const AUTH_HEADER_BYTES = 60;
const VARIABLE_STORE_HEADER_BYTES = 28;

/**
 * The store a recipe describes. `read` reads a file under the firmware cache; `certificates` are
 * the DER certificates `append` may name (those the driver image carries); `variableSets` the
 * lists `setFrom` may name.
 * @throws Error when the recipe names a variable or certificate that is not there
 */
export function deriveStore(recipe: StoreRecipe, read: (path: string) => Uint8Array, certificates: readonly Uint8Array[] = [], variableSets: Readonly<Record<string, readonly SetEntry[]>> = {}): Uint8Array {
  const image = read(recipe.base).slice();
  const AUTH = parseAttributes('NV|BS|RT|AT');
  if (recipe.copy !== undefined) {
    const from = snapshotVariables(read(recipe.copy.from));
    for (const name of recipe.copy.names) {
      const v = from.get(name, DATABASES[name]);
      if (v === undefined) throw new Error(`${recipe.copy.from}: no ${name}`);
      rewrite(image, name, v.data, v.timeStamp, v.attributes);
    }
  }
  for (const [name, iso] of Object.entries(recipe.stamp ?? {}) as [Database, string][]) {
    const v = snapshotVariables(image).get(name, DATABASES[name]);
    if (v === undefined) throw new Error(`${recipe.base}: no ${name}`);
    rewrite(image, name, v.data, efiTime(iso), AUTH);
  }
  for (const [name, cns] of Object.entries(recipe.remove ?? {}) as [Database, readonly string[]][]) {
    const v = snapshotVariables(image).get(name, DATABASES[name]);
    if (v === undefined) throw new Error(`${recipe.base}: no ${name}`);
    const lists = parseSignatureLists(v.data, name);
    const keep = lists.filter((l) => !l.entries.some((e) => cns.includes(commonName(e.data) ?? '')));
    if (lists.length - keep.length !== cns.length) throw new Error(`${recipe.base}: ${name} does not hold each of ${cns.join(', ')} in a list of its own`);
    rewrite(image, name, concatBytes(...keep.map((l) => v.data.subarray(l.offset, l.offset + l.header.signatureListSize))), v.timeStamp, AUTH);
  }
  for (const [name, cns] of Object.entries(recipe.append ?? {}) as [Database, readonly string[]][]) {
    const v = snapshotVariables(image).get(name, DATABASES[name]);
    if (v === undefined) throw new Error(`${recipe.base}: no ${name}`);
    const added = cns.map((cn) => {
      const der = certificates.find((c) => commonName(c) === cn);
      if (der === undefined) throw new Error(`no certificate ${cn} to append`);
      return encodeSignatureList({ signatureType: EFI_CERT_TYPE.X509, entries: [{ owner: MICROSOFT_OWNER, data: der }] });
    });
    const stamp = recipe.appendTimeStamp === undefined ? v.timeStamp : later(v.timeStamp ?? efiTime('1900-01-01T00:00:00Z'), efiTime(recipe.appendTimeStamp));
    rewrite(image, name, concatBytes(v.data, ...added), stamp, AUTH);
  }
  for (const name of recipe.delete ?? []) deleteVariable(image, name, DATABASES[name]);
  const named = recipe.setFrom === undefined ? [] : variableSets[recipe.setFrom];
  if (named === undefined) throw new Error(`no variable set ${recipe.setFrom ?? ''}`);
  for (const s of [...named, ...(recipe.set ?? [])]) {
    setVariable(image, { name: s.name, guid: s.guid, attributes: parseAttributes(s.attributes), data: fromHex(s.data) });
  }
  for (const [name, target] of Object.entries(recipe.padTo ?? {}) as [Database, number][]) {
    const v = snapshotVariables(image).get(name, DATABASES[name]);
    if (v === undefined) throw new Error(`${recipe.base}: no ${name}`);
    const n = Math.floor((target - v.data.length - 28) / 48);
    if (n < 1) throw new Error(`${name} is already ${v.data.length} bytes`);
    const entries = Array.from({ length: n }, (_, i) => ({ owner: PAD_OWNER, data: new Uint8Array(createHash('sha256').update(String(i)).digest()) }));
    rewrite(image, name, concatBytes(v.data, encodeSignatureList({ signatureType: EFI_CERT_TYPE.SHA256, entries })), v.timeStamp, AUTH);
  }
  if (recipe.fill !== undefined) fill(image, recipe.fill.free);
  return image;
}
