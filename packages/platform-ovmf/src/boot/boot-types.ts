/** The inputs and the result of one simulated boot (boot.ts simulateBoot). */
import type { DiskBootLoader } from '@tcg2sim/uefi';
import type { Tcg2PeiResult } from '@tcg2sim/tcg2-pei';
import type { Tcg2ConfigResult } from '@tcg2sim/tcg2-config';
import type { TpmBackend } from '@tcg2sim/tpm-backends';
import type { Clock } from '@tcg2sim/ptp';
import type { MachineDescription } from '../machine.ts';
import type { SecOutput } from '../sec.ts';
import type { MeasuredPeiFv } from '../platform-pei/peifv.ts';
import type { BootDigests } from './boot-digests.ts';
import type { DxeTpmFacts } from './dxe-entry.ts';
import type { DiskInterface, DiskPlacement } from './disk-interfaces.ts';
import type { ImageBufferContext } from './image-buffer.ts';
import type { PciNic } from './pci-option-roms.ts';
import type { PlatformDevice } from './device-footprints.ts';
import type { TpmExchange, TpmInterface } from './tpm-stack.ts';
import type { DispatchedModule } from './modules/unit.ts';

/** Inputs of one simulated boot. */
export interface BootInput {
  /** OVMF_CODE*.fd (or a combined image whose code part holds FVMAIN_COMPACT). */
  readonly code: Uint8Array;
  /** The variable store image (OVMF_VARS*.fd), or undefined for an empty store. */
  readonly vars?: Uint8Array | undefined;
  readonly machine: MachineDescription;
  readonly tpmInterface: TpmInterface;
  readonly backend: TpmBackend;
  readonly clock?: Clock;
  /**
   * Address of the BDS pool buffer holding a loaded PE file (EFI_IMAGE_LOAD_EVENT
   * ImageLocationInMemory): run-specific allocator state. Defaults to {@link imageBufferAddress}.
   */
  readonly imageBufferAddress?: (ctx: ImageBufferContext) => bigint;
  /** Random bytes for RDRAND consumers (the platform auth); default node:crypto. */
  readonly random?: (n: number) => Uint8Array;
  /**
   * A raw GPT disk attached as QEMU's `-drive if=virtio,format=raw` (its loader already found,
   * see findDiskBootLoader): BDS gets a "UEFI Misc Device" option for it.
   */
  readonly disk?: DiskBootLoader;
  /** How `disk` is attached (`--disk-interface`, default virtio; see disk-interfaces.ts). */
  readonly diskInterface?: DiskInterface;
  /** Where `disk`'s controller sits (explicit bus/addr, root ports); default QEMU's first free slot. */
  readonly diskPlacement?: DiskPlacement;
  /** `bootindex=` on `disk`'s device (with the other devices' bootIndex: QEMU's bootorder file, boot-order-devices.ts). */
  readonly diskBootIndex?: number;
  /**
   * Disks attached after `disk`, in command-line order: BDS registers an option for each and
   * tries them in its own order (diskOptions: PCI slot order), so one of these may boot first.
   */
  readonly moreDisks?: readonly { readonly loader: DiskBootLoader; readonly diskInterface?: DiskInterface; readonly placement?: DiskPlacement; readonly bootIndex?: number }[];
  /**
   * NICs (on PCI bus 0, or behind bridges: `pciPath`) with their option ROM BARs (`-netdev user -device MODEL`, see
   * @tcg2sim/qemu-vmm): PciBus loads and measures their ROM drivers, BDS adds their network
   * boot options (pci-option-roms.ts, bds-network.ts).
   */
  readonly nics?: readonly PciNic[];
  /**
   * The VM's other PCI devices (root ports, bridges, USB controllers, virtio-serial, balloon,
   * rng, explicit displays): their drivers' allocations move boot-file buffers (device-footprints.ts).
   */
  readonly devices?: readonly PlatformDevice[];
  /**
   * QEMU's `bootorder` fw_cfg file (what `bootindex=` on the devices makes QEMU pass; build it with
   * @tcg2sim/qemu-vmm qemuBootOrderFile): BDS connects only the devices it names and
   * SetBootOrderFromQemu rewrites BootOrder (boot-order-apply.ts). Absent: made from the devices'
   * bootIndex (`diskBootIndex`, `moreDisks[].bootIndex`, `nics[].bootIndex`); empty: no bootindex.
   */
  readonly qemuBootOrder?: Uint8Array;
  /** `-boot strict=on` (libvirt's): the bootorder file made from bootIndex ends in HALT. */
  readonly bootStrict?: boolean;
  /**
   * Which Tcg2ConfigPei runs: `ovmf` (default: OvmfPkg's Tcg12ConfigPei, what Debian's image
   * contains; no variables) or `generic` (SecurityPkg's, reading TCG2_CONFIGURATION and, on S3
   * resume only, TCG2_DEVICE_DETECTION from the store): a what-if for platforms built with it.
   */
  readonly tcg2Config?: 'ovmf' | 'generic';
  /** PcdTpmAutoDetection for the generic variant (default TRUE, the SecurityPkg.dec default). */
  readonly tpmAutoDetection?: boolean;
  /**
   * SEC's output for `code` when the caller already started it (`decompressMemFvsAsync(code)`,
   * e.g. while it was still loading code); by default the boot starts it itself.
   */
  readonly sec?: Promise<SecOutput>;
  /**
   * Hash DXEFV's SHA-1 and SHA-512 on a worker thread (DigestWorker) while the main thread
   * hashes the other banks: the same digests, less wall time on a machine with an idle core, a
   * thread start-up and a 13 MiB copy more CPU. Default false.
   */
  readonly digestWorker?: boolean;
  /** A memo shared by boots with the same `sec` (a matrix): DXEFV hashed once per bank. */
  readonly digests?: BootDigests;
  /** PcdFirmwareVersionString (EV_S_CRTM_VERSION); default: read from the image's Tcg2Pei. */
  readonly firmwareVersion?: string;
  /**
   * The edk2-stable release (YYYYMM) that decides BDS behaviour neither BdsDxe's code nor
   * PcdFirmwareVersionString shows (platform-pei/bds-behaviour.ts); default: read from the image.
   */
  readonly edk2Release?: number;
  /**
   * QEMU's fw_cfg files for this VM (name → contents; at least etc/table-loader and the blobs
   * it allocates), e.g. read with @tcg2sim/qemu-fwcfg: builds whose AcpiPlatformLib measures
   * them ("ACPI DATA", edk2-stable202302 and later) get those PCR1 events. Without them such a
   * build's prediction lacks the events (see unmodelledMeasurements).
   */
  readonly fwCfgFiles?: ReadonlyMap<string, Uint8Array>;
}

