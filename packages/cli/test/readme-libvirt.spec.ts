/**
 * The README's "Predicting your libvirt VM" lines, run as written: `virsh dumpxml` of a defined
 * domain (libvirt 9.0's embedded QEMU driver), then `tcg2sim predict --libvirt-xml` and
 * `tcg2sim reference --libvirt-xml` on what virsh printed. Truth: the real boot of that VM
 * (test/vectors/libvirt-vm/lv.eventlog.bin, libvirt's own command line for it under QEMU 7.2).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { EXIT } from '@tcg2sim/cli';
import { decodeEventLog, replayEventLog } from '@tcg2sim/event-log';
import { toHex } from '@tcg2sim/binary-codec';
import { OVMF_DIR, buildEspDisk, inCi, requirePrerequisites, tempDir, which } from '@tcg2sim/test-support';
import { runCli } from './harness.ts';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const SHIM = '/usr/lib/shim/shimx64.efi.signed';
const VARS = join(OVMF_DIR, 'OVMF_VARS_4M.fd');
const vectors = new URL('../../test/vectors/libvirt-vm/', import.meta.url);
const fixtures = new URL('../../../qemu-config/test/fixtures/', import.meta.url);

/** The ```sh block of the README's "### Predicting your libvirt VM" section, one command a line. */
function readmeLines(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const m = /^### Predicting your libvirt VM\n+```sh\n([\s\S]*?)^```/m.exec(readme);
  if (m?.[1] === undefined) throw new Error('README.md: no ```sh block under "### Predicting your libvirt VM"');
  return m[1].split('\n').filter((l) => l.trim() !== '');
}

describe("the README's libvirt example, run as written, = a real boot of that VM", function () {
  this.timeout(300_000);
  const tmp = tempDir('tcg2sim-readme-libvirt-');
  after(() => {
    tmp.remove();
  });

  it('virsh dumpxml → predict --libvirt-xml gives the real log byte for byte; reference prints its PCRs', async function () {
    requirePrerequisites(this, { files: [SHIM, VARS] });
    if (which('virsh') === undefined) {
      if (inCi) throw new Error('missing: virsh (libvirt-clients, libvirt-daemon-driver-qemu)');
      process.stderr.write('  skipped: virsh (libvirt-clients, libvirt-daemon-driver-qemu) missing\n');
      this.skip();
    }
    const root = join(tmp.path, 'libvirt');
    mkdirSync(join(root, 'etc', 'qemu'), { recursive: true });
    const disk = join(tmp.path, 'shim-disk.img');
    const nvram = join(tmp.path, 'myvm_VARS.fd');
    writeFileSync(disk, buildEspDisk({ fatType: 'FAT12', files: [{ path: 'EFI/BOOT/BOOTX64.EFI', data: readFileSync(SHIM) }] }));
    copyFileSync(VARS, nvram);
    const domain = readFileSync(new URL('q35-libvirt-vm.xml', fixtures), 'utf8')
      .replace('<name>lv1</name>', '<name>myvm</name>')
      .replace('/var/lib/libvirt/images/lv1.img', disk)
      .replace('/var/lib/libvirt/qemu/nvram/lv1_VARS.fd', nvram);
    writeFileSync(join(tmp.path, 'define.xml'), domain);
    const connect = ['-q', '-c', `qemu:///embed?root=${root}`];
    execFileSync('virsh', [...connect, 'define', join(tmp.path, 'define.xml')], { stdio: 'pipe' });
    const outputs: string[] = [];
    const cwd = process.cwd();
    process.chdir(tmp.path);
    try {
      for (const line of readmeLines()) {
        const words = line.split(/\s+/).filter((w) => w !== '' && !w.startsWith('#'));
        const [cmd, ...args] = words;
        if (cmd === 'virsh') {
          const redirect = args.indexOf('>');
          const out = execFileSync('virsh', [...connect, ...(redirect >= 0 ? args.slice(0, redirect) : args)], { encoding: 'utf8' });
          if (redirect >= 0) writeFileSync(args[redirect + 1] ?? '', out);
        } else if (cmd === './tcg2sim') {
          const r = await runCli(...args);
          expect(r.status, `${line}: ${r.err}`).to.equal(EXIT.OK);
          outputs.push(r.out);
        } else {
          throw new Error(`README.md: an example line this test cannot run: ${line}`);
        }
      }
    } finally {
      process.chdir(cwd);
    }
    const real = new Uint8Array(readFileSync(new URL('lv.eventlog.bin', vectors)));
    const ours = new Uint8Array(readFileSync(join(tmp.path, 'myvm.predicted.bin')));
    expect(Buffer.from(ours).equals(Buffer.from(real)), 'predicted log = real log').to.equal(true);
    const sha256 = [...replayEventLog(decodeEventLog(real)).banks].find(([alg]) => alg === 0x000b)?.[1];
    for (let i = 0; i <= 7; i++) expect(outputs.at(-1) ?? '').to.include(`${i} : 0x${toHex(sha256?.get(i) ?? new Uint8Array()).toUpperCase()}`);
  });
});
