import { expect } from 'chai';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { join } from 'node:path';
import { CaptureError, QmpClient } from '@tcg2sim/platform-ovmf';
import { tempDir } from '@tcg2sim/test-support';

/**
 * A QMP server speaking the protocol of QEMU docs/interop/qmp-spec: greeting, capabilities
 * negotiation, then one answer per command; `reply` decides the answer lines for each command.
 */
function fakeQemu(path: string, reply: (cmd: Record<string, unknown>, sock: Socket) => void): Promise<Server> {
  const server = createServer((sock) => {
    sock.write('{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}}, "capabilities": ["oob"]}}\r\n');
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      buf += d;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const cmd = JSON.parse(buf.slice(0, nl)) as Record<string, unknown>;
        buf = buf.slice(nl + 1);
        if (cmd['execute'] === 'qmp_capabilities') sock.write('{"return": {}}\r\n');
        else reply(cmd, sock);
      }
    });
  });
  return new Promise((resolve) => server.listen(path, () => resolve(server)));
}

async function expectQmpError(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(CaptureError);
    expect((e as CaptureError).code).to.equal('QMP_ERROR');
    return;
  }
  expect.fail('expected a CaptureError');
}

describe('QmpClient', () => {
  let tmp: ReturnType<typeof tempDir> | undefined;
  before(() => {
    tmp = tempDir('tcg2sim-qmp-test-');
  });
  let n = 0;
  const sockPath = (): string => join(tmp!.path, `qmp${n++}.sock`);
  after(() => {
    tmp?.remove();
  });

  it('negotiates capabilities, skips asynchronous events and returns each command\'s answer in order', async () => {
    const path = sockPath();
    const server = await fakeQemu(path, (cmd, sock) => {
      sock.write('{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "STOP"}\r\n');
      sock.write(JSON.stringify({ return: { echoed: cmd['execute'], args: cmd['arguments'] ?? null } }) + '\r\n');
    });
    const qmp = await QmpClient.connect(path);
    try {
      expect(await qmp.execute('stop')).to.deep.equal({ echoed: 'stop', args: null });
      expect(await qmp.execute('pmemsave', { val: 4096, size: 16, filename: '/x' })).to.deep.equal({
        echoed: 'pmemsave',
        args: { val: 4096, size: 16, filename: '/x' },
      });
      expect(qmp.events).to.deep.equal(['STOP', 'STOP']);
    } finally {
      qmp.close();
      server.close();
    }
  });

  it('turns an error answer into QMP_ERROR', async () => {
    const path = sockPath();
    const server = await fakeQemu(path, (_cmd, sock) => sock.write('{"error": {"class": "GenericError", "desc": "Invalid parameter"}}\n'));
    const qmp = await QmpClient.connect(path);
    try {
      await expectQmpError(qmp.execute('pmemsave', { val: 0, size: 0, filename: '/nonexistent/x' }));
    } finally {
      qmp.close();
      server.close();
    }
  });

  it('fails pending and later commands with QMP_ERROR when the server sends garbage or hangs up', async () => {
    const path = sockPath();
    const server = await fakeQemu(path, (_cmd, sock) => {
      if (sock.writableEnded) return;
      sock.write('this is not json\n');
      sock.end();
    });
    const qmp = await QmpClient.connect(path);
    try {
      await expectQmpError(qmp.execute('stop'));
      await expectQmpError(qmp.execute('stop'));
    } finally {
      qmp.close();
      server.close();
    }
  });

  it('fails with QMP_ERROR when nothing listens on the socket', async () => {
    await expectQmpError(QmpClient.connect(join(tmp!.path, 'absent.sock'), 1_000));
  });
});
