/**
 * `predict` of an ArmVirtQemu image without --fw-cfg-from-qemu: the ACPI fw_cfg files QEMU 7.2
 * builds for the `virt` VM (@tcg2sim/qemu-acpi qemu72VirtAcpiFiles), for capture's VM (`-machine
 * virt -cpu cortex-a57`, tpm-tis-device) with the predicted RAM and CPUs, or a --qemu-cmdline
 * line's machine type, CPU model, -smp and gic-version. PCI devices (NICs, disks, AHCI) do not
 * change the tables on virt. A VM outside the model (another machine version or CPU model, an
 * -smp with several sockets, clusters or threads, …) is named, and the prediction is INCOMPLETE.
 */
import { QemuAcpiError, qemu72VirtAcpiFiles } from '@tcg2sim/qemu-acpi';
import type { Qemu72VirtVm } from '@tcg2sim/qemu-acpi';
import type { Scenario } from '@tcg2sim/platform-ovmf';
import type { VirtQemuOptions } from '@tcg2sim/qemu-config';
import type { ModelledFwCfg } from './fw-cfg-model.ts';

/** The machine types whose ACPI tables are QEMU 7.2's virt-7.2 (`virt` is its alias there). */
const VIRT_72_MACHINES: ReadonlySet<string> = new Set(['virt', 'virt-7.2']);

/** `-smp` as one socket, one cluster, one thread per core: the CPU count, or why not. */
function smpCpus(smp: string): number | string {
  const [first, ...props] = smp.split(',');
  const kv = new Map<string, string>();
  for (const p of props) {
    const [k, v] = p.split('=');
    if (k === undefined || v === undefined) return `-smp ${smp}`;
    kv.set(k, v);
  }
  const n = (k: string): number | undefined => (kv.has(k) ? Number(kv.get(k)) : undefined);
  const cpus = first !== undefined && first !== '' ? Number(first) : n('cpus');
  for (const k of kv.keys()) if (!['cpus', 'sockets', 'clusters', 'cores', 'threads', 'maxcpus'].includes(k)) return `-smp ${smp} (${k})`;
  if ((n('sockets') ?? 1) !== 1 || (n('clusters') ?? 1) !== 1 || (n('threads') ?? 1) !== 1) return `-smp ${smp} (more than one socket, cluster or thread: another PPTT)`;
  if (cpus === undefined || !Number.isInteger(cpus)) return `-smp ${smp}`;
  if ((n('cores') ?? cpus) !== cpus || (n('maxcpus') ?? cpus) !== cpus) return `-smp ${smp} (cores or maxcpus other than the CPU count)`;
  return cpus;
}

/** The VM the model builds for `s` on `virt` (undefined: capture's VM), or why it is not covered. */
export function modelledVirtVm(s: Pick<Scenario, 'memoryMiB' | 'cpus'>, virt?: VirtQemuOptions): Qemu72VirtVm | string {
  const machine = virt?.machine ?? 'virt';
  if (!VIRT_72_MACHINES.has(machine)) return `-machine ${machine} (QEMU 7.2's virt-7.2 is modelled)`;
  const cpu = virt?.cpu ?? 'cortex-a57';
  if (cpu !== 'cortex-a57' && cpu !== 'max') return `-cpu ${cpu}`;
  const cpus = virt !== undefined ? smpCpus(virt.smp) : s.cpus;
  if (typeof cpus === 'string') return cpus;
  const gic = virt?.gicVersion ?? '2';
  if (gic !== '2' && gic !== '3' && gic !== 'max') return `gic-version=${gic}`;
  // gic-version=max is GICv3 under TCG (QEMU 7.2)
  return { cpus, memoryMiB: s.memoryMiB, cpu, gicVersion: gic === '2' ? 2 : 3, tpm: true };
}

/** The modelled files for `s` on `virt`, or why they are not modelled. */
export function modelledVirtFwCfgFiles(s: Pick<Scenario, 'memoryMiB' | 'cpus'>, virt?: VirtQemuOptions): ModelledFwCfg {
  const vm = modelledVirtVm(s, virt);
  if (typeof vm === 'string') return { uncovered: vm };
  try {
    return {
      files: qemu72VirtAcpiFiles(vm),
      note: `QEMU 7.2's ACPI tables (modelled); --fw-cfg-from-qemu reads your QEMU's: -machine ${virt?.machine ?? 'virt'} (GICv${vm.gicVersion}) -cpu ${vm.cpu} -smp ${vm.cpus} -m ${vm.memoryMiB}, tpm-tis-device (PCI devices do not change virt's tables)`,
    };
  } catch (e) {
    if (e instanceof QemuAcpiError) return { uncovered: e.message };
    throw e;
  }
}
