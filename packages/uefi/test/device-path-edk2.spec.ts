/**
 * EDK II's own DevicePathToText as truth for ours: every binary vector of vectors/device-paths.ts
 * becomes a boot option (Boot1000…) in a copy of OVMF_VARS_4M.fd, with a BootOrder that lists
 * them; OVMF then tries each one and BdsDxe prints "failed to load Boot1xxx "Vn" from <text>"
 * with ConvertDevicePathToText(FilePath, FALSE, FALSE). Excluded: Fv/FvFile/MemoryMapped paths
 * (OVMF removes stale FV options, or would boot them) and BBS (not booted by UEFI BDS).
 * Then, in the Shell, `setvar … =P<text>` runs EDK II's ConvertTextToDevicePath on our texts
 * (several paths per variable, concatenated) and `setvar` prints the bytes back.
 */
import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fromHex, guidFromString, toHex } from '@tcg2sim/binary-codec';
import { requirePrerequisites, tempDir } from '@tcg2sim/test-support';
import { LOAD_OPTION, decodeDevicePath, decodeDevicePathList, devicePathFromText, devicePathToText, encodeLoadOption, makeLoadOption } from '@tcg2sim/uefi';
import { EDK2_UNIT_TEST_VECTORS, END, NODE_VECTORS, PATH_VECTORS } from './vectors/device-paths.js';
import { VAR_ADDED, appendVariables, walkVariables } from './helpers/var-walk.js';
import type { ScannedVariable } from './helpers/var-walk.js';
import { startOvmf } from './helpers/ovmf-serial.js';

const CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
const VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';
const GLOBAL = guidFromString('8BE4DF61-93CA-11D2-AA0D-00E098032B8C');
const TEST_GUID = '3C3F7A0E-51B4-4D35-9A5B-7D7A0C6B1E01';

const VECTORS: { name: string; hex: string; text: string; edk2?: string; edk2Parse?: string }[] = [
  ...NODE_VECTORS.map((v) => ({ ...v, hex: v.hex + END })),
  ...PATH_VECTORS,
  ...EDK2_UNIT_TEST_VECTORS.map((v) => ({ ...v, hex: v.hex + END })),
];
const BOOTABLE = VECTORS.filter((v) => v.text !== '' && !/^(Fv|FvFile|MemoryMapped|BBS)\(/.test(v.text));
// The Shell splits arguments at spaces: texts with spaces (BBS) cannot be typed as one.
const TYPEABLE = VECTORS.filter((v) => v.text !== '' && !v.text.includes(' '));
const GROUP = 8;

describe('device path text against EDK II\'s DevicePathToText in a live OVMF boot @integration', function () {
  this.timeout(200_000);
  let tmp: { path: string; remove: () => void } | undefined;
  let serial = '';
  let stored: ScannedVariable[] = [];

  before(async function () {
    requirePrerequisites(this, { tools: ['qemu-system-x86_64'], files: [CODE, VARS] });
    tmp = tempDir('tcg2sim-dp-');
    const vars = join(tmp.path, 'vars.fd');
    const options = BOOTABLE.map((v, i) => ({
      name: `Boot${(0x1000 + i).toString(16).toUpperCase()}`, guid: GLOBAL, attributes: 7,
      data: encodeLoadOption(makeLoadOption({ attributes: LOAD_OPTION.ACTIVE, description: `V${i}`, filePaths: [decodeDevicePath(fromHex(v.hex))] })),
    }));
    const order = new Uint8Array(2 * options.length);
    options.forEach((_, i) => new DataView(order.buffer).setUint16(2 * i, 0x1000 + i, true));
    writeFileSync(vars, appendVariables(new Uint8Array(readFileSync(VARS)), [...options, { name: 'BootOrder', guid: GLOBAL, attributes: 7, data: order }]));
    const ovmf = startOvmf(CODE, vars);
    try {
      // BDS tries every option before it falls back to the Shell.
      await ovmf.waitFor(/Press ESC in \d+ seconds/, 0, 'the Shell startup prompt');
      ovmf.send(' ');
      await ovmf.waitFor(/Shell> /, 0, 'the Shell prompt');
      for (let g = 0; g * GROUP < TYPEABLE.length; g++) {
        const texts = TYPEABLE.slice(g * GROUP, (g + 1) * GROUP).map((v) => `=P${v.text}`).join(' ');
        const mark = ovmf.text().length;
        ovmf.send(`setvar T${g} -guid ${TEST_GUID} -nv -bs ${texts}\r`);
        await ovmf.waitFor(/\nShell> /, mark, `setvar T${g}`);
      }
    } finally {
      ovmf.stop();
    }
    serial = ovmf.text();
    // Non-volatile, so the values are in the store once QEMU has stopped (read them from the file,
    // not from the screen).
    await sleep(500);
    stored = walkVariables(new Uint8Array(readFileSync(vars))).filter((v) => v.state === VAR_ADDED && v.guid === TEST_GUID);
  });
  after(() => tmp?.remove());

  it(`BdsDxe prints our text for each of ${BOOTABLE.length} paths (its lossy text for the non-canonical nodes we print generically)`, () => {
    const printed = new Map<string, string>();
    for (const m of serial.matchAll(/BdsDxe: (?:failed to load|loading) Boot1([0-9A-F]{3}) "V\d+" from (.*?)(?:: [A-Za-z ]+)?\n/g)) {
      printed.set(m[1] ?? '', m[2] ?? '');
    }
    BOOTABLE.forEach((v, i) => {
      const edk2 = printed.get(i.toString(16).toUpperCase().padStart(3, '0'));
      expect(edk2, `${v.name}: no BdsDxe line`).to.not.equal(undefined);
      expect(edk2, v.name).to.equal(v.edk2 ?? v.text);
      expect(devicePathToText(decodeDevicePath(fromHex(v.hex))), v.name).to.equal(v.text);
    });
  });

  it(`EDK II's ConvertTextToDevicePath gives our bytes for each of ${TYPEABLE.length} texts`, () => {
    for (let g = 0; g * GROUP < TYPEABLE.length; g++) {
      const group = TYPEABLE.slice(g * GROUP, (g + 1) * GROUP);
      const v = stored.find((x) => x.name === `T${g}`);
      expect(v, `T${g}: ${group.map((x) => x.text).join(' ')}`).to.not.equal(undefined);
      const edk2 = decodeDevicePathList(v!.data);
      expect(edk2.length).to.equal(group.length);
      group.forEach((x, i) => {
        expect(toHex(edk2[i]!.raw), x.text).to.equal(x.edk2Parse ?? toHex(devicePathFromText(x.text).raw));
      });
    }
  });
});
