/**
 * Secure Boot verification of a signed disk loader (DxeImageVerificationLib, edk2-stable202211)
 * and its PCR7 EV_EFI_VARIABLE_AUTHORITY event, against real boots of Debian's
 * OVMF_CODE_4M.secboot.fd with OVMF_VARS_4M.snakeoil.fd (PK/KEK/db = Debian's snakeoil
 * certificate). The loaders are signed by sbsign, an independent signer. Three boots:
 * (a) signed by the snakeoil key: authorised by the db certificate, authority → GPT → image;
 * (b) signed by a fresh key in no db: Access Denied, nothing measured for it, the Shell next;
 * (c) signed by the snakeoil key but its Authenticode SHA-256 is in dbx: the db authority is
 *     measured first, then the image is refused (AUTH_SIG_FOUND).
 */
import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toHex } from '@tcg2sim/binary-codec';
import { EV, decodeEventLog, diffEventLogs, replayEventLog } from '@tcg2sim/event-log';
import { hashAlgInfo } from '@tcg2sim/hash-lib';
import { SoftTpmBackend } from '@tcg2sim/tpm-backends';
import {
  AUTHENTICODE_HASHES, EFI_CERT_TYPE, EFI_IMAGE_SECURITY_DATABASE_GUID, authenticodeImageDigest, bytesDiskSource, encodeSignatureList,
  findDiskBootLoader, getVariable, parsePeImage, setVariable,
} from '@tcg2sim/uefi';
import { MachineDescription, captureBoot, predict } from '@tcg2sim/platform-ovmf';
import type { CaptureResult, Prediction } from '@tcg2sim/platform-ovmf';
import {
  OVMF_DIR, buildEfiApplication, buildEspDisk, makeSigner, requirePrerequisites, sbsign, sbverify, snakeoilSigner, tempDir, SNAKEOIL_CERT,
} from '@tcg2sim/test-support';

interface SecureBootCase {
  readonly name: string;
  readonly signer: 'snakeoil' | 'fresh';
  /** Put the signed loader's Authenticode SHA-256 into dbx. */
  readonly hashInDbx?: boolean;
  /** The loader starts (the capture stops there) or is refused (the boot goes on to the Shell). */
  readonly allowed: boolean;
}

const CASES: readonly SecureBootCase[] = [
  { name: '(a) loader signed by the snakeoil key in db', signer: 'snakeoil', allowed: true },
  { name: '(b) loader signed by a fresh key in no db', signer: 'fresh', allowed: false },
  { name: '(c) snakeoil-signed loader whose image hash is in dbx', signer: 'snakeoil', hashInDbx: true, allowed: false },
];

/** The disk-boot suites' loader: a PE32+ application of ~100 KiB that parks the CPU. */
function loader(): Uint8Array {
  const body = new Uint8Array(100 * 1024);
  body.set([0xf4, 0xeb, 0xfd]);
  for (let i = 3; i < body.length; i++) body[i] = (i * 37) & 0xff;
  return buildEfiApplication(body);
}

