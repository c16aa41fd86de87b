import { readFileSync } from 'node:fs';
import { expectBootAsProfile, profileVersion, readProfile } from './distro-profile-vectors.ts';
import type { DistroProfile } from './distro-profile-vectors.ts';

// The committed profiles of the builds in docs/distro-builds-2024.md (`tcg2sim profile --json` of
// images that are never committed) against the real boots of the same images: what the profile
// read from the image is what the firmware measured. Runs without the images.

interface Profile extends DistroProfile {
  readonly peiFvWrites: { readonly found: boolean; readonly notes: readonly string[] };
}
interface VectorBuild {
  readonly id: string;
  readonly configs: readonly { readonly name: string }[];
}

const VECTORS = new URL('../../test/vectors/distro-2024/', import.meta.url);
const BUILDS = JSON.parse(readFileSync(new URL('builds.json', VECTORS), 'utf8')) as readonly VectorBuild[];

/** Whether the profile found anything that writes into PEIFV before Tcg2Pei measures it. */
function peiFvWritten(p: Profile): boolean {
  return p.peiFvWrites.found || p.modelled.some((m) => m.startsWith('PEIFV: PeiCore\'s AcpiTimerLib global')) || p.peiFvWrites.notes.some((n) => n.includes('read flag at PEIFV+'));
}

describe('committed profiles of the 2024 round\'s builds agree with their real boots', () => {
  for (const b of BUILDS) {
    it(`${b.id}: S-CRTM version, DXEFV and the Shell digests; PEIFV as decompressed exactly when nothing writes into it`, () => {
      const p = readProfile(VECTORS, b.id) as Profile;
      const version = profileVersion(p);
      for (const c of b.configs) expectBootAsProfile(VECTORS, b.id, c.name, p, version, peiFvWritten(p));
    });
  }
});
