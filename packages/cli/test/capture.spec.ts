import { expect } from 'chai';
import { main, EXIT } from '@tcg2sim/cli';
import type { CliIo } from '@tcg2sim/cli';

function run(args: readonly string[]): Promise<{ status: number; err: string }> {
  let err = '';
  const io: CliIo = { out: () => undefined, err: (t) => { err += t; } };
  return main(['node', 'tcg2sim', ...args], io).then((status) => ({ status, err }));
}

describe('tcg2sim capture (argument checking; no boot)', () => {
  it('exits 2 when neither --code/--vars nor --bios is given', async () => {
    expect((await run(['capture'])).status).to.equal(EXIT.USAGE);
  });

  it('exits 2 on --code without --vars', async () => {
    expect((await run(['capture', '--code', '/etc/hostname'])).status).to.equal(EXIT.USAGE);
  });

  it('exits 2 on an unknown PCR bank or TPM interface', async () => {
    expect((await run(['capture', '--bios', '/etc/hostname', '--banks', 'sha1,md5'])).status).to.equal(EXIT.USAGE);
    expect((await run(['capture', '--bios', '/etc/hostname', '--tpm-interface', 'spi'])).status).to.equal(EXIT.USAGE);
  });

  it('exits 2 with a one-line error when a firmware file does not exist', async () => {
    const r = await run(['capture', '--bios', '/nonexistent/OVMF.fd']);
    expect(r.status).to.equal(EXIT.USAGE);
    expect(r.err.trim().split('\n')).to.have.length(1);
  });
});