for (const c of CASES) {
  describe(`prediction = real OVMF Secure Boot of a signed disk loader: ${c.name} @integration`, function () {
    this.timeout(300_000);
    const code = join(OVMF_DIR, 'OVMF_CODE_4M.secboot.fd');
    const baseVars = join(OVMF_DIR, 'OVMF_VARS_4M.snakeoil.fd');
    const tmp = tempDir('tcg2sim-sbboot-');
    const machine = MachineDescription.parse({ machine: 'q35', memoryMiB: 512, smm: true });
    let signed: Uint8Array;
    let disk: Uint8Array;
    let real: CaptureResult;
    let ours: Prediction;

    before(async function () {
      requirePrerequisites(this, {
        tools: ['qemu-system-x86_64', 'swtpm', 'swtpm_setup', 'sbsign', 'sbverify', 'openssl'],
        files: [code, baseVars, SNAKEOIL_CERT, '/usr/share/ovmf/PkKek-1-snakeoil.key'],
      });
      const signer = c.signer === 'snakeoil' ? snakeoilSigner(tmp.path) : makeSigner(tmp.path, 'fresh');
      signed = sbsign(tmp.path, loader(), signer);
      disk = buildEspDisk({ fatType: 'FAT16', files: [{ path: 'EFI/BOOT/BOOTX64.EFI', data: signed }, { path: 'EFI/debian/grub.cfg', data: new Uint8Array(10) }] });
      let vars = new Uint8Array(readFileSync(baseVars));
      if (c.hashInDbx === true) {
        const digest = authenticodeImageDigest(signed, parsePeImage(signed), AUTHENTICODE_HASHES[2]) ?? new Uint8Array(32);
        const cur = getVariable(vars, 'dbx', EFI_IMAGE_SECURITY_DATABASE_GUID);
        const list = encodeSignatureList({ signatureType: EFI_CERT_TYPE.SHA256, entries: [{ owner: '11111111-2222-3333-4444-555555555555', data: digest }] });
        vars = vars.slice();
        // Written straight into the store (no authentication): the firmware reads it as it is.
        setVariable(vars, {
          name: 'dbx', guid: EFI_IMAGE_SECURITY_DATABASE_GUID, attributes: cur?.attributes ?? 0x27, data: Buffer.concat([cur?.data ?? new Uint8Array(), list]),
          monotonicCount: cur?.monotonicCount, timeStamp: cur?.timeStamp,
        });
      }
      const varsFile = join(tmp.path, 'vars.fd');
      const diskFile = join(tmp.path, 'disk.img');
      writeFileSync(varsFile, vars);
      writeFileSync(diskFile, disk);
      real = await captureBoot({
        code, vars: varsFile, machine: 'q35', smm: true, memoryMiB: 512, tpmInterface: 'tis', timeoutSeconds: 180,
        ...(c.allowed ? { stopWhen: 'BdsDxe: starting Boot0002' } : {}),
        extraQemuArgs: ['-drive', `if=virtio,format=raw,file=${diskFile}`],
      });
      const backend = new SoftTpmBackend({});
      try {
        ours = await predict({ code: readFileSync(code), vars, machine, tpmInterface: 'tis', backend, disk: findDiskBootLoader(bytesDiskSource(disk)) });
      } finally {
        await backend.close();
      }
    });
    after(() => {
      tmp.remove();
    });

    it('signs the loader so that sbverify agrees with the db about it', () => {
      expect(sbverify(tmp.path, signed, SNAKEOIL_CERT)).to.equal(c.signer === 'snakeoil');
    });

    it('predicts the event log byte for byte', () => {
      const d = diffEventLogs(decodeEventLog(ours.boot.eventLog), decodeEventLog(real.eventLog));
      expect(d.divergence?.explanation ?? 'equal').to.equal('equal');
      expect(toHex(ours.boot.eventLog)).to.equal(toHex(real.eventLog));
    });

    it('replays to the PCRs the real TPM holds (PCR 0-7, every bank), and the soft TPM agrees', () => {
      for (const replay of [replayEventLog(decodeEventLog(real.eventLog)), ours.replay]) {
        for (const [alg, m] of replay.banks) {
          const bank = hashAlgInfo(alg).name;
          for (let i = 0; i <= 7; i++) expect(toHex(m.get(i) ?? new Uint8Array(m.get(0)?.length ?? 0)), `${bank} PCR${i}`).to.equal(real.pcrs[bank]?.[String(i)]);
        }
      }
      expect(ours.mismatches).to.deep.equal([]);
    });

    if (c.signer === 'snakeoil') {
      it(`logs PCR7 EV_EFI_VARIABLE_AUTHORITY {db, the snakeoil EFI_SIGNATURE_DATA}${c.allowed ? ', then the GPT and the loader' : ', then refuses the loader'}`, () => {
        const events = decodeEventLog(real.eventLog).events;
        const i = events.findIndex((e) => e.eventType === EV.EFI_VARIABLE_AUTHORITY);
        expect(events[i]?.pcrIndex).to.equal(7);
        const db = getVariable(readFileSync(baseVars), 'db', EFI_IMAGE_SECURITY_DATABASE_GUID)?.data ?? new Uint8Array();
        // UEFI_VARIABLE_DATA: GUID, u64 name length 2, u64 data length, "db" (36 bytes), then the 907-byte entry after the 28-byte list header.
        expect(toHex(events[i]?.eventData.subarray(36) ?? new Uint8Array())).to.equal(toHex(db.subarray(28)));
        const after = events.slice(i + 1).map((e) => e.eventType);
        expect(after).to.deep.equal(c.allowed ? [EV.EFI_GPT_EVENT, EV.EFI_BOOT_SERVICES_APPLICATION] : [EV.EFI_ACTION, EV.EFI_ACTION, EV.EFI_BOOT_SERVICES_APPLICATION]);
        expect(ours.boot.notes.some((n) => /allowed by db certificate "C=US, ST=Colorado, L=Fort Collins, O=SnakeOil"/.test(n))).to.equal(true);
      });
    } else {
      it('logs no authority and nothing for the refused loader, then goes on to the Shell', () => {
        const events = decodeEventLog(real.eventLog).events;
        expect(events.some((e) => e.eventType === EV.EFI_VARIABLE_AUTHORITY || e.eventType === EV.EFI_GPT_EVENT)).to.equal(false);
        expect(real.serialLog).to.match(/failed to load Boot0002 "UEFI Misc Device".*Access Denied/);
        expect(ours.boot.notes.some((n) => n.includes('EFI_ACCESS_DENIED (Secure Boot: not authorised by db'))).to.equal(true);
      });
    }
    if (c.hashInDbx === true) {
      it('refuses the loader although its signature verified (Access Denied, AUTH_SIG_FOUND)', () => {
        expect(real.serialLog).to.match(/failed to load Boot0002 "UEFI Misc Device".*Access Denied/);
        expect(ours.boot.notes.some((n) => n.includes('AUTH_SIG_FOUND'))).to.equal(true);
      });
    }
  });
}
