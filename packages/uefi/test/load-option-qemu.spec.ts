/**
 * Live truth for the load-option and device-path decoders: boot Debian OVMF in QEMU (TCG, q35, no
 * NIC, the default empty CD-ROM) on a fresh copy of OVMF_VARS_4M.fd, with the console on the
 * serial port. EDK II itself prints device paths there: BdsDxe's "loading Boot#### … from <path>"
 * lines and the Shell's `bcfg boot dump -v` (both through UefiDevicePathLib's DevicePathToText).
 * Then the boot options it wrote are read from the variable store and decoded by us.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { toHex } from '@tcg2sim/binary-codec';
import { requirePrerequisites, tempDir } from '@tcg2sim/test-support';
import { decodeDevicePath, decodeLoadOption, devicePathToText, encodeLoadOption } from '@tcg2sim/uefi';
import { OVMF_Q35_VARIABLES } from './vectors/ovmf-variables.js';
import { VAR_ADDED, walkVariables } from './helpers/var-walk.js';
import type { ScannedVariable } from './helpers/var-walk.js';

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
    const qemu: ChildProcess = spawn('qemu-system-x86_64', [
      '-machine', 'q35,accel=tcg', '-m', '512', '-display', 'none', '-nic', 'none', '-serial', 'stdio', '-monitor', 'none',
      '-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${CODE}`, '-drive', `if=pflash,format=raw,unit=1,file=${vars}`,
    ], { stdio: ['pipe', 'pipe', 'ignore'] });
    let raw = '';
    qemu.stdout?.on('data', (d: Buffer) => {
      raw += d.toString('latin1');
      // Strip the terminal's escape sequences and carriage returns.
      serial = raw.replace(/\x1b\[[0-9;=?]*[A-Za-z]/g, '').replace(/\r/g, '');
    });
    const waitFor = async (re: RegExp, what: string): Promise<void> => {
      const deadline = Date.now() + 150_000;
      while (!re.test(serial)) {
        if (qemu.exitCode !== null || Date.now() > deadline) throw new Error(`OVMF never printed ${what}`);
        await sleep(250);
      }
    };
    try {
      await waitFor(/Press ESC in \d+ seconds/, 'the Shell startup prompt');
      qemu.stdin?.write(' ');
      await waitFor(/Shell> $/, 'the Shell prompt');
      qemu.stdin?.write('bcfg boot dump -v\r');
      await waitFor(/Option: 02\.[\s\S]*Shell> $/, 'the bcfg dump');
      qemu.stdin?.write('dh -p DevicePath\r');
      await waitFor(/Handle dump by protocol 'DevicePath'[\s\S]*Shell> $/, 'the handle dump');
    } finally {
      qemu.kill();
    }
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
    // `dh -p DevicePath` shows only the tail of each path: "DevicePath(..<tail>)".
    // The Shell prints with AllowShortcuts = TRUE (VenPcAnsi()).
    const consoles = ['ConIn', 'ConOut', 'ErrOut'].map((n) => devicePathToText(decodeDevicePath(live.find((v) => v.name === n)!.data), { allowShortcuts: true })).join(',');
    const tails = [...serial.matchAll(/^\s*[0-9A-F]+: (.*(?:ConsoleOut|ConsoleIn|StdErr|SerialIO).*)$/gm)]
      .map((m) => /DevicePath\(\.\.(.*?\))\)(?: |$)/.exec(m[1] ?? '')?.[1])
      .filter((t): t is string => t !== undefined);
    expect(tails.length).to.be.at.least(4);
    for (const t of tails) expect(consoles, t).to.include(t);
    expect(consoles).to.include('AcpiAdr(0x80010100)').and.include('Acpi(PNP0303,0x0)').and.include('Uart(115200,8,N,1)/VenPcAnsi()');
  });
});
