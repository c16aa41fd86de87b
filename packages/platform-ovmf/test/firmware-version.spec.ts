import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeEventLog, EV } from '@tcg2sim/event-log';
import { requirePrerequisites, debianOvmfDir, fetchHint } from '@tcg2sim/test-support';
import { decompressMemFvs, readFirmwareVersionString, utf16Strings } from '@tcg2sim/platform-ovmf';

const u16 = (s: string): number[] => [...Buffer.from(s, 'utf16le')];

describe('utf16Strings', () => {
  it('finds NUL-terminated, 2-byte aligned UTF-16LE runs of at least three characters', () => {
    const bytes = Uint8Array.from([0x90, 0x90, ...u16('1.0\0'), 0xcc, 0xcc, ...u16('ab\0'), ...u16('x2025\0'), 0x41, 0, 0x42, 0]);
    expect(utf16Strings(bytes)).to.deep.equal(['1.0', 'x2025']);
  });
  it('takes no run that is cut short or misaligned, and no repeats', () => {
    expect(utf16Strings(Uint8Array.from([0, ...u16('abcd\0')]))).to.deep.equal([]);
    expect(utf16Strings(Uint8Array.from(u16('abcd')))).to.deep.equal([]);
    expect(utf16Strings(Uint8Array.from([...u16('abc\0'), ...u16('abc\0')]))).to.deep.equal(['abc']);
    expect(utf16Strings(new Uint8Array(0))).to.deep.equal([]);
  });
});

// Truth: the EV_S_CRTM_VERSION event of real boots (Debian 12: L"", docs/edk2-pei.md §5.5;
// trixie: test/vectors/debian-trixie-2025.02, QEMU 7.2).
describe('readFirmwareVersionString on Debian builds', function () {
  this.timeout(60_000);
  it('Debian 12 (2022.11): L"" (Tcg2Pei holds no UTF-16 text)', function () {
    requirePrerequisites(this, { files: ['/usr/share/OVMF/OVMF_CODE_4M.fd'] });
    const sec = decompressMemFvs(readFileSync('/usr/share/OVMF/OVMF_CODE_4M.fd'));
    const v = readFirmwareVersionString(sec.peiFv.volume, sec.dxeFv.volume);
    expect(v).to.include({ value: '', source: 'image', certain: true });
  });
  it('trixie (2025.02): the string a real boot measured, corroborated by UiApp', function () {
    const code = join(debianOvmfDir('trixie'), 'OVMF_CODE_4M.fd');
    requirePrerequisites(this, { files: [code], hint: fetchHint('trixie') });
    const real = decodeEventLog(readFileSync(new URL('../../test/vectors/debian-trixie-2025.02/q35-tis-512-eventlog.bin', import.meta.url)));
    const ev = real.events.find((e) => e.eventType === EV.S_CRTM_VERSION);
    const measured = Buffer.from(ev?.eventData ?? new Uint8Array()).toString('utf16le').replace(/\0$/, '');
    const sec = decompressMemFvs(readFileSync(code));
    const v = readFirmwareVersionString(sec.peiFv.volume, sec.dxeFv.volume);
    expect(measured).to.equal('2025.02-8+deb13u1');
    expect(v).to.include({ value: measured, source: 'image', certain: true });
    expect(v.evidence).to.include('UiApp');
    expect(readFirmwareVersionString(sec.peiFv.volume, sec.dxeFv.volume, 'x')).to.include({ value: 'x', source: 'override' });
  });
});
