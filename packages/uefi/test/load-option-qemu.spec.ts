/**
 * Live truth for the load-option and device-path decoders: boot Debian OVMF in QEMU (TCG, q35, no
 * NIC, the default empty CD-ROM) on a fresh copy of OVMF_VARS_4M.fd, with the console on the
 * serial port. EDK II itself prints device paths there: BdsDxe's "loading Boot#### … from <path>"
 * lines and the Shell's `bcfg boot dump -v` (both through UefiDevicePathLib's DevicePathToText).
 * Then the boot options it wrote are read from the variable store and decoded by us.
 */
import { expect } from 'chai';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { toHex } from '@tcg2sim/binary-codec';
import { requirePrerequisites, tempDir } from '@tcg2sim/test-support';
import { decodeDevicePath, decodeLoadOption, devicePathToText, encodeLoadOption } from '@tcg2sim/uefi';
import { OVMF_Q35_VARIABLES } from './vectors/ovmf-variables.js';
import { VAR_ADDED, walkVariables } from './helpers/var-walk.js';
import type { ScannedVariable } from './helpers/var-walk.js';
import { startOvmf } from './helpers/ovmf-serial.js';

const CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
const VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';
const GLOBAL = '8BE4DF61-93CA-11D2-AA0D-00E098032B8C';

describe('EFI_LOAD_OPTION and device paths in a live OVMF boot @integration', function () {
  this.timeout(200_000);
  let tmp: { path: string; remove: () => void } | undefined;
  let live: ScannedVariable[] = [];
  let serial = '';

  before(async function () {
    requirePrerequisites(this, { tools: ['qemu-system-x86_64'], files: [CODE, VARS] });
    tmp = tempDir('tcg2sim-bootopt-');
    const vars = join(tmp.path, 'vars.fd');
    copyFileSync(VARS, vars);
    const ovmf = startOvmf(CODE, vars);
    try {
      await ovmf.waitFor(/Press ESC in \d+ seconds/, 0, 'the Shell startup prompt');
      ovmf.send(' ');
      await ovmf.waitFor(/Shell> /, 0, 'the Shell prompt');
      ovmf.send('bcfg boot dump -v\r');
      await ovmf.waitFor(/Option: 02\.[\s\S]*Shell> /, 0, 'the bcfg dump');
      ovmf.send('dh -p DevicePath\r');
      await ovmf.waitFor(/Handle dump by protocol 'DevicePath'[\s\S]*Shell> /, 0, 'the handle dump');
    } finally {
      ovmf.stop();
    }
    serial = ovmf.text();
    live = walkVariables(new Uint8Array(readFileSync(vars))).filter((v) => v.state === VAR_ADDED && v.guid === GLOBAL);
  });
  after(() => tmp?.remove());

  it('writes the boot options captured in vectors/ovmf-variables.ts, and each re-encodes byte for byte', () => {
    for (const name of ['BootOrder', 'Boot0000', 'Boot0001', 'Boot0002'] as const) {
      const v = live.find((x) => x.name === name);
      expect(v, name).to.not.equal(undefined);
      expect(toHex(v!.data), name).to.equal(OVMF_Q35_VARIABLES[name]);
      if (name !== 'BootOrder') expect(toHex(encodeLoadOption(decodeLoadOption(v!.data)))).to.equal(toHex(v!.data));
    }
  });

  it('prints each option\'s device path as BdsDxe does ("loading/failed to load Boot#### … from <path>")', () => {
    const lines = [...serial.matchAll(/BdsDxe: (?:loading|failed to load|starting) (Boot[0-9A-F]{4}) "([^"]*)" from (\S+?):?(?=\s|$)/g)];
    expect(lines.length).to.be.at.least(2);
    for (const [, name, desc, path] of lines) {
      const o = decodeLoadOption(live.find((v) => v.name === name)!.data);
      expect(o.description).to.equal(desc);
      expect(devicePathToText(o.filePathList[0]!)).to.equal(path);
    }
  });

  it('agrees with the Shell\'s bcfg boot dump -v on every option (description, device path, optional data)', () => {
    const blocks = [...serial.matchAll(/Variable: (Boot[0-9A-F]{4})\s*\n\s*Desc\s*- (.*)\n\s*DevPath - (\S*)\n\s*Optional- ([YN])/g)];
    expect(blocks.map((b) => b[1])).to.deep.equal(['Boot0000', 'Boot0001', 'Boot0002']);
    for (const [, name, desc, path, optional] of blocks) {
      const o = decodeLoadOption(live.find((v) => v.name === name)!.data);
      expect(o.description).to.equal(desc);
      expect(devicePathToText(o.filePathList[0]!)).to.equal(path);
      expect(o.optionalData.length > 0 ? 'Y' : 'N').to.equal(optional);
    }
  });

  it('prints the console device paths (ConIn/ConOut/ErrOut) with the node texts the Shell shows for the console handles', () => {
    // `dh -p DevicePath` shows only the tail of each handle's path: "DevicePath(..<tail>)". The
    // Shell prints with AllowShortcuts = TRUE (VenPcAnsi()).
    const consoles = ['ConIn', 'ConOut', 'ErrOut'].map((n) => devicePathToText(decodeDevicePath(live.find((v) => v.name === n)!.data), { allowShortcuts: true })).join(',');
    const dump = serial.slice(serial.indexOf("Handle dump by protocol 'DevicePath'"));
    const tails = [...dump.matchAll(/DevicePath\(\.\.(.*?\))\)(?= |\n|$)/g)].map((m) => m[1] ?? '');
    const consoleTails = tails.filter((t) => /AcpiAdr\(|Acpi\(PNP|Uart\(|VenPcAnsi\(/.test(t));
    for (const t of consoleTails) expect(consoles, t).to.include(t);
    expect(consoleTails.some((t) => t.includes('VenPcAnsi()'))).to.equal(true);
    expect(consoleTails.some((t) => t.includes('AcpiAdr(0x80010100)'))).to.equal(true);
  });
});
