/**
 * `predict --fw-cfg-from-qemu`: the fw_cfg files the installed QEMU builds for the predicted VM,
 * read through qtest (@tcg2sim/qemu-fwcfg; no firmware boot), for builds whose AcpiPlatformLib
 * measures QEMU's ACPI blobs. The VM is the one `tcg2sim capture` starts for the same flags:
 * machine (with smm=on for --smm), RAM, CPUs, the TPM device on an swtpm, `-net none` and one
 * serial port; QEMU's default devices otherwise. A VM with other devices builds other tables.
 * ArmVirtQemu images: the same on `qemu-system-aarch64 -M virt` (virtFwCfgFiles).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FwCfgError, OVMF_SMI_FEATURE_MASK, readQemuFwCfgFiles, readVirtFwCfgFiles } from '@tcg2sim/qemu-fwcfg';
import { SMM_ACCESS_PEI_FILE_GUID, firmwareChipsetFacts } from '@tcg2sim/platform-ovmf';
import { VIRT_FLASH_BANK_SIZE } from '@tcg2sim/qemu-vmm';
import { findFileByGuid } from '@tcg2sim/uefi';
import type { Scenario, SecOutput } from '@tcg2sim/platform-ovmf';
import type { VirtQemuOptions } from '@tcg2sim/qemu-config';
import { CommandFailure } from '../errors.ts';

/** The files, and a note saying where they came from. */
export interface VmFwCfgFiles {
  readonly files: ReadonlyMap<string, Uint8Array>;
  readonly note: string;
}

/** The QEMU options of the scenario's VM that decide its ACPI tables. */
export function vmArguments(s: Scenario, swtpmSocket: string): string[] {
  const smp = s.maxCpus !== undefined ? `${s.cpus},maxcpus=${s.maxCpus}` : String(s.cpus);
  return [
    '-machine', s.smm ? `${s.machine},smm=on` : s.machine, '-m', String(s.memoryMiB), '-smp', smp,
    '-chardev', `socket,id=chrtpm,path=${swtpmSocket}`, '-tpmdev', 'emulator,id=tpm0,chardev=chrtpm', '-device', `tpm-${s.tpmInterface},tpmdev=tpm0`,
    '-net', 'none', '-serial', 'null',
  ];
}

/** Runs `read` with the control socket of a fresh swtpm (the VM's TPM device needs one), then ends it. */
async function withSwtpm<T>(read: (socket: string, dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'tcg2sim-fwcfg-'));
  const sock = join(dir, 'swtpm-ctrl.sock');
  const swtpm = spawn('swtpm', ['socket', '--tpm2', '--tpmstate', `dir=${dir}`, '--ctrl', `type=unixio,path=${sock}`, '--flags', 'not-need-init'], { stdio: 'ignore' });
  const spawnError = new Promise<never>((_, reject) => swtpm.once('error', (e) => reject(new CommandFailure(`--fw-cfg-from-qemu: cannot start swtpm: ${e.message}`))));
  spawnError.catch(() => undefined);
  try {
    for (let i = 0; i < 250 && !existsSync(sock); i++) await Promise.race([new Promise((r) => setTimeout(r, 20)), spawnError]);
    if (!existsSync(sock)) throw new CommandFailure('--fw-cfg-from-qemu: swtpm did not open its control socket');
    return await read(sock, dir);
  } catch (e) {
    if (e instanceof FwCfgError) throw new CommandFailure(`--fw-cfg-from-qemu: ${e.message}`, { cause: e });
    throw e;
  } finally {
    swtpm.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Starts an swtpm and QEMU under qtest for the scenario's VM and reads its fw_cfg files. */
export async function vmFwCfgFiles(s: Scenario, sec: SecOutput): Promise<VmFwCfgFiles> {
  return withSwtpm(async (sock) => {
    const chipset = firmwareChipsetFacts(sec.peiFv, s.machine);
    // SMM builds negotiate QEMU's SMI features first (broadcast, CPU hotplug and hot-unplug: OvmfPkg
    // SmiFeatures.c), which changes the CPU hotplug AML.
    const smmBuild = s.smm && findFileByGuid(sec.peiFv.volume, SMM_ACCESS_PEI_FILE_GUID) !== undefined;
    const files = await readQemuFwCfgFiles({ machine: s.machine, chipset, args: vmArguments(s, sock), ...(smmBuild ? { smiFeatureMask: OVMF_SMI_FEATURE_MASK } : {}) });
    return { files, note: `ACPI blobs ("ACPI DATA") read from qemu-system-x86_64 under qtest for -machine ${s.machine}${s.smm ? ',smm=on' : ''} -m ${s.memoryMiB}, tpm-${s.tpmInterface}, -net none, one serial port (${chipset.evidence}${smmBuild ? '; SMI features negotiated as OVMF does' : ''})` };
  });
}

/**
 * The same for an ArmVirtQemu image on `qemu-system-aarch64 -M virt` (capture's VM, virtQemuArguments,
 * without its QMP and console). pflash unit 0 must hold a 64 MiB image, as on a real boot: QEMU's
 * DSDT differs when the bank is empty (docs/armvirt.md §8); what the image holds does not matter
 * (no guest code runs under -S), so a sparse blank file stands in for it.
 */
export async function virtFwCfgFiles(s: Pick<Scenario, 'memoryMiB' | 'cpus'>, virt?: VirtQemuOptions): Promise<VmFwCfgFiles> {
  const v = virt ?? { machine: 'virt', cpu: 'cortex-a57', smp: String(s.cpus) };
  return withSwtpm(async (sock, dir) => {
    const flash = join(dir, 'pflash0.fd');
    writeFileSync(flash, new Uint8Array());
    truncateSync(flash, VIRT_FLASH_BANK_SIZE);
    const args = [
      '-machine', v.machine, '-cpu', v.cpu, '-m', String(s.memoryMiB), '-smp', v.smp,
      '-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${flash}`,
      '-chardev', `socket,id=chrtpm,path=${sock}`, '-tpmdev', 'emulator,id=tpm0,chardev=chrtpm', '-device', 'tpm-tis-device,tpmdev=tpm0',
      '-net', 'none', '-serial', 'null',
    ];
    const files = await readVirtFwCfgFiles({ args });
    return { files, note: `ACPI blobs ("ACPI DATA") read from qemu-system-aarch64 under qtest for -machine ${v.machine} -cpu ${v.cpu} -m ${s.memoryMiB} -smp ${v.smp}, pflash unit 0 present, tpm-tis-device, -net none` };
  });
}
