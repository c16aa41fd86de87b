/**
 * The command line that reads a VM's fw_cfg files under qtest (`predict --fw-cfg-from-qemu`): the
 * capture's reading of the user's line (capture-argv.ts: every device, property and address as
 * QEMU reads them, host plumbing replaced, disks read-only), with the serial console on `null`
 * instead of stdio (qtest's channel is stdio) and no QMP socket. No guest code runs under qtest.
 */
import { captureArguments } from './capture-argv.ts';
import type { ShellCommand } from './shell-words.ts';

/** Paths the qtest run owns: the swtpm control socket, a scratch copy of the variable store. */
export interface QtestArgvPaths {
  readonly swtpmCtrl: string;
  readonly varsCopy: string;
  /** A path for the (unused) QMP socket capture-argv adds. */
  readonly scratchSocket: string;
}

/** QEMU's arguments (without the program) for reading `cmd`'s fw_cfg files under qtest. */
export function qtestArguments(cmd: ShellCommand, p: QtestArgvPaths): string[] {
  const args = captureArguments(cmd, { swtpmCtrl: p.swtpmCtrl, qmp: p.scratchSocket, varsCopy: p.varsCopy });
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    const next = args[i + 1] ?? '';
    if (a === '-qmp') {
      i++;
      continue;
    }
    if (a === '-chardev' && next.startsWith('stdio,')) {
      out.push(a, `null,${next.slice('stdio,'.length).replace(/,signal=off$/, '')}`);
      i++;
      continue;
    }
    if (a === '-serial' && next === 'stdio') {
      out.push(a, 'null');
      i++;
      continue;
    }
    out.push(a);
  }
  return out;
}
