import { readFileSync } from 'node:fs';
import { expectBootAsProfile, profileVersion, readProfile } from './distro-profile-vectors.ts';
import type { DistroProfile } from './distro-profile-vectors.ts';

// The committed profiles of other distributions' builds (`tcg2sim profile --json` of images that
// are never committed, docs/distro-builds-202302.md) against the real boots of the same images:
// what the profile read from the image is what the firmware measured. Runs without the images.

interface Profile extends DistroProfile {
  readonly features: Readonly<Record<string, { readonly present: boolean }>>;
}
interface VectorBuild {
  readonly id: string;
  readonly configs: readonly { readonly name: string; readonly knownDifference?: string; readonly peiSmmRelocation?: string }[];
}

const VECTORS = new URL('../../test/vectors/distro-202302/', import.meta.url);
const BUILDS = JSON.parse(readFileSync(new URL('builds.json', VECTORS), 'utf8')) as readonly VectorBuild[];

describe('committed profiles of other distributions\' builds agree with their real boots', () => {
  for (const b of BUILDS) {
    it(`${b.id}: S-CRTM version, DXEFV and the Shell digests, PEIFV unless written before measurement`, () => {
      const p = readProfile(VECTORS, b.id) as Profile;
      const version = profileVersion(p);
      const peiWritten = p.modelled.some((m) => m.startsWith('PEIFV: PeiCore\'s AcpiTimerLib global'));
      // PEIFV as decompressed is what is measured unless something writes into it first: PeiCore's
      // AcpiTimerLib global (2025.02), an SMM PlatformPei's SMBASE relocation (202405 on) or a known difference.
      for (const c of b.configs) expectBootAsProfile(VECTORS, b.id, c.name, p, version, peiWritten || c.knownDifference !== undefined || c.peiSmmRelocation !== undefined);
    });
  }
});
