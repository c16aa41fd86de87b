/**
 * An swtpm for QEMU's `-tpmdev emulator` backend in tests that start QEMU (under qtest, or to
 * read its fw_cfg files): a control channel on a UNIX socket, the TPM state in a directory, and
 * the QEMU options of the TPM device on it. swtpm ends when QEMU closes the channel; the suites
 * kill it after each test as well.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './index.ts';

/** Starts swtpm with its control channel at `ctrlSocket` and its state in `stateDir`; resolves once the socket exists (at most 5 s). */
export async function startSwtpmSocket(stateDir: string, ctrlSocket: string): Promise<ChildProcess> {
  const swtpm = spawn('swtpm', ['socket', '--tpm2', '--tpmstate', `dir=${stateDir}`, '--ctrl', `type=unixio,path=${ctrlSocket}`, '--flags', 'not-need-init'], { stdio: 'ignore' });
  for (let i = 0; i < 250 && !existsSync(ctrlSocket); i++) await new Promise((r) => setTimeout(r, 20));
  return swtpm;
}

/** QEMU's options for a TPM device (`tpm-tis`, `tpm-crb`, `tpm-tis-device`) on the swtpm at `ctrlSocket`. */
export function qemuTpmArgs(ctrlSocket: string, device: string): string[] {
  return ['-chardev', `socket,id=chrtpm,path=${ctrlSocket}`, '-tpmdev', 'emulator,id=tpm0,chardev=chrtpm', '-device', `${device},tpmdev=tpm0`];
}

/**
 * Call inside a `describe`: a temporary directory for the suite (removed after it) and `start`,
 * which starts a test's swtpm on a fresh socket there and returns the socket's path; the swtpm is
 * killed after the test.
 */
export function swtpmPerTest(prefix: string): { readonly dir: string; start: () => Promise<string> } {
  const dir = tempDir(prefix);
  let swtpm: ChildProcess | undefined;
  let n = 0;
  afterEach(() => {
    swtpm?.kill();
  });
  after(() => dir.remove());
  return {
    dir: dir.path,
    start: async () => {
      const sock = join(dir.path, `ctrl${n++}.sock`);
      swtpm = await startSwtpmSocket(dir.path, sock);
      return sock;
    },
  };
}
