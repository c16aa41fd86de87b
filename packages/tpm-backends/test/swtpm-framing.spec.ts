/**
 * The truth behind MIN_COMMAND_BYTES: swtpm's data channel itself, over a raw socket (no
 * SwtpmBackend in between). swtpm 0.7.1 (SWTPM_IO_Read) reads until it holds at least a 10-byte
 * command header and then runs whatever it read as one command: a shorter command is never
 * answered on its own. This is why every backend refuses such a command with TRANSPORT.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MIN_COMMAND_BYTES } from '@tcg2sim/tpm-backends';
import { requirePrerequisites, tempDir } from '@tcg2sim/test-support';

async function connectWhenUp(path: string): Promise<Socket> {
  for (let i = 0; ; i++) {
    try {
      return await new Promise<Socket>((resolve, reject) => {
        const s = connect(path);
        s.once('connect', () => { resolve(s); });
        s.once('error', reject);
      });
    } catch (e) {
      if (i >= 100) throw e;
      await sleep(50);
    }
  }
}

describe('swtpm data channel framing @integration', function () {
  this.timeout(20000);
  let dir: { path: string; remove: () => void } | undefined;
  let child: ChildProcess | undefined;
  let sock: Socket | undefined;
  const received: Buffer[] = [];

  before(async function () {
    requirePrerequisites(this, { tools: ['swtpm'] });
    dir = tempDir('tcg2sim-framing-');
    const data = join(dir.path, 'data.sock');
    child = spawn('swtpm', ['socket', '--tpm2', '--server', `type=unixio,path=${data}`, '--ctrl', `type=unixio,path=${join(dir.path, 'ctrl.sock')}`,
      '--flags', 'not-need-init,startup-clear', '--tpmstate', `dir=${dir.path}`], { stdio: 'ignore' });
    sock = await connectWhenUp(data);
    sock.on('data', (d: Buffer) => { received.push(d); });
  });
  after(() => {
    sock?.destroy();
    child?.kill();
    dir?.remove();
  });

  it(`answers nothing to ${MIN_COMMAND_BYTES - 1} bytes, then the ${MIN_COMMAND_BYTES} bytes as one command once the ${MIN_COMMAND_BYTES}th arrives`, async () => {
    expect(MIN_COMMAND_BYTES).to.equal(10);
    // GetRandom's header cut before its last byte; its commandSize says 9.
    sock?.write(Buffer.from('800100000009000001', 'hex'));
    await sleep(700);
    expect(received).to.have.length(0);
    sock?.write(Buffer.from('7b', 'hex'));
    for (let i = 0; i < 100 && received.length === 0; i++) await sleep(20);
    // TPM_RC_COMMAND_SIZE: the 10 bytes ran as one command whose commandSize (9) is not 10.
    expect(Buffer.concat(received).toString('hex')).to.equal('80010000000a00000142');
  });
});
