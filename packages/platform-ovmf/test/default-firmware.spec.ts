/**
 * The embedded default firmware: its structure checked independently of how it was built (our
 * parser with checksums on, EDK II's loader checks, the LZMA header, UEFIExtract), and the boot
 * predicted on it: the events Tcg2Pei/Tcg2Dxe/BDS log, digests recomputed from the volumes and
 * the application themselves, and the replayed log equal to the TPM's PCRs.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { decode, toHex } from '@tcg2sim/binary-codec';
import { EV, UEFIPlatformFirmwareBlob, decodeVariableData } from '@tcg2sim/event-log';
import { TPM_ALG_HASH } from '@tcg2sim/hash-lib';
import { VirtualClock } from '@tcg2sim/ptp';
import { SoftTpmBackend } from '@tcg2sim/tpm-backends';
import { requirePrerequisites, tempDir } from '@tcg2sim/test-support';
import {
  EFI_FV_FILETYPE, EFI_SECTION, IMAGE_FILE_MACHINE, IMAGE_SUBSYSTEM, SECTION_GUID, checkPeImageLoadable, findFileByGuid, formatVarStore,
  listVariables, parseFlashImage, parsePeImage, peImageDigests, readLzmaHeader, walkFv,
} from '@tcg2sim/uefi';
import type { FfsFile, FirmwareVolume } from '@tcg2sim/uefi';
import {
  DEFAULT_FIRMWARE_FILE, DEFAULT_FIRMWARE_SIZES, MachineDescription, OVMF_FV_NAME, UEFI_SHELL_FILE_GUID, UI_APP_FILE_GUID, buildDefaultFirmware,
  decompressMemFvs, predict,
} from '@tcg2sim/platform-ovmf';

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const EFI_GLOBAL_VARIABLE = '8BE4DF61-93CA-11D2-AA0D-00E098032B8C';
const IMAGE_SECURITY_DATABASE = 'D719B2CB-3D3A-4596-A3BC-DAD00E67656F';

function pe32Of(file: FfsFile | undefined): Uint8Array {
  const s = file?.sections?.find((x) => x.type === EFI_SECTION.PE32);
  if (s === undefined) throw new Error(`no PE32 section in ${file?.guid ?? 'missing file'}`);
  return s.body;
}

function realFiles(v: FirmwareVolume): FfsFile[] {
  return v.files.filter((f) => f.type !== EFI_FV_FILETYPE.FFS_PAD);
}

describe('embedded default firmware', () => {
  const fw = buildDefaultFirmware();

  it('is the same bytes on every build (measured volumes pinned as a regression guard; structure checked below)', () => {
    const again = buildDefaultFirmware();
    expect(again.code).to.deep.equal(fw.code);
    expect(again.vars).to.deep.equal(fw.vars);
    const mem = decompressMemFvs(fw.code);
    expect([sha256(mem.peiFv.bytes), sha256(mem.dxeFv.bytes)]).to.deep.equal(PINNED_MEMORY_FV_SHA256);
  });

  it('is FVMAIN_COMPACT followed by SECFV, every checksum valid, the volume top file at the end of the image', () => {
    const flash = parseFlashImage(fw.code, { verifyChecksums: true });
    expect(flash.volumes.map((v) => [v.guid, v.offset])).to.deep.equal([
      [OVMF_FV_NAME.FVMAIN_COMPACT, 0],
      [OVMF_FV_NAME.SECFV, fw.code.length - DEFAULT_FIRMWARE_SIZES.SECFV],
    ]);
    expect(flash.gaps).to.deep.equal([]);
    for (const v of flash.volumes) {
      for (const n of walkFv(v)) {
        if (n.kind === 'volume') expect(n.headerChecksumValid, n.guid).to.equal(true);
        if (n.kind === 'file') expect([n.headerChecksumValid, n.dataChecksumValid, n.state], n.guid).to.deep.equal([true, true, 'EFI_FILE_DATA_VALID']);
      }
    }
    const sec = flash.volumes[1];
    const top = sec?.files[sec.files.length - 1];
    expect(top?.guid).to.equal(DEFAULT_FIRMWARE_FILE.VOLUME_TOP_FILE);
    expect((top?.imageOffset ?? 0) + (top?.size ?? 0)).to.equal(fw.code.length);
    expect(realFiles(sec!).map((f) => f.type)).to.deep.equal([EFI_FV_FILETYPE.SECURITY_CORE, EFI_FV_FILETYPE.RAW]);
  });

  it('holds one LZMA section whose header announces the real size, decompressing to PEIFV (64 KiB, 128-aligned) and DXEFV (256 KiB)', () => {
    const out = decompressMemFvs(fw.code);
    const files = realFiles(out.fvMainCompact);
    expect(files.map((f) => [f.guid, f.type])).to.deep.equal([[DEFAULT_FIRMWARE_FILE.FV_MAIN_COMPACT, EFI_FV_FILETYPE.FIRMWARE_VOLUME_IMAGE]]);
    const lzma = files[0]?.sections?.[0];
    expect(lzma?.guid).to.equal(SECTION_GUID.LZMA);
    expect(readLzmaHeader(lzma?.body ?? new Uint8Array(), 1 << 24).uncompressedSize).to.equal(lzma?.decompressed?.length);
    expect(lzma?.children?.map((s) => s.type)).to.deep.equal([EFI_SECTION.RAW, EFI_SECTION.FIRMWARE_VOLUME_IMAGE, EFI_SECTION.RAW, EFI_SECTION.FIRMWARE_VOLUME_IMAGE]);
    expect([out.peiFv.volume.guid, out.peiFv.length, out.peiFv.base]).to.deep.equal([OVMF_FV_NAME.PEIFV, 0x10000n, 0x820000n]);
    expect([out.dxeFv.volume.guid, out.dxeFv.length, out.dxeFv.base]).to.deep.equal([OVMF_FV_NAME.DXEFV, 0x40000n, 0x830000n]);
    expect(out.peiFv.volume.offset % 128).to.equal(0);
  });

  it('has three IA32 PEIMs in PEIFV, and UiApp, the Shell (an X64 EFI application) and SecureBootConfigDxe in DXEFV, all loadable by EDK II', () => {
    const out = decompressMemFvs(fw.code);
    const peims = realFiles(out.peiFv.volume);
    expect(peims.map((f) => f.type)).to.deep.equal([EFI_FV_FILETYPE.PEIM, EFI_FV_FILETYPE.PEIM, EFI_FV_FILETYPE.PEIM]);
    for (const f of peims) {
      const pe = parsePeImage(pe32Of(f));
      checkPeImageLoadable(pe, pe32Of(f).length);
      expect(pe.fileHeader.machine).to.equal(IMAGE_FILE_MACHINE.I386);
    }
    const dxe = out.dxeFv.volume;
    expect(realFiles(dxe).map((f) => f.guid).sort()).to.deep.equal([DEFAULT_FIRMWARE_FILE.SECURE_BOOT_CONFIG_DXE, UEFI_SHELL_FILE_GUID, UI_APP_FILE_GUID].sort());
    for (const guid of [UI_APP_FILE_GUID, UEFI_SHELL_FILE_GUID]) {
      const image = pe32Of(findFileByGuid(dxe, guid));
      const pe = parsePeImage(image);
      checkPeImageLoadable(pe, image.length);
      expect([pe.format, pe.fileHeader.machine, pe.optionalHeader.subsystem]).to.deep.equal(['pe32+', IMAGE_FILE_MACHINE.X64, IMAGE_SUBSYSTEM.EFI_APPLICATION]);
    }
    // Every image is different (its own digest), so the log tells them apart.
    const digests = [...peims, ...realFiles(dxe)].map((f) => sha256(pe32Of(f)));
    expect(new Set(digests).size).to.equal(digests.length);
  });

  it('comes with an empty OVMF_VARS_4M-shaped variable store', () => {
    expect(fw.vars).to.deep.equal(formatVarStore());
    expect(listVariables(fw.vars)).to.deep.equal([]);
  });

  describe('predicted boot with the soft TPM', function () {
    this.timeout(10_000);

    it('logs S-CRTM, both volumes, the Secure Boot policy, boot variables, separators and the Shell, and replays to the TPM PCRs', async () => {
      const backend = new SoftTpmBackend({});
      const p = await predict({
        code: fw.code, vars: fw.vars, machine: MachineDescription.parse({}), tpmInterface: 'tis', backend, clock: new VirtualClock(),
      }).finally(() => backend.close());
      expect(p.mismatches).to.deep.equal([]);
      expect(p.boot.endState).to.equal('started Boot0002 "EFI Internal Shell"');
      const events = p.log.events.slice(1);
      expect(events.map((e) => [e.pcrIndex, e.eventType])).to.deep.equal([
        [0, EV.S_CRTM_VERSION], [0, EV.EFI_PLATFORM_FIRMWARE_BLOB], [0, EV.EFI_PLATFORM_FIRMWARE_BLOB],
        [7, EV.EFI_VARIABLE_DRIVER_CONFIG], [7, EV.EFI_VARIABLE_DRIVER_CONFIG], [7, EV.EFI_VARIABLE_DRIVER_CONFIG],
        [7, EV.EFI_VARIABLE_DRIVER_CONFIG], [7, EV.EFI_VARIABLE_DRIVER_CONFIG], [7, EV.SEPARATOR],
        [1, EV.EFI_VARIABLE_BOOT], [1, EV.EFI_VARIABLE_BOOT], [1, EV.EFI_VARIABLE_BOOT], [1, EV.EFI_VARIABLE_BOOT],
        [4, EV.EFI_ACTION],
        [0, EV.SEPARATOR], [1, EV.SEPARATOR], [2, EV.SEPARATOR], [3, EV.SEPARATOR], [4, EV.SEPARATOR], [5, EV.SEPARATOR], [6, EV.SEPARATOR],
        [4, EV.EFI_ACTION], [4, EV.EFI_ACTION], [4, EV.EFI_BOOT_SERVICES_APPLICATION],
      ]);
      const sha = (e: (typeof events)[number] | undefined): string => toHex(e?.digests.find((d) => d.hashAlg === TPM_ALG_HASH.SHA256)?.digest ?? new Uint8Array());
      // PCR0: the pristine decompressed volumes, at OVMF's MEMFD addresses (no PlatformPei of ours to patch PEIFV).
      const mem = decompressMemFvs(fw.code);
      expect(decode(UEFIPlatformFirmwareBlob, events[1]!.eventData)).to.deep.equal({ blobBase: 0x820000n, blobLength: 0x10000n });
      expect(decode(UEFIPlatformFirmwareBlob, events[2]!.eventData)).to.deep.equal({ blobBase: 0x830000n, blobLength: 0x40000n });
      expect(sha(events[1])).to.equal(sha256(mem.peiFv.bytes));
      expect(sha(events[2])).to.equal(sha256(mem.dxeFv.bytes));
      // PCR7: SecureBoot = 0 and the absent PK, KEK, db, dbx.
      const pcr7 = events.slice(3, 8).map((e) => decodeVariableData(e.eventData));
      expect(pcr7.map((v) => [v.variableName, v.unicodeName, toHex(v.variableData)])).to.deep.equal([
        [EFI_GLOBAL_VARIABLE, 'SecureBoot', '00'], [EFI_GLOBAL_VARIABLE, 'PK', ''], [EFI_GLOBAL_VARIABLE, 'KEK', ''],
        [IMAGE_SECURITY_DATABASE, 'db', ''], [IMAGE_SECURITY_DATABASE, 'dbx', ''],
      ]);
      expect(events.slice(9, 13).map((e) => decodeVariableData(e.eventData).unicodeName)).to.deep.equal(['BootOrder', 'Boot0000', 'Boot0001', 'Boot0002']);
      // PCR4: the Authenticode digest of our application, as the PE/COFF code computes it.
      const shell = pe32Of(findFileByGuid(mem.dxeFv.volume, UEFI_SHELL_FILE_GUID));
      expect(sha(events[events.length - 1])).to.equal(toHex(peImageDigests(shell, [TPM_ALG_HASH.SHA256])[0]!.digest));
      expect(p.boot.notes).to.include('SecureBoot = 0 (no PK)');
    });
  });
});

describe('embedded default firmware against UEFIExtract @integration', function () {
  this.timeout(30_000);
  before(function () {
    requirePrerequisites(this, { tools: ['UEFIExtract'] });
  });

  it('UEFIExtract reads the same volumes, files (GUIDs) and sections, with the same sizes, from the code image', () => {
    const fw = buildDefaultFirmware();
    const tmp = tempDir();
    try {
      const file = join(tmp.path, 'default-code.fd');
      writeFileSync(file, fw.code);
      execFileSync('UEFIExtract', [file, 'report'], { stdio: 'ignore' });
      const lines = readFileSync(`${file}.report.txt`, 'utf8').split(/\r?\n/).slice(1).filter((l) => l.trim() !== '');
      const theirs = lines
        .map((l) => l.split('|').map((c) => c.trim()))
        .filter(([type]) => type === 'Volume' || type === 'File' || type === 'Section')
        .map(([type, , , size, , name]) => {
          const depth = /^-*/.exec(name ?? '')?.[0].length ?? 0;
          const label = (name ?? '').replace(/^-+\s*/, '');
          return `${depth} ${type ?? ''} ${parseInt(size ?? '', 16)}${type === 'Section' ? '' : ` ${label}`}`;
        });
      const ours = parseFlashImage(fw.code).volumes.flatMap((v) => [...walkFv(v)]).map((n) => {
        switch (n.kind) {
          case 'volume':
            return `${n.depth + 1} Volume ${n.raw.length} ${n.guid}`;
          case 'file':
            return `${n.depth + 1} File ${n.size} ${n.type === EFI_FV_FILETYPE.FFS_PAD ? 'Padding file' : n.guid}`;
          case 'section':
            return `${n.depth + 1} Section ${n.size}`;
        }
      });
      expect(ours).to.deep.equal(theirs);
      expect(theirs.filter((l) => l.includes(' Volume '))).to.have.length(4);
    } finally {
      tmp.remove();
    }
  });
});

/**
 * sha256 of the decompressed PEIFV and DXEFV (what PCR0 measures): a regression guard only, the
 * structure is asserted independently above. The compressed code image is not pinned: its bytes
 * depend on the liblzma version inside @napi-rs/lzma.
 */
const PINNED_MEMORY_FV_SHA256 = [
  '7222199a93fdbb21b7f03aab094191e65d168eccf43d725b16803c90f6936753',
  '0c54fc16d780d215e30c9b5fcdc61aee4be3b2ab9687176c876ead995d712f7d',
];
