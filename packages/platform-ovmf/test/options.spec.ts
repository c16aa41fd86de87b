import { expect } from 'chai';
import { CaptureError, qemuArguments, ramRanges, resolveCaptureOptions } from '@tcg2sim/platform-ovmf';
import type { CaptureErrorCode } from '@tcg2sim/platform-ovmf';
import { ovmfImage } from '@tcg2sim/test-support';

const PATHS = { varsCopy: '/tmp/x/vars.fd', swtpmCtrl: '/tmp/x/ctrl.sock', qmp: '/tmp/x/qmp.sock', trace: '/tmp/x/trace.log' };
// Any existing files do for option checking; the images themselves are not read.
const CODE = ovmfImage('OVMF_CODE_4M.fd') ?? '/etc/hostname';
const VARS = ovmfImage('OVMF_VARS_4M.fd') ?? '/etc/hostname';

function expectCaptureError(fn: () => unknown, code: CaptureErrorCode): void {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(CaptureError);
    expect((e as CaptureError).code).to.equal(code);
    return;
  }
  expect.fail('expected a CaptureError');
}

describe('capture options', () => {
  it('defaults to q35, 512 MiB, one CPU, tpm-tis, the swtpm default banks and the Shell banner', () => {
    const o = resolveCaptureOptions({ code: CODE, vars: VARS });
    expect(o).to.deep.include({ machine: 'q35', smm: false, memoryMiB: 512, cpus: 1, tpmInterface: 'tis', banks: undefined, bootEnd: 'shell-banner' });
  });

  it('builds a QEMU command line with read-only code, the private vars copy, the TPM and no NIC', () => {
    const a = qemuArguments(resolveCaptureOptions({ code: CODE, vars: VARS, tpmInterface: 'crb', memoryMiB: 2048 }), PATHS).join(' ');
    expect(a).to.contain(`-drive if=pflash,format=raw,unit=0,readonly=on,file=${CODE}`);
    expect(a).to.contain(`-drive if=pflash,format=raw,unit=1,file=${PATHS.varsCopy}`);
    expect(a).to.contain('-device tpm-crb,tpmdev=tpm0');
    expect(a).to.contain(`-chardev socket,id=chrtpm,path=${PATHS.swtpmCtrl}`);
    expect(a).to.contain('-net none');
    expect(a).to.contain('-m 2048');
  });

  it('turns on SMM and the secure pflash property together', () => {
    const a = qemuArguments(resolveCaptureOptions({ code: CODE, vars: VARS, smm: true }), PATHS);
    expect(a.slice(0, 2)).to.deep.equal(['-machine', 'q35,smm=on']);
    expect(a.join(' ')).to.contain('-global driver=cfi.pflash01,property=secure,value=on');
  });

  it('takes S3 away with the PM device\'s disable_s3 (ICH9-LPC on q35, PIIX4_PM on pc), and only when asked', () => {
    const q35 = qemuArguments(resolveCaptureOptions({ code: CODE, vars: VARS, smm: true, s3: false }), PATHS).join(' ');
    expect(q35).to.contain('-global ICH9-LPC.disable_s3=1');
    const pc = qemuArguments(resolveCaptureOptions({ code: CODE, vars: VARS, machine: 'pc', s3: false }), PATHS).join(' ');
    expect(pc).to.contain('-global PIIX4_PM.disable_s3=1');
    expect(qemuArguments(resolveCaptureOptions({ code: CODE, vars: VARS, smm: true }), PATHS).join(' ')).to.not.contain('disable_s3');
  });

  it('passes a combined image with -bios', () => {
    const a = qemuArguments(resolveCaptureOptions({ bios: CODE, machine: 'pc' }), PATHS).join(' ');
    expect(a).to.contain(`-bios ${CODE}`);
    expect(a).to.not.contain('if=pflash');
  });

  it('rejects impossible combinations with BAD_OPTIONS', () => {
    expectCaptureError(() => resolveCaptureOptions({ code: CODE }), 'BAD_OPTIONS');
    expectCaptureError(() => resolveCaptureOptions({ bios: CODE, code: CODE, vars: VARS }), 'BAD_OPTIONS');
    expectCaptureError(() => resolveCaptureOptions({ code: CODE, vars: VARS, machine: 'pc', smm: true }), 'BAD_OPTIONS');
    expectCaptureError(() => resolveCaptureOptions({ code: '/nonexistent/code.fd', vars: VARS }), 'BAD_OPTIONS');
    expectCaptureError(() => resolveCaptureOptions({ code: CODE, vars: VARS, banks: [] }), 'BAD_OPTIONS');
    expectCaptureError(() => resolveCaptureOptions({ code: CODE, vars: VARS, memoryMiB: 0 }), 'BAD_OPTIONS');
  });
});

describe('guest RAM ranges (QEMU 7.2 pc_q35.c / pc_piix.c)', () => {
  it('keeps all RAM below 4 GiB up to 2.75 GiB on q35', () => {
    expect(ramRanges('q35', 2048)).to.deep.equal([[0, 0x80000000]]);
    expect(ramRanges('q35', 2815)).to.deep.equal([[0, 2815 * 0x100000]]);
  });

  it('splits q35 RAM at 2 GiB from 2.75 GiB on', () => {
    expect(ramRanges('q35', 4096)).to.deep.equal([[0, 0x80000000], [0x100000000, 0x180000000]]);
  });

  it('splits pc RAM at 3 GiB from 3.5 GiB on', () => {
    expect(ramRanges('pc', 512)).to.deep.equal([[0, 0x20000000]]);
    expect(ramRanges('pc', 4096)).to.deep.equal([[0, 0xc0000000], [0x100000000, 0x140000000]]);
  });
});
