import { expect } from 'chai';
import fc from 'fast-check';
import { QemuConfigError, mapToPredict, parseQemuCommandLine } from '@tcg2sim/qemu-config';
import { domainToQemuCommand } from '@tcg2sim/qemu-config/libvirt';

/** Runs `f`; anything but a QemuConfigError fails the property. */
function typedOrOk(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof QemuConfigError)) throw e;
    expect(e.message.length).to.be.greaterThan(0);
  }
}

const OPTION = fc.constantFrom('-machine', '-m', '-smp', '-cpu', '-global', '-drive', '-blockdev', '-device', '-netdev', '-nic', '-net', '-boot', '-fw_cfg', '-tpmdev', '-bios', '-vga', '-object', '-nodefaults', '-chardev', '-kernel', '-accel', '-bogus');
const VALUE = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('q35', 'pc-q35-7.2,smm=on', 'pc', '2G', 'size=1024M', '2,maxcpus=1', 'if=virtio,file=/a', 'if=pflash,unit=1,file=/v', 'virtio-blk-pci,bus=pci.9', 'e1000e,addr=0x1f',
    'pcie-root-port,id=rp,addr=0x3', 'VGA,bus=rp,addr=0x2', '{"driver":"virtio-net-pci","addr":"0x2.0x9"}', '{"driver":', '{"node-name":"n","driver":"raw","file":"n"}', 'tpm-crb,tpmdev=t', 'emulator,id=t', 'a,,b,=,', ',,,'),
);

describe('hostile input (fast-check): a description or a typed error, never a crash', () => {
  it('random option sequences', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(OPTION, VALUE), { maxLength: 12 }), (opts) => {
        const line = ['qemu-system-x86_64', ...opts.flatMap(([o, v]) => [o, `'${v.replaceAll("'", "'\\''")}'`])].join(' ');
        typedOrOk(() => mapToPredict(parseQemuCommandLine(line)));
      }),
      { numRuns: 2000 },
    );
  });

  it('random text as a command line', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => typedOrOk(() => parseQemuCommandLine(s))), { numRuns: 2000 });
  });

  it('random text and mutated domains as libvirt XML', () => {
    const base = "<domain type='kvm'><name>v</name><memory unit='MiB'>1024</memory><vcpu>2</vcpu><os><type machine='q35'>hvm</type><loader type='pflash'>/c.fd</loader></os><devices><disk type='file'><source file='/d'/><target dev='vda' bus='virtio'/></disk><interface type='user'><model type='virtio'/></interface><tpm model='tpm-crb'><backend type='emulator'/></tpm></devices></domain>";
    fc.assert(
      fc.property(fc.string({ maxLength: 100 }), fc.nat(base.length), fc.nat(20), (ins, at, del) => {
        typedOrOk(() => domainToQemuCommand(ins));
        typedOrOk(() => mapToPredict(parseQemuCommandLine(['q', ...domainToQemuCommand(base.slice(0, at) + ins + base.slice(at + del)).args.map((w) => `'${w.text.replaceAll("'", "'\\''")}'`)].join(' '))));
      }),
      { numRuns: 1500 },
    );
  });
});
