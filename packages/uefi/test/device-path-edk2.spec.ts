/**
 * EDK II's own DevicePathToText as truth for ours: every binary vector of vectors/device-paths.ts
 * becomes a boot option (Boot1000…) in a copy of OVMF_VARS_4M.fd, with a BootOrder that lists
 * them; OVMF then tries each one and BdsDxe prints "failed to load Boot1xxx "Vn" from <text>"
 * with ConvertDevicePathToText(FilePath, FALSE, FALSE). Excluded: Fv/FvFile/MemoryMapped paths
 * (OVMF removes stale FV options, or would boot them) and BBS (not booted by UEFI BDS).
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fromHex, guidFromString } from '@tcg2sim/binary-codec';
import { requirePrerequisites, tempDir } from '@tcg2sim/test-support';
import { LOAD_OPTION, decodeDevicePath, devicePathToText, encodeLoadOption, makeLoadOption } from '@tcg2sim/uefi';
import { EDK2_UNIT_TEST_VECTORS, END, NODE_VECTORS, PATH_VECTORS } from './vectors/device-paths.js';
import { appendVariables } from './helpers/var-walk.js';

const CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
const VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';
const GLOBAL = guidFromString('8BE4DF61-93CA-11D2-AA0D-00E098032B8C');

const VECTORS: { name: string; hex: string; text: string; edk2?: string }[] = [
  ...NODE_VECTORS.map((v) => ({ ...v, hex: v.hex + END })),
  ...PATH_VECTORS,
  ...EDK2_UNIT_TEST_VECTORS.map((v) => ({ ...v, hex: v.hex + END })),
].filter((v) => v.text !== '' && !/^(Fv|FvFile|MemoryMapped|BBS)\(/.test(v.text));

describe('device path text against EDK II\'s DevicePathToText in a live OVMF boot @integration', function () {
  this.timeout(200_000);
  let tmp: { path: string; remove: () => void } | undefined;
  let serial = '';

  before(async function () {
    requirePrerequisites(this, { tools: ['qemu-system-x86_64'], files: [CODE, VARS] });
    tmp = tempDir('tcg2sim-dp-');
    const vars = join(tmp.path, 'vars.fd');
    const options = VECTORS.map((v, i) => ({
      name: `Boot${(0x1000 + i).toString(16).toUpperCase()}`, guid: GLOBAL, attributes: 7,
      data: encodeLoadOption(makeLoadOption({ attributes: LOAD_OPTION.ACTIVE, description: `V${i}`, filePaths: [decodeDevicePath(fromHex(v.hex))] })),
    }));
    const order = new Uint8Array(2 * options.length);
    options.forEach((_, i) => new DataView(order.buffer).setUint16(2 * i, 0x1000 + i, true));
    writeFileSync(vars, appendVariables(new Uint8Array(readFileSync(VARS)), [...options, { name: 'BootOrder', guid: GLOBAL, attributes: 7, data: order }]));
    const qemu = spawn('qemu-system-x86_64', [
      '-machine', 'q35,accel=tcg', '-m', '512', '-display', 'none', '-nic', 'none', '-serial', 'stdio', '-monitor', 'none',
      '-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${CODE}`, '-drive', `if=pflash,format=raw,unit=1,file=${vars}`,
    ], { stdio: ['ignore', 'pipe', 'ignore'] });
    let raw = '';
    qemu.stdout.on('data', (d: Buffer) => {
      raw += d.toString('latin1');
      serial = raw.replace(/\x1b\[[0-9;=?]*[A-Za-z]/g, '').replace(/\r/g, '');
    });
    try {
      const deadline = Date.now() + 150_000;
      // BDS tries every option before it falls back to the Shell.
      while (!/Press ESC in \d+ seconds/.test(serial)) {
        if (qemu.exitCode !== null || Date.now() > deadline) throw new Error('OVMF never reached the Shell');
        await sleep(250);
      }
    } finally {
      qemu.kill();
    }
  });
  after(() => tmp?.remove());

  it(`BdsDxe prints our text for each of ${VECTORS.length} paths (its lossy text for the non-canonical nodes we print generically)`, () => {
    const printed = new Map<string, string>();
    for (const m of serial.matchAll(/BdsDxe: (?:failed to load|loading) Boot1([0-9A-F]{3}) "V\d+" from (.*?)(?:: [A-Za-z ]+)?\n/g)) {
      printed.set(m[1] ?? '', m[2] ?? '');
    }
    VECTORS.forEach((v, i) => {
      const edk2 = printed.get(i.toString(16).toUpperCase().padStart(3, '0'));
      expect(edk2, `${v.name}: no BdsDxe line`).to.not.equal(undefined);
      expect(edk2, v.name).to.equal(v.edk2 ?? v.text);
      expect(devicePathToText(decodeDevicePath(fromHex(v.hex))), v.name).to.equal(v.text);
    });
  });
});
