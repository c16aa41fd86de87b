import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromHex, toHex } from '@tcg2sim/binary-codec';
import { decodeEventLog, diffEventLogs } from '@tcg2sim/event-log';
import { hashAlgInfo } from '@tcg2sim/hash-lib';
import { SoftTpmBackend, SwtpmBackend } from '@tcg2sim/tpm-backends';
import type { TpmBackend } from '@tcg2sim/tpm-backends';
import { MachineDescription, predict } from '@tcg2sim/platform-ovmf';
import type { Prediction } from '@tcg2sim/platform-ovmf';
import { DEFAULT_ROM_DIRS, qemuNics } from '@tcg2sim/qemu-vmm';
import { setVariable } from '@tcg2sim/uefi';
import { OVMF_DIR, requirePrerequisites } from '@tcg2sim/test-support';
import { NIC_VIRTIO_NET_STORE_AFTER_BOOT } from './vectors/ovmf-2022.11-nic-store.ts';
import {
  NIC_CRB_E1000E_LOG_HEX, NIC_CRB_E1000E_PCRS, NIC_PC_E1000_LOG_HEX, NIC_PC_E1000_PCRS, NIC_2MB_VIRTIO_NET_LOG_HEX, NIC_2MB_VIRTIO_NET_PCRS, NIC_E1000_SHA256_LOG_HEX, NIC_E1000_SHA256_PCRS, NIC_E1000E_2048_LOG_HEX, NIC_E1000E_2048_PCRS, NIC_VIRTIO_NET_SECOND_BOOT_LOG_HEX, NIC_VIRTIO_NET_SECOND_BOOT_PCRS, NIC_E1000E_LOG_HEX, NIC_E1000E_PCRS, NIC_E1000_LOG_HEX, NIC_E1000_PCRS, NIC_PC_VIRTIO_NET_LOG_HEX, NIC_PC_VIRTIO_NET_PCRS, NIC_VIRTIO_E1000E_LOG_HEX,
  NIC_VIRTIO_E1000E_PCRS, NIC_VIRTIO_NET_LOG_HEX, NIC_VIRTIO_NET_PCRS,
} from './vectors/ovmf-2022.11-nic.ts';

const CODE = join(OVMF_DIR, 'OVMF_CODE_4M.fd');
const VARS = join(OVMF_DIR, 'OVMF_VARS_4M.fd');
const ROM_DIR = DEFAULT_ROM_DIRS[DEFAULT_ROM_DIRS.length - 1] ?? '/usr/lib/ipxe/qemu';

const CASES = [
  { machine: 'q35', models: ['virtio-net-pci'], roms: ['efi-virtio.rom'], log: NIC_VIRTIO_NET_LOG_HEX, pcrs: NIC_VIRTIO_NET_PCRS },
  { machine: 'q35', models: ['e1000e'], roms: ['efi-e1000e.rom'], log: NIC_E1000E_LOG_HEX, pcrs: NIC_E1000E_PCRS },
  { machine: 'q35', models: ['e1000'], roms: ['efi-e1000.rom'], log: NIC_E1000_LOG_HEX, pcrs: NIC_E1000_PCRS },
  { machine: 'pc', models: ['virtio-net-pci'], roms: ['efi-virtio.rom'], log: NIC_PC_VIRTIO_NET_LOG_HEX, pcrs: NIC_PC_VIRTIO_NET_PCRS },
  // Not calibrated on: the values above predicted these.
  { machine: 'pc', models: ['e1000'], roms: ['efi-e1000.rom'], log: NIC_PC_E1000_LOG_HEX, pcrs: NIC_PC_E1000_PCRS },
  { machine: 'q35', tpmInterface: 'crb', models: ['e1000e'], roms: ['efi-e1000e.rom'], log: NIC_CRB_E1000E_LOG_HEX, pcrs: NIC_CRB_E1000E_PCRS },
  { machine: 'q35', memoryMiB: 2048, models: ['e1000e'], roms: ['efi-e1000e.rom'], log: NIC_E1000E_2048_LOG_HEX, pcrs: NIC_E1000E_2048_PCRS },
  { machine: 'q35', banks: ['sha256'], models: ['e1000'], roms: ['efi-e1000.rom'], log: NIC_E1000_SHA256_LOG_HEX, pcrs: NIC_E1000_SHA256_PCRS },
  {
    machine: 'q35', code: 'OVMF_CODE.fd', vars: 'OVMF_VARS.fd', models: ['virtio-net-pci'], roms: ['efi-virtio.rom'], log: NIC_2MB_VIRTIO_NET_LOG_HEX, pcrs: NIC_2MB_VIRTIO_NET_PCRS,
  },
  {
    machine: 'q35', models: ['virtio-net-pci', 'e1000e'], roms: ['efi-virtio.rom', 'efi-e1000e.rom'], log: NIC_VIRTIO_E1000E_LOG_HEX, pcrs: NIC_VIRTIO_E1000E_PCRS,
  },
] as const;

