/**
 * A committed `tcg2sim profile --json` of a distro build against the event log of a real boot of
 * the same image (platform-ovmf test/vectors/distro-202302/, distro-2024/): shared by
 * distro-profiles.spec.ts and distro-profiles-2024.spec.ts.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { toHex } from '@tcg2sim/binary-codec';
import { decodeEventLog, EV } from '@tcg2sim/event-log';
import type { LogEvent } from '@tcg2sim/event-log';
import { TPM_ALG_HASH } from '@tcg2sim/hash-lib';

/** The parts of the profile compared here. */
export interface DistroProfile {
  readonly volumes: readonly { readonly name: string; readonly digests: Readonly<Record<string, string>> }[];
  readonly shell?: { readonly digests: Readonly<Record<string, string>> };
  readonly modelled: readonly string[];
}

function sha256(e: LogEvent | undefined): string | undefined {
  const d = e?.digests.find((x) => x.hashAlg === TPM_ALG_HASH.SHA256);
  return d === undefined ? undefined : toHex(d.digest);
}

/** The build's profile.json in `vectors`. */
export function readProfile(vectors: URL, buildId: string): DistroProfile {
  return JSON.parse(readFileSync(new URL(`${buildId}/profile.json`, vectors), 'utf8')) as DistroProfile;
}

/** The S-CRTM version string the profile names (asserted to be there). */
export function profileVersion(p: DistroProfile): string | undefined {
  const version = /^S-CRTM version \(PcdFirmwareVersionString\) L"([^"]*)"/.exec(p.modelled.find((m) => m.startsWith('S-CRTM version')) ?? '')?.[1];
  expect(version, 'profile names the S-CRTM version').to.be.a('string');
  return version;
}

/**
 * The real boot `config` of the build agrees with its profile: the S-CRTM version event, two
 * firmware blobs in PCR0 with DXEFV's digest, PEIFV's digest equal (or, when `peiFvWritten`, not
 * equal: something wrote into it before Tcg2Pei measured it) and the Shell's when one started.
 */
export function expectBootAsProfile(vectors: URL, buildId: string, config: string, p: DistroProfile, version: string | undefined, peiFvWritten: boolean): void {
  const events = decodeEventLog(readFileSync(new URL(`${buildId}/${config}-eventlog.bin`, vectors))).events;
  const crtm = events.find((e) => e.eventType === EV.S_CRTM_VERSION);
  expect(Buffer.from(crtm?.eventData ?? new Uint8Array()).toString('utf16le'), `${config} S-CRTM version`).to.equal(`${version ?? ''}\0`);
  const blobs = events.filter((e) => e.pcrIndex === 0 && e.eventType === EV.EFI_PLATFORM_FIRMWARE_BLOB);
  expect(blobs, `${config} PEIFV and DXEFV events`).to.have.length(2);
  const [pei, dxe] = [p.volumes.find((v) => v.name === 'PEIFV'), p.volumes.find((v) => v.name === 'DXEFV')];
  expect(sha256(blobs[1]), `${config} DXEFV`).to.equal(dxe?.digests['sha256']);
  if (peiFvWritten) expect(sha256(blobs[0]), `${config} PEIFV (written before measurement)`).to.not.equal(pei?.digests['sha256']);
  else expect(sha256(blobs[0]), `${config} PEIFV`).to.equal(pei?.digests['sha256']);
  const shell = events.find((e) => e.eventType === EV.EFI_BOOT_SERVICES_APPLICATION);
  if (p.shell === undefined) expect(shell, `${config}: no Shell in the image, none started`).to.equal(undefined);
  else if (shell !== undefined) expect(sha256(shell), `${config} Shell`).to.equal(p.shell.digests['sha256']);
}
