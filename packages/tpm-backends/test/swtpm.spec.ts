/** The backend suite against a live swtpm, plus swtpm-specific lifecycle tests. */
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { TPM_ALG_HASH } from '@tcg2sim/hash-lib';
import { execute, Startup, GetCapability, TPM_SU, TPM_CAP } from '@tcg2sim/tpm2-command-lib';
import { SwtpmBackend, TpmBackendError, backendTransport } from '@tcg2sim/tpm-backends';
import { requirePrerequisites } from '@tcg2sim/test-support';
import { tpmBackendSuite } from './backend-suite.ts';

const none = {} as const;

tpmBackendSuite('swtpm', () => SwtpmBackend.start(), ['swtpm', 'swtpm_setup']);

describe('SwtpmBackend lifecycle @integration', function () {
  this.timeout(30000);
  before(function () {
    requirePrerequisites(this, { tools: ['swtpm', 'swtpm_setup'] });
  });

  it('removes its state directory on close', async () => {
    const b = await SwtpmBackend.start();
    const dir = b.stateDir;
    expect(existsSync(dir)).to.equal(true);
    await b.close();
    expect(existsSync(dir)).to.equal(false);
  });

  it('activates only the PCR banks given to swtpm_setup', async () => {
    const b = await SwtpmBackend.start({ pcrBanks: ['sha256', 'sha384'] });
    try {
      await b.powerOn();
      const t = backendTransport(b);
      await execute(t, Startup, { handles: none, params: { startupType: TPM_SU.CLEAR } });
      const { params } = await execute(t, GetCapability, { handles: none, params: { capability: TPM_CAP.PCRS, property: 0, propertyCount: 1 } });
      const data = params.capabilityData.data;
      if (!('assignedPCR' in data)) return expect.fail();
      const active = data.assignedPCR.pcrSelections.filter((s) => s.pcrSelect.some((x) => x !== 0)).map((s) => s.hash);
      expect(active).to.deep.equal([TPM_ALG_HASH.SHA256, TPM_ALG_HASH.SHA384]);
    } finally {
      await b.close();
    }
  });

  it('reports PROCESS_EXITED when swtpm dies, and removes its state directory', async () => {
    const b = await SwtpmBackend.start();
    const dir = b.stateDir;
    await b.powerOn();
    process.kill(b.pid!, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    try {
      await b.transmit(new Uint8Array(10), 0);
      expect.fail();
    } catch (e) {
      expect(e).to.be.instanceOf(TpmBackendError);
      if (e instanceof TpmBackendError) expect(['PROCESS_EXITED', 'CLOSED']).to.include(e.code);
    }
    await b.close();
    expect(existsSync(dir)).to.equal(false);
  });

  it('closes itself after a TIMEOUT, since the data channel is then out of step', async () => {
    const b = await SwtpmBackend.start({ timeoutMs: 300 });
    const dir = b.stateDir;
    await b.powerOn();
    process.kill(b.pid!, 'SIGSTOP');
    try {
      await b.transmit(Uint8Array.from(Buffer.from('80010000000c000001440000', 'hex')), 0);
      expect.fail();
    } catch (e) {
      expect(e).to.be.instanceOf(TpmBackendError);
      if (e instanceof TpmBackendError) expect(e.code).to.equal('TIMEOUT');
    }
    await b.close();
    expect(existsSync(dir)).to.equal(false);
    try {
      await b.transmit(new Uint8Array(12), 0);
      expect.fail();
    } catch (e) {
      if (e instanceof TpmBackendError) expect(e.code).to.equal('CLOSED');
    }
  });

  it('refuses commands before powerOn (NOT_POWERED) and after close (CLOSED)', async () => {
    const b = await SwtpmBackend.start();
    const codeOf = async (p: Promise<unknown>): Promise<string> => {
      try {
        await p;
      } catch (e) {
        if (e instanceof TpmBackendError) return e.code;
      }
      return 'none';
    };
    expect(await codeOf(b.transmit(new Uint8Array(12), 0))).to.equal('NOT_POWERED');
    await b.close();
    await b.close();
    expect(await codeOf(b.transmit(new Uint8Array(12), 0))).to.equal('CLOSED');
  });

  it('reports the control-channel capabilities QEMU relies on', async () => {
    const b = await SwtpmBackend.start();
    try {
      const caps = await b.capabilities();
      // INIT, SHUTDOWN, SET_LOCALITY, HASHING, CANCEL_TPM_CMD, STOP
      for (const bit of [1, 2, 8, 16, 32, 1024]) expect(caps & bit, `bit ${bit}`).to.not.equal(0);
    } finally {
      await b.close();
    }
  });
});

