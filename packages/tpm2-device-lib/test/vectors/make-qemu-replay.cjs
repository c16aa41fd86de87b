#!/usr/bin/env node
// Builds qemu-<iface>-boot.json from a real-firmware capture (tcg2sim capture --trace-mmio:
// OVMF_CODE_4M.fd + QEMU 7.2 tpm-tis/tpm-crb + swtpm 0.7.1, see /work/captures/run-all.sh).
//
//   node make-qemu-replay.cjs /work/captures/q35-tis-512 tis > qemu-tis-boot.json
//   node make-qemu-replay.cjs /work/captures/q35-crb-512 crb > qemu-crb-boot.json
//
// Output: the firmware's TPM driver calls in order (`ops`: open, probeTpm12, requestUse,
// submit{command,response}, dumpPtpInfo, raw), recognised from the register pattern of each call,
// and QEMU's own access trace normalised (`trace`). The replay test performs the same calls with
// our driver against our device model and compares its normalised trace with this one.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const [dir, iface] = process.argv.slice(2);
if (!dir || (iface !== 'tis' && iface !== 'crb')) {
  process.stderr.write('usage: make-qemu-replay.cjs CAPTURE_DIR tis|crb\n');
  process.exit(2);
}

const acc = [];
for (const line of fs.readFileSync(path.join(dir, 'mmio-trace.log'), 'utf8').split('\n')) {
  let m = /^tpm_tis_mmio_(read|write)\s+(?:read|write)\.(\d)\(0x([0-9a-f]+)\) = 0x([0-9a-f]+)/.exec(line);
  if (!m) m = /^tpm_crb_mmio_(read|write) CRB (?:read|write) 0x([0-9a-f]+) len:(\d) val: 0x([0-9a-f]+)/.exec(line);
  if (!m) continue;
  const tis = line.startsWith('tpm_tis');
  const op = m[1] === 'read' ? 'R' : 'W';
  // QEMU's TIS FIFO read trace prints the size after its byte loop ran it down to 0.
  const width = Number(tis ? m[2] : m[3]) || 1;
  const offset = parseInt(tis ? m[3] : m[2], 16);
  const value = Number(BigInt('0x' + m[4]) & ((1n << BigInt(8 * width)) - 1n));
  acc.push({ op, width, offset, value });
}

const commands = JSON.parse(fs.readFileSync(path.join(dir, 'tpm-commands.json'), 'utf8'));
// Entry 0 (CC 0x181) is swtpm's own start-up traffic, not the firmware's.
const wire = commands.filter((c) => c.index > 0);

const is = (a, op, offset, value) => a && a.op === op && a.offset === offset && (value === undefined || a.value === value);
const ops = [];
let i = 0;
let cmdIndex = 0;
const hex = (bytes) => Buffer.from(bytes).toString('hex');

function detectAt(k) {
  return is(acc[k], 'R', 0x00) && is(acc[k + 1], 'R', 0x30) && is(acc[k + 2], 'R', 0x14);
}
/** Index after a poll of `offset` that ends with the first read satisfying `done`. */
function pollEnd(k, offset, done) {
  while (is(acc[k], 'R', offset) && !done(acc[k].value)) k++;
  return k + 1;
}
const granted = (v) => (v & 0xa0) === 0xa0;
const crbGranted = (v) => (v & 1) === 1;
function tisRequestAt(k) {
  return is(acc[k], 'R', 0x00) && is(acc[k + 1], 'W', 0x00, 0x02);
}
function crbRequestAt(k) {
  return is(acc[k], 'R', 0x00) && is(acc[k + 1], 'W', 0x08, 1);
}
function nextSubmit() {
  const c = wire[cmdIndex++];
  return { op: 'submit', command: c.command, response: c.response };
}

