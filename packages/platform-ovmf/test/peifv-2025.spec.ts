import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeEventLog, EV } from '@tcg2sim/event-log';
import { requirePrerequisites, debianOvmfDir, fetchHint } from '@tcg2sim/test-support';
import {
  DEBIAN_2022_11_BUILD, MachineDescription, buildFactsFromPeiFv, decompressMemFvs, locatePeiCoreAcpiTimer, peiFvAtMeasurement, readPciExpressBase,
} from '@tcg2sim/platform-ovmf';

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

// Truth: the PEIFV digest (EV_EFI_PLATFORM_FIRMWARE_BLOB, PCR0) of a real trixie boot (QEMU 7.2,
// q35, 512 MiB; test/vectors/debian-trixie-2025.02), whose guest RAM at 0x820000 differed from
// the decompressed PEIFV in PeiCore's AcpiTimerLib global only.
describe('PEIFV at measurement: Debian trixie 2025.02 (PeiCore\'s AcpiTimerLib global)', function () {
  this.timeout(60_000);
  it('writes 0x608 (ICH9 PMBASE + 8) at PeiCore\'s global: the digest the real boot measured', function () {
    const code = join(debianOvmfDir('trixie'), 'OVMF_CODE_4M.fd');
    requirePrerequisites(this, { files: [code], hint: fetchHint('trixie') });
    const sec = decompressMemFvs(readFileSync(code));
    const g = locatePeiCoreAcpiTimer(sec.peiFv);
    expect(g?.offsetInFv).to.equal(0x6e50);
    const m = peiFvAtMeasurement(sec.peiFv, MachineDescription.parse({ machine: 'q35', memoryMiB: 512 }), buildFactsFromPeiFv(sec.peiFv.volume, DEBIAN_2022_11_BUILD));
    const real = decodeEventLog(readFileSync(new URL('../../test/vectors/debian-trixie-2025.02/q35-tis-512-eventlog.bin', import.meta.url)));
    const blob = real.events.filter((e) => e.eventType === EV.EFI_PLATFORM_FIRMWARE_BLOB)[0];
    const digest = Buffer.from(blob?.digests.find((d) => d.hashAlg === 0x000b)?.digest ?? new Uint8Array()).toString('hex');
    expect(sha256(m.bytes)).to.equal(digest);
    expect(sha256(sec.peiFv.bytes)).to.not.equal(digest);
    const pc = peiFvAtMeasurement(sec.peiFv, MachineDescription.parse({ machine: 'pc', memoryMiB: 512 }), buildFactsFromPeiFv(sec.peiFv.volume, DEBIAN_2022_11_BUILD));
    expect(Buffer.from(pc.bytes.subarray(0x6e50, 0x6e54)).readUInt32LE(0)).to.equal(0xb008);
  });
  it('Debian 12 (2022.11): PeiCore has no such global', function () {
    requirePrerequisites(this, { files: ['/usr/share/OVMF/OVMF_CODE_4M.fd'] });
    expect(locatePeiCoreAcpiTimer(decompressMemFvs(readFileSync('/usr/share/OVMF/OVMF_CODE_4M.fd')).peiFv)).to.equal(undefined);
  });

  // The MMCONFIG base decides QEMU's MCFG and PCI hole: 0xE0000000 is the base at which the ACPI
  // blobs equal the trixie boot's "ACPI DATA" digests (qemu-fwcfg's integration test).
  it('reads PlatformPei\'s PCIEXBAR value: 0xB0000000 in Debian 12, 0xE0000000 in trixie', function () {
    const code = join(debianOvmfDir('trixie'), 'OVMF_CODE_4M.fd');
    requirePrerequisites(this, { files: ['/usr/share/OVMF/OVMF_CODE_4M.fd', '/usr/share/OVMF/OVMF_CODE.fd', code], hint: fetchHint('trixie') });
    expect(readPciExpressBase(decompressMemFvs(readFileSync('/usr/share/OVMF/OVMF_CODE_4M.fd')).peiFv)).to.equal(0xb000_0000);
    expect(readPciExpressBase(decompressMemFvs(readFileSync('/usr/share/OVMF/OVMF_CODE.fd')).peiFv)).to.equal(0xb000_0000);
    expect(readPciExpressBase(decompressMemFvs(readFileSync(code)).peiFv)).to.equal(0xe000_0000);
  });
});
