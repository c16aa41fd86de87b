/**
 * Secure Boot on with NICs and disks on `virt` against real boots (docs/armvirt.md §12): each
 * committed capture in platform-armvirt's test/vectors/<build>/devices-secboot-* (AAVMF_VARS.snakeoil.fd:
 * PK/KEK/db the build's snakeoil certificate, SecureBoot 1) is predicted with `predict
 * --qemu-cmdline` of the same line. What the shapes show: iPXE's unsigned x64 option ROM image
 * refused (no PCR2 event); a loader signed by the db key: PCR7 EV_EFI_VARIABLE_AUTHORITY of the db
 * entry, then the GPT and image events; a loader signed by another key refused (no event), BDS
 * going on to ReadyToBoot for PlatformRecovery0000. Every event's type, PCR, digests and data and
 * PCRs 0-7 of every bank must equal the real boot, and ImageLocationInMemory (device-buffers.ts:
 * measured shapes; Secure Boot off and disk-only boots beside them show what moves the loader).
 * The disks are rebuilt here: test-support's AArch64 BOOTAA64.EFI signed by sbsign with the
 * snakeoil key of the build's store (Debian 12's in /usr/share/ovmf, Debian 13's in trixie's ovmf).
 */
import { expect } from 'chai';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { createPrivateKey } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeEventLog, EV } from '@tcg2sim/event-log';
import { toHex } from '@tcg2sim/binary-codec';
import { AARCH64_PARK, MACHINE_AARCH64, buildEfiApplication, buildEspDisk, requirePrerequisites, sbsign, snakeoilSigner, tempDir, FIRMWARE_CACHE as CACHE } from '@tcg2sim/test-support';
import type { TestSigner } from '@tcg2sim/test-support';
import { runCli } from './harness.ts';
import { requireUbuntu } from './ubuntu-aavmf.ts';

const VECTORS = fileURLToPath(new URL('../../../platform-armvirt/test/vectors/', import.meta.url));
const TRIXIE_OVMF = join(CACHE, 'debian-trixie/usr/share/ovmf');
const aavmf = (suite: string, file: string): string => join(CACHE, `debian-${suite}/qemu-efi-aarch64/usr/share/AAVMF/${file}`);


interface Shape {
  readonly dir: string;
  readonly name: string;
  readonly what: string;
  readonly code: string;
  readonly vars: string;
  readonly signer: 'bookworm' | 'trixie';
  readonly hint: string;
  /** The store enrols keys (SecureBoot 1); the VM has a NIC; db authorises the loader. */
  readonly sb?: boolean;
  readonly nic?: boolean;
  readonly allowed?: boolean;
  /** A build no buffer was measured on (docs/armvirt.md §13): the loader's address an estimate within this of the real one. */
  readonly estimateWithin?: number;
}

const TRIXIE_HINT = 'run scripts/fetch-debian-firmware.sh trixie qemu-efi-aarch64 and scripts/fetch-debian-firmware.sh trixie';
const trixie = (name: string, what: string, o: Partial<Shape> = {}): Shape => ({
  dir: 'debian-13-2025.02', name, what, code: aavmf('trixie', 'AAVMF_CODE.secboot.fd'), vars: aavmf('trixie', 'AAVMF_VARS.snakeoil.fd'), signer: 'trixie', hint: TRIXIE_HINT, ...o,
});