if (iface === 'tis') {
  while (i < acc.length) {
    if (ops.length === 0 && detectAt(i)) {
      ops.push({ op: 'open' });
      i += 3;
    } else if (detectAt(i) && is(acc[i + 3], 'R', 0x1b)) {
      ops.push({ op: 'dumpPtpInfo' });
      i += 7;
    } else if (detectAt(i) && tisRequestAt(i + 3)) {
      // Tpm12RequestUseTpm + Tpm12SubmitCommand(GetTicks)
      i = pollEnd(i + 5, 0x00, granted);
      if (!detectAt(i)) throw new Error(`unexpected 1.2 probe shape at ${i}`);
      i += 3;
      const start = i;
      i++;
      while (!is(acc[i], 'W', 0x18, 0x40)) i++;
      i++;
      const cmd = acc.slice(start, i).filter((a) => a.op === 'W' && a.offset === 0x24).map((a) => a.value);
      if (hex(cmd) !== wire[cmdIndex].command) throw new Error('1.2 probe command mismatch');
      ops.push({ op: 'probeTpm12', response: wire[cmdIndex++].response });
    } else if (tisRequestAt(i)) {
      ops.push({ op: 'requestUse' });
      i = pollEnd(i + 2, 0x00, granted);
    } else if (is(acc[i], 'W', 0x18, 0x40)) {
      const start = i;
      i++;
      while (!is(acc[i], 'W', 0x18, 0x40)) i++;
      i++;
      const seg = acc.slice(start, i);
      const s = nextSubmit();
      const cmd = seg.filter((a) => a.op === 'W' && a.offset === 0x24).map((a) => a.value);
      const rsp = seg.filter((a) => a.op === 'R' && a.offset === 0x24).map((a) => a.value);
      if (hex(cmd) !== s.command || hex(rsp) !== s.response) throw new Error(`transaction ${cmdIndex} differs from tpm-commands.json`);
      ops.push(s);
    } else {
      const last = ops[ops.length - 1];
      const a = acc[i++];
      if (last && last.op === 'raw') last.accesses.push(a);
      else ops.push({ op: 'raw', accesses: [a] });
    }
  }
} else {
  while (i < acc.length) {
    if (ops.length === 0 && detectAt(i) && is(acc[i + 3], 'R', 0x30)) {
      ops.push({ op: 'open' });
      i += 4;
    } else if (detectAt(i) && is(acc[i + 3], 'R', 0x1b)) {
      ops.push({ op: 'dumpPtpInfo' });
      i += 6;
    } else if (detectAt(i) && is(acc[i + 3], 'W', 0x08, 1)) {
      i = pollEnd(i + 4, 0x0c, crbGranted);
      if (!detectAt(i)) throw new Error(`unexpected 1.2 probe shape at ${i}`);
      i += 3;
      ops.push({ op: 'probeTpm12' });
    } else if (crbRequestAt(i)) {
      ops.push({ op: 'requestUse' });
      i = pollEnd(i + 2, 0x0c, crbGranted);
    } else if (is(acc[i], 'R', 0x44)) {
      while (!is(acc[i], 'W', 0x40, 2)) i++;
      i++;
      ops.push(nextSubmit());
    } else {
      const last = ops[ops.length - 1];
      const a = acc[i++];
      if (last && last.op === 'raw') last.accesses.push(a);
      else ops.push({ op: 'raw', accesses: [a] });
    }
  }
}
if (cmdIndex !== wire.length) throw new Error(`${wire.length - cmdIndex} commands not matched to transactions`);

/** Same normalisation as the test: FIFO runs become a count, repeated lines (polls) one line. */
function normalise(list) {
  const lines = [];
  for (const a of list) {
    const fifo = iface === 'tis' && (a.offset === 0x24 || (a.offset >= 0x80 && a.offset < 0xc0));
    const l = fifo ? `${a.op}${a.width} fifo` : `${a.op}${a.width} ${a.offset.toString(16).padStart(3, '0')}=${a.value.toString(16)}`;
    lines.push(l);
  }
  const out = [];
  for (const l of lines) {
    const prev = out[out.length - 1];
    // How often the TPM still looked busy after tpmGo / START is timing, not protocol.
    if ((prev === 'W1 018=20' && l === 'R1 018=80') || (prev === 'W4 04c=1' && l === 'R4 04c=1')) continue;
    if (prev !== undefined && (prev === l || prev.startsWith(l + ' #'))) {
      if (l.endsWith('fifo')) out[out.length - 1] = `${l} #${prev === l ? 2 : Number(prev.split('#')[1]) + 1}`;
      continue;
    }
    out.push(l);
  }
  return out;
}

const source = `${path.basename(dir)}: ${fs.readFileSync(path.join(dir, 'qemu-command-line.txt'), 'utf8').trim().split('\n')[0].slice(0, 300)}`;
process.stdout.write(JSON.stringify({ source, interface: iface, ops, trace: normalise(acc) }) + '\n');