interface NicVm {
  readonly machine: 'q35' | 'pc';
  /** OVMF_CODE*.fd and OVMF_VARS*.fd in OVMF_DIR (default the 4 MB pair). */
  readonly code?: string;
  readonly vars?: string;
  readonly banks?: readonly ('sha1' | 'sha256' | 'sha384' | 'sha512')[];
  readonly memoryMiB?: number;
  readonly tpmInterface?: 'tis' | 'crb';
  readonly models: readonly string[];
  /** The variable store's contents; default a fresh copy of `vars`. */
  readonly store?: Uint8Array;
}

async function predictNic(vm: NicVm, backend: TpmBackend): Promise<Prediction> {
  const { machine, models } = vm;
  try {
    return await predict({
      code: new Uint8Array(readFileSync(join(OVMF_DIR, vm.code ?? 'OVMF_CODE_4M.fd'))),
      vars: vm.store ?? new Uint8Array(readFileSync(join(OVMF_DIR, vm.vars ?? 'OVMF_VARS_4M.fd'))),
      machine: MachineDescription.parse({ machine, memoryMiB: vm.memoryMiB ?? 512 }),
      tpmInterface: vm.tpmInterface ?? 'tis',
      backend,
      nics: qemuNics(machine, models),
    });
  } finally {
    await backend.close();
  }
}

function expectCaptured(p: Prediction, log: string, pcrs: Readonly<Record<string, Readonly<Record<string, string>>>>): void {
  const real = fromHex(log);
  if (toHex(p.boot.eventLog) !== log) {
    // The first difference, named, before the byte comparison fails.
    expect(diffEventLogs(decodeEventLog(real), p.log).divergence).to.equal(undefined);
  }
  expect(toHex(p.boot.eventLog)).to.equal(log);
  expect(p.mismatches).to.deep.equal([]);
  const got: Record<string, Record<string, string>> = {};
  for (const [alg, m] of p.tpmPcrs) got[hashAlgInfo(alg).name] = Object.fromEntries([...m].map(([i, v]) => [String(i), toHex(v)]));
  expect(got).to.deep.equal(pcrs);
}

// Exactness against real boots: the whole event log byte for byte (every event with its data,
// ImageLocationInMemory included: the NIC allocator model is calibrated on these same captures,
// see nic-image-buffer.ts) and PCR 0-7 of all four banks as the TPM held them after the boot.
describe('prediction with NICs = real OVMF 2022.11 boots (tpm-tis and crb; q35 and pc, one or two NICs, 512 and 2048 MiB, 4 MB and 2 MB builds)', function () {
  this.timeout(600_000);

  for (const c of CASES) {
    const shape = [c.machine, 'code' in c ? c.code : '', 'memoryMiB' in c ? `${c.memoryMiB} MiB` : '', 'banks' in c ? c.banks.join('+') : '', 'tpmInterface' in c ? c.tpmInterface : ''].filter((x) => x !== '');
    it(`${shape.join(' ')} ${c.models.map((m) => `--nic ${m}`).join(' ')}: the captured event log byte for byte and PCR 0-7 in every bank (soft TPM)`, async function () {
      const firmware = [join(OVMF_DIR, 'code' in c ? c.code : 'OVMF_CODE_4M.fd'), join(OVMF_DIR, 'vars' in c ? c.vars : 'OVMF_VARS_4M.fd')];
      requirePrerequisites(this, { files: [...firmware, ...c.roms.map((r) => join(ROM_DIR, r))], hint: 'apt-get install -y ovmf ipxe-qemu' });
      const p = await predictNic(c, new SoftTpmBackend('banks' in c ? { banks: c.banks } : {}));
      expectCaptured(p, c.log, c.pcrs);
      expect(p.boot.notes).to.include('option ROM and Shell buffer addresses with NICs: calibrated for this build and machine');
    });
  }

  it('q35 --nic virtio-net-pci: the same with swtpm (libtpms) as the TPM', async function () {
    requirePrerequisites(this, { tools: ['swtpm', 'swtpm_setup'], files: [CODE, VARS, join(ROM_DIR, 'efi-virtio.rom')] });
    const p = await predictNic({ machine: 'q35', models: ['virtio-net-pci'] }, await SwtpmBackend.start());
    expectCaptured(p, NIC_VIRTIO_NET_LOG_HEX, NIC_VIRTIO_NET_PCRS);
  });

  it('q35 --nic virtio-net-pci, second boot from the store the first left: byte for byte and PCR 0-7 (stored boot options)', async function () {
    requirePrerequisites(this, { files: [CODE, VARS, join(ROM_DIR, 'efi-virtio.rom')], hint: 'apt-get install -y ovmf ipxe-qemu' });
    const vars = new Uint8Array(readFileSync(VARS));
    for (const v of NIC_VIRTIO_NET_STORE_AFTER_BOOT) setVariable(vars, { name: v.name, guid: v.guid, attributes: v.attributes, data: fromHex(v.data) });
    const p = await predictNic({ machine: 'q35', models: ['virtio-net-pci'], store: vars }, new SoftTpmBackend({}));
    expectCaptured(p, NIC_VIRTIO_NET_SECOND_BOOT_LOG_HEX, NIC_VIRTIO_NET_SECOND_BOOT_PCRS);
    expect(p.boot.notes).to.include('BDS: boot options from the variable store: BootOrder 0000,0001,0002,0003,0004,0005,0006,0007');
  });
});