const SHAPES: readonly Shape[] = [
  {
    dir: 'debian-12-2022.11', name: 'nicdisk', what: 'virtio-blk (snakeoil-signed loader) + virtio-net: ROM image refused, db authority, GPT, loader',
    code: '/usr/share/AAVMF/AAVMF_CODE.fd', vars: '/usr/share/AAVMF/AAVMF_VARS.snakeoil.fd', signer: 'bookworm', hint: 'apt-get install -y qemu-efi-aarch64 ovmf',
  },
  {
    dir: 'debian-12-2022.11', name: 'off-nicdisk', what: 'the same VM with Secure Boot off (AAVMF_VARS.fd): the ROM image measured, the loader where Secure Boot on puts it',
    code: '/usr/share/AAVMF/AAVMF_CODE.fd', vars: '/usr/share/AAVMF/AAVMF_VARS.fd', signer: 'bookworm', hint: 'apt-get install -y qemu-efi-aarch64 ovmf', sb: false,
  },
  {
    dir: 'debian-12-2022.11', name: 'disk', what: 'virtio-blk alone: the loader where Secure Boot off puts it (its verification moves nothing)',
    code: '/usr/share/AAVMF/AAVMF_CODE.fd', vars: '/usr/share/AAVMF/AAVMF_VARS.snakeoil.fd', signer: 'bookworm', hint: 'apt-get install -y qemu-efi-aarch64 ovmf', nic: false,
  },
  trixie('nicnvme', 'NVMe (snakeoil-signed loader) + virtio-net: the refused ROM image moves the loader 0x19B000 lower than Secure Boot off'),
  trixie('disk', 'virtio-blk alone', { nic: false }),
  trixie('nvme', 'NVMe alone', { nic: false }),
  trixie('refused', 'NVMe with a loader signed by a key not in db + virtio-net: nothing of the loader measured, ReadyToBoot for PlatformRecovery0000', { signer: 'bookworm', allowed: false }),
  ...([['ubuntu-24.04-2024.02', 'noble', 0x14a000], ['ubuntu-25.04-2025.02', 'plucky', 0x92000]] as const).map(([dir, suite, within]): Shape => ({
    dir, name: 'nicdisk', what: `Ubuntu's secboot build with its snakeoil store (Debian 13's certificate): every event as modelled, the loader's address an estimate (captured after the model)`,
    code: join(CACHE, `ubuntu-${suite}/qemu-efi-aarch64/usr/share/AAVMF/AAVMF_CODE.secboot.fd`), vars: join(CACHE, `ubuntu-${suite}/qemu-efi-aarch64/usr/share/AAVMF/AAVMF_VARS.snakeoil.fd`),
    signer: 'trixie', hint: `run scripts/fetch-ubuntu-firmware.sh ${suite} qemu-efi-aarch64 and scripts/fetch-debian-firmware.sh trixie`, estimateWithin: within,
  })),
  {
    dir: 'debian-sid-2026.08', name: 'nicdisk', what: 'virtio-blk (snakeoil-signed loader) + virtio-net (captured after the model was written)',
    code: aavmf('sid', 'AAVMF_CODE.secboot.fd'), vars: aavmf('sid', 'AAVMF_VARS.snakeoil.fd'), signer: 'trixie', hint: 'run scripts/fetch-debian-firmware.sh sid qemu-efi-aarch64 and scripts/fetch-debian-firmware.sh trixie',
  },
];

interface VectorJson {
  readonly userCommandLine: string;
  readonly pcrs: Record<string, Record<string, string>>;
}

/** Debian 13's snakeoil key (enrolled in 2025.02's and 2026.08's AAVMF_VARS.snakeoil.fd), decrypted into `dir`. */
function trixieSigner(dir: string): TestSigner {
  const keyFile = join(dir, 'trixie-snakeoil.key');
  writeFileSync(keyFile, createPrivateKey({ key: readFileSync(join(TRIXIE_OVMF, 'PkKek-1-snakeoil.key')), passphrase: 'snakeoil' }).export({ type: 'pkcs8', format: 'pem' }));
  return { keyFile, certFile: join(TRIXIE_OVMF, 'PkKek-1-snakeoil.pem'), certDer: new Uint8Array() };
}

/** The events of a log with the ImageLocationInMemory of application images cut out when `maskAddress`. */
function eventsOf(log: Uint8Array, maskAddress: boolean): string[] {
  return decodeEventLog(log).events.map((e) => {
    const data = maskAddress && e.eventType === EV.EFI_BOOT_SERVICES_APPLICATION ? e.eventData.subarray(8) : e.eventData;
    return `PCR${e.pcrIndex} 0x${e.eventType.toString(16)} ${e.digests.map((d) => toHex(d.digest)).join(',')} ${toHex(data)}`;
  });
}

