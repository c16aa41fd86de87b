#!/usr/bin/env node
/**
 * Writes the embedded default firmware that `tcg2sim predict` runs with no arguments, for
 * people who want the files (to boot them, inspect them with `tcg2sim fv`, or pass them with
 * --code/--vars). The images are built by our own FV writer (@tcg2sim/uefi); nothing comes from
 * EDK II. Run after `npm ci` (which builds the packages):
 *
 *   node test-fixtures/build-default-firmware.mjs [OUT_DIR]   (default: test-fixtures/default-firmware)
 *
 * Writes OUT_DIR/TCG2SIM_CODE.fd and OUT_DIR/TCG2SIM_VARS.fd. The outputs are not committed
 * (test-fixtures/.gitignore).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDefaultFirmware } from '@tcg2sim/platform-ovmf';

const out = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), 'default-firmware'));
mkdirSync(out, { recursive: true });
const fw = buildDefaultFirmware();
const code = join(out, 'TCG2SIM_CODE.fd');
const vars = join(out, 'TCG2SIM_VARS.fd');
writeFileSync(code, fw.code);
writeFileSync(vars, fw.vars);
process.stdout.write(`${code} (${fw.code.length} bytes)\n${vars} (${fw.vars.length} bytes)\n`);
