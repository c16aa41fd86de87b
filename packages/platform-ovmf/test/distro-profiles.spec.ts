import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { toHex } from '@tcg2sim/binary-codec';
import { decodeEventLog, EV } from '@tcg2sim/event-log';
import { TPM_ALG_HASH } from '@tcg2sim/hash-lib';
import type { LogEvent } from '@tcg2sim/event-log';

// The committed profiles of other distributions' builds (`tcg2sim profile --json` of images that
// are never committed, docs/distro-builds-202302.md) against the real boots of the same images:
// what the profile read from the image is what the firmware measured. Runs without the images.

interface Profile {
  readonly volumes: readonly { readonly name: string; readonly digests: Readonly<Record<string, string>> }[];
  readonly shell?: { readonly digests: Readonly<Record<string, string>> };
  readonly features: Readonly<Record<string, { readonly present: boolean }>>;
  readonly modelled: readonly string[];
}
interface VectorBuild {
  readonly id: string;
  readonly configs: readonly { readonly name: string; readonly knownDifference?: string; readonly peiSmmRelocation?: string }[];
}

const VECTORS = new URL('../../test/vectors/distro-202302/', import.meta.url);
const BUILDS = JSON.parse(readFileSync(new URL('builds.json', VECTORS), 'utf8')) as readonly VectorBuild[];

function sha256(e: LogEvent | undefined): string | undefined {
  const d = e?.digests.find((x) => x.hashAlg === TPM_ALG_HASH.SHA256);
  return d === undefined ? undefined : toHex(d.digest);
}

describe('committed profiles of other distributions\' builds agree with their real boots', () => {
  for (const b of BUILDS) {
    it(`${b.id}: S-CRTM version, DXEFV and the Shell digests, PEIFV unless written before measurement`, () => {
      const p = JSON.parse(readFileSync(new URL(`${b.id}/profile.json`, VECTORS), 'utf8')) as Profile;
      const version = /^S-CRTM version \(PcdFirmwareVersionString\) L"([^"]*)"/.exec(p.modelled.find((m) => m.startsWith('S-CRTM version')) ?? '')?.[1];
      expect(version, 'profile names the S-CRTM version').to.be.a('string');
      const peiWritten = p.modelled.some((m) => m.startsWith('PEIFV: PeiCore\'s AcpiTimerLib global'));
      for (const c of b.configs) {
        const events = decodeEventLog(readFileSync(new URL(`${b.id}/${c.name}-eventlog.bin`, VECTORS))).events;
        const crtm = events.find((e) => e.eventType === EV.S_CRTM_VERSION);
        expect(Buffer.from(crtm?.eventData ?? new Uint8Array()).toString('utf16le'), `${c.name} S-CRTM version`).to.equal(`${version ?? ''}\0`);
        const blobs = events.filter((e) => e.pcrIndex === 0 && e.eventType === EV.EFI_PLATFORM_FIRMWARE_BLOB);
        expect(blobs, `${c.name} PEIFV and DXEFV events`).to.have.length(2);
        const [pei, dxe] = [p.volumes.find((v) => v.name === 'PEIFV'), p.volumes.find((v) => v.name === 'DXEFV')];
        expect(sha256(blobs[1]), `${c.name} DXEFV`).to.equal(dxe?.digests['sha256']);
        // PEIFV as decompressed is what is measured unless something writes into it first: PeiCore's
        // AcpiTimerLib global (2025.02), an SMM PlatformPei's SMBASE relocation (202405 on) or a known difference.
        if (peiWritten || c.knownDifference !== undefined || c.peiSmmRelocation !== undefined) expect(sha256(blobs[0]), `${c.name} PEIFV`).to.not.equal(pei?.digests['sha256']);
        else expect(sha256(blobs[0]), `${c.name} PEIFV`).to.equal(pei?.digests['sha256']);
        const shell = events.find((e) => e.eventType === EV.EFI_BOOT_SERVICES_APPLICATION);
        if (p.shell === undefined) expect(shell, `${c.name}: no Shell in the image, none started`).to.equal(undefined);
        else if (shell !== undefined) expect(sha256(shell), `${c.name} Shell`).to.equal(p.shell.digests['sha256']);
      }
    });
  }
});