describe('cli: Secure Boot on with NICs and disks on qemu-system-aarch64 -M virt against real boots @integration', function () {
  this.timeout(240_000);
  const tmp = tempDir('tcg2sim-armvirt-secboot-');
  after(() => tmp.remove());
  const disks = new Map<string, string>();
  const diskFor = (signer: Shape['signer']): string => {
    const have = disks.get(signer);
    if (have !== undefined) return have;
    const park = buildEfiApplication(AARCH64_PARK, 0x10000000n, MACHINE_AARCH64);
    const signed = sbsign(tmp.path, park, signer === 'bookworm' ? snakeoilSigner(tmp.path) : trixieSigner(tmp.path));
    const file = join(tmp.path, `${signer}.img`);
    writeFileSync(file, buildEspDisk({ files: [{ path: 'EFI/BOOT/BOOTAA64.EFI', data: signed }] }));
    disks.set(signer, file);
    return file;
  };

  for (const s of SHAPES) {
    it(`${s.dir} ${s.name}: ${s.what}: every event and PCRs 0-7 of every bank = the real boot`, async function () {
      if (s.dir.startsWith('ubuntu-')) requireUbuntu(this, s.dir.startsWith('ubuntu-24') ? 'noble' : 'plucky');
      const keyFiles = s.signer === 'bookworm' ? ['/usr/share/ovmf/PkKek-1-snakeoil.key'] : [join(TRIXIE_OVMF, 'PkKek-1-snakeoil.key')];
      requirePrerequisites(this, { files: [s.code, s.vars, ...keyFiles], tools: ['sbsign'], hint: s.hint });
      const json = JSON.parse(readFileSync(join(VECTORS, s.dir, `devices-secboot-${s.name}-pcrs.json`), 'utf8')) as VectorJson;
      const real = new Uint8Array(readFileSync(join(VECTORS, s.dir, `devices-secboot-${s.name}-eventlog.bin`)));
      const vars = join(tmp.path, `${s.dir}-${s.name}-vars.fd`);
      copyFileSync(s.vars, vars);
      const line = json.userCommandLine.replace('file=CODE', `file=${s.code}`).replace('file=VARS', `file=${vars}`).replaceAll('file=DISK', `file=${diskFor(s.signer)}`);
      const out = join(tmp.path, `${s.dir}-${s.name}.bin`);
      // no --fw-cfg-from-qemu: QEMU 7.2's virt ACPI blobs modelled where the build measures them
      const r = await runCli('predict', '--qemu-cmdline', line, '--json', '--log-out', out);
      expect(r.status, r.err).to.equal(0);
      const j = JSON.parse(r.out) as { complete: boolean; pcrs: Record<string, Record<string, string>>; notes: string[] };
      expect(j.complete, j.notes.join('\n')).to.equal(true);
      const sb = s.sb !== false;
      const nic = s.nic !== false;
      if (sb && nic) expect(j.notes.join('\n')).to.match(/image refused by Secure Boot \(EFI_ACCESS_DENIED/);
      // Debian's shapes are measured ones (device-buffers.ts): byte for byte; Ubuntu's builds estimates
      const estimate = j.notes.some((n) => /loader buffer address: another build .*estimate/.test(n));
      expect(estimate, j.notes.join('\n')).to.equal(s.estimateWithin !== undefined);
      const predicted = new Uint8Array(readFileSync(out));
      expect(eventsOf(predicted, estimate)).to.deep.equal(eventsOf(real, estimate));
      if (!estimate) expect(toHex(predicted)).to.equal(toHex(real));
      else {
        const loaderAddress = (log: Uint8Array): number => {
          const e = decodeEventLog(log).events.find((x) => x.eventType === EV.EFI_BOOT_SERVICES_APPLICATION);
          return e === undefined ? 0 : Number(new DataView(e.eventData.buffer, e.eventData.byteOffset, 8).getBigUint64(0, true));
        };
        expect(Math.abs(loaderAddress(predicted) - loaderAddress(real))).to.be.within(1, s.estimateWithin ?? 0);
      }
      for (const bank of Object.keys(json.pcrs)) for (let i = 0; i < 8; i++) expect(j.pcrs[bank]?.[String(i)], `${bank} PCR${i}`).to.equal(json.pcrs[bank]?.[String(i)]);
      const types = decodeEventLog(real).events.map((e) => e.eventType);
      expect(types.includes(EV.EFI_VARIABLE_AUTHORITY)).to.equal(sb && s.allowed !== false);
      expect(types.includes(EV.EFI_BOOT_SERVICES_DRIVER)).to.equal(!sb && nic);
    });
  }
});