/** What a simulated boot produced. */
export interface BootResult {
  /** The TCG_2 (crypto-agile) log as Tcg2Dxe's area holds it: the used bytes. */
  readonly eventLog: Uint8Array;
  /** The TCG 1.2 log when SHA1 is active. */
  readonly tcg12Log: Uint8Array | undefined;
  /** EFI_TCG2_FINAL_EVENTS_TABLE bytes (header + records). */
  readonly finalEvents: Uint8Array;
  readonly config: Tcg2ConfigResult;
  readonly pei: Tcg2PeiResult | undefined;
  readonly dxeFacts: DxeTpmFacts | undefined;
  readonly measuredPeiFv: MeasuredPeiFv;
  readonly sec: SecOutput;
  /** Every TPM command the firmware modules sent through the device library. */
  readonly exchanges: readonly TpmExchange[];
  /** What happened, step by step (boot attempts, decisions, model notes). */
  readonly notes: readonly string[];
  /** Where the prediction stops. */
  readonly endState: string;
  /** True when AcpiPlatformLib's "ACPI DATA" events were predicted (from `fwCfgFiles`). */
  readonly acpiDataMeasured?: boolean;
  /** True when SmbiosMeasurementDxe's SMBIOS event was predicted (from `fwCfgFiles`). */
  readonly smbiosMeasured?: boolean;
  /**
   * BDS behaviour this prediction depends on that the image does not show (assumed as in
   * edk2-stable202211; BootInput.edk2Release decides it): the prediction may be wrong there.
   */
  readonly bdsAssumed?: string;
  /**
   * The image has no module that measures for this TPM (a build without TPM2_ENABLE: no Tcg2Pei,
   * Tcg2Dxe, TcgPei, TcgDxe; or one whose PcdTpmInstanceGuid names no TPM): the real boot sends
   * no measurement and publishes no TCG2 log, so the empty log is the exact prediction.
   */
  readonly measuresNothing?: true;
  /**
   * What of this image's boot is not modelled (a module combination no OvmfPkg build has,
   * modules/unmeasured.ts, dxe-dispatch.ts): the prediction may be wrong there.
   */
  readonly unmodelled?: string;
  /**
   * The simulated modules in dispatch order (boot/modules/), each with whether its step ran for
   * this image and the evidence (its module in PEIFV/DXEFV, or not).
   */
  readonly dispatched?: readonly DispatchedModule[];
}

