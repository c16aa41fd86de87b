/**
 * Live truth for the load-option and device-path decoders: boot Debian OVMF in QEMU (TCG, q35, no
 * NIC, the default empty CD-ROM) on a fresh copy of OVMF_VARS_4M.fd until BDS has written its
 * boot options, stop it, and decode every Boot#### and console variable it wrote.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
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
  this.timeout(150_000);
  let tmp: { path: string; remove: () => void } | undefined;
  let live: ScannedVariable[] = [];

  before(async function () {
    requirePrerequisites(this, { tools: ['qemu-system-x86_64'], files: [CODE, VARS] });
    tmp = tempDir('tcg2sim-bootopt-');
    const vars = join(tmp.path, 'vars.fd');
    copyFileSync(VARS, vars);
    const qemu = spawn('qemu-system-x86_64', [
      '-machine', 'q35,accel=tcg', '-m', '512', '-display', 'none', '-nic', 'none', '-serial', 'none', '-monitor', 'none',
      '-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${CODE}`, '-drive', `if=pflash,format=raw,unit=1,file=${vars}`,
    ], { stdio: 'ignore' });
    try {
      const deadline = Date.now() + 120_000;
      for (;;) {
        await sleep(500);
        live = walkVariables(new Uint8Array(readFileSync(vars))).filter((v) => v.state === VAR_ADDED && v.guid === GLOBAL);
        const order = live.find((v) => v.name === 'BootOrder');
        if (order && order.data.length >= 6 && live.some((v) => v.name === 'Boot0002')) break;
        if (qemu.exitCode !== null || Date.now() > deadline) throw new Error('OVMF did not write Boot0002 in time');
      }
    } finally {
      qemu.kill();
    }
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

  it('decodes every Boot#### option and every console device path OVMF wrote', () => {
    const texts = new Map<string, string>();
    for (const v of live) {
      if (/^Boot[0-9A-F]{4}$/.test(v.name)) {
        texts.set(v.name, decodeLoadOption(v.data).filePathList.map((p) => devicePathToText(p)).join(' | '));
      } else if (/^(ConIn|ConOut|ErrOut)$/.test(v.name)) {
        texts.set(v.name, devicePathToText(decodeDevicePath(v.data)));
      }
    }
    expect(texts.get('Boot0001')).to.equal('PciRoot(0x0)/Pci(0x1F,0x2)/Sata(0x2,0xFFFF,0x0)');
    expect(texts.get('Boot0002')).to.equal('Fv(7CB8BDC9-F8EB-4F34-AAEA-3EE4AF6516A1)/FvFile(7C04A583-9E3E-4F1C-AD65-E05268D0B4D1)');
    // Console variables may still be settling when the boot is stopped; whatever is there decodes.
    for (const [name, text] of texts) expect(text, name).to.not.match(/(^|\/)(Path|HardwarePath|AcpiPath|Msg|MediaPath)\(/);
  });
});
