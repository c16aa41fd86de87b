import { DecodeError, encode } from '@tcg2sim/binary-codec';
import { EV, uefiImageLoadEvent } from '@tcg2sim/event-log';
import { IMAGE_SUBSYSTEM, efiImageInfo, peImageDigests } from '@tcg2sim/uefi';
import type { BankDigest, TpmAlgHash } from '@tcg2sim/hash-lib';
import type { EfiImageInfo } from '@tcg2sim/uefi';
import { EFI_TCG2_FLAG } from './capability.ts';
import type { EfiStatus } from './efi-status.ts';
import type { Tcg2Dxe } from './tcg2-dxe.ts';

/** Where LoadImage's file came from, as the security handler discovers it from the device path. */
export type ImageOrigin =
  /** FirmwareVolumeBlock located on the path. `isVolume`: the path is the FV itself. */
  | { readonly kind: 'fv'; readonly rootFvBase: bigint; readonly isVolume?: boolean }
  /** Disk, network, PCI option ROM: anything not in a firmware volume. */
  | { readonly kind: 'other' };

/** The GPT of the disk an image comes from (when the path has an HD() node with MBRType 2). */
export interface GptDisk {
  /** EFI_PARTITION_TABLE_HEADER as read from LBA 1 (at least 92 bytes). */
  readonly header: Uint8Array;
  /** SizeOfPartitionEntry. */
  readonly sizeOfPartitionEntry: number;
  /** The partition entries in table order, each SizeOfPartitionEntry bytes. */
  readonly entries: readonly Uint8Array[];
}

/** One Security2 FileAuthentication call made by LoadImage. */
export interface ImageLoad {
  /** The File device path as LoadImage got it (end node included), or undefined for NULL. */
  readonly devicePath: Uint8Array | undefined;
  /** The file buffer (the raw PE file). */
  readonly fileBuffer: Uint8Array | undefined;
  /** Address of that buffer in memory (run-specific: the BDS pool allocation). */
  readonly bufferAddress: bigint;
  readonly origin: ImageOrigin;
  readonly gpt?: GptDisk;
}

/**
 * DxeTpm2MeasureBootLib's Security2 handler (docs/edk2-dxe.md §8): GPT once (PCR5), then PE
 * images not from a PEI-measured FV (drivers PCR2, applications PCR4); from a measured FV only
 * applications. `measuredFvBases` are the BlobBase values of gMeasuredFvHobGuid (undefined when
 * the HOB is absent).
 */
export class MeasureBootHandler {
  readonly #measuredFvBases: readonly bigint[] | undefined;
  #gptMeasured = false;
  readonly #uintnSize: number;
  readonly #peDigests: (image: Uint8Array, algs: readonly TpmAlgHash[]) => BankDigest[];

  /**
   * `peDigests`: the Authenticode digests of a PE file (default @tcg2sim/uefi's peImageDigests);
   * a caller booting the same image many times passes a memo of it. Throws DecodeError for an
   * image EDK II's loader refuses.
   */
  constructor(
    measuredFvBases: readonly bigint[] | undefined,
    uintnSize = 2,
    peDigests: (image: Uint8Array, algs: readonly TpmAlgHash[]) => BankDigest[] = peImageDigests
  ) {
    this.#measuredFvBases = measuredFvBases;
    this.#uintnSize = uintnSize;
    this.#peDigests = peDigests;
  }

  /** FileAuthentication: the status LoadImage sees. */
  async fileAuthentication(dxe: Tcg2Dxe, load: ImageLoad): Promise<EfiStatus> {
    if (!dxe.tpmPresent) return 'EFI_SUCCESS';
    if (load.gpt !== undefined && !this.#gptMeasured) {
      const st = await this.#measureGpt(dxe, load.gpt);
      if (st === 'EFI_SUCCESS') this.#gptMeasured = true;
    }
    let applicationRequired = false;
    if (load.origin.kind === 'fv') {
      if (load.origin.isVolume === true) return 'EFI_SUCCESS';
      applicationRequired = true;
      if (this.#measuredFvBases !== undefined) {
        applicationRequired = this.#measuredFvBases.includes(load.origin.rootFvBase);
      }
    }
    if (load.fileBuffer === undefined) return 'EFI_SECURITY_VIOLATION';
    let info: EfiImageInfo;
    try {
      info = efiImageInfo(load.fileBuffer);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      return load.devicePath === undefined ? 'EFI_ACCESS_DENIED' : 'EFI_UNSUPPORTED';
    }
    if (applicationRequired && info.subsystem !== IMAGE_SUBSYSTEM.EFI_APPLICATION) return 'EFI_SUCCESS';
    const st = await this.#measurePeImage(dxe, load, info);
    return st === 'EFI_VOLUME_FULL' ? 'EFI_SUCCESS' : st;
  }

  async #measurePeImage(dxe: Tcg2Dxe, load: ImageLoad, info: EfiImageInfo): Promise<EfiStatus> {
    let pcr: number;
    let type: number;
    switch (info.subsystem) {
      case IMAGE_SUBSYSTEM.EFI_APPLICATION:
        pcr = 4;
        type = EV.EFI_BOOT_SERVICES_APPLICATION;
        break;
      case IMAGE_SUBSYSTEM.EFI_BOOT_SERVICE_DRIVER:
        pcr = 2;
        type = EV.EFI_BOOT_SERVICES_DRIVER;
        break;
      case IMAGE_SUBSYSTEM.EFI_RUNTIME_DRIVER:
        pcr = 2;
        type = EV.EFI_RUNTIME_SERVICES_DRIVER;
        break;
      default:
        return 'EFI_UNSUPPORTED';
    }
    const file = load.fileBuffer ?? new Uint8Array();
    const path = load.devicePath ?? new Uint8Array();
    const data = encode(uefiImageLoadEvent(this.#uintnSize), {
      imageLocationInMemory: load.bufferAddress,
      imageLengthInMemory: BigInt(file.length),
      imageLinkTimeAddress: info.imageAddress,
      lengthOfDevicePath: BigInt(path.length),
      devicePath: path,
    });
    return dxe.hashLogExtendEvent(EFI_TCG2_FLAG.PE_COFF_IMAGE, file, { pcrIndex: pcr, eventType: type, eventData: data }, (img, algs) => {
      try {
        return this.#peDigests(img, algs);
      } catch (e) {
        // An image EDK II's loader refuses (DecodeError): EFI_UNSUPPORTED, nothing extended.
        if (!(e instanceof DecodeError)) throw e;
        return undefined;
      }
    });
  }

  /** Tcg2MeasureGptTable: header (92 bytes) + UINTN count + the non-empty entries. */
  async #measureGpt(dxe: Tcg2Dxe, gpt: GptDisk): Promise<EfiStatus> {
    if (gpt.sizeOfPartitionEntry === 0 || gpt.header.length < 92) return 'EFI_UNSUPPORTED';
    const used = gpt.entries.filter((e) => e.subarray(0, 16).some((b) => b !== 0));
    const n = this.#uintnSize === 1 ? 4 : 8;
    const data = new Uint8Array(92 + n + used.length * gpt.sizeOfPartitionEntry);
    data.set(gpt.header.subarray(0, 92));
    const view = new DataView(data.buffer);
    if (n === 8) view.setBigUint64(92, BigInt(used.length), true);
    else view.setUint32(92, used.length, true);
    used.forEach((e, i) => data.set(e.subarray(0, gpt.sizeOfPartitionEntry), 92 + n + i * gpt.sizeOfPartitionEntry));
    return dxe.hashLogExtend(5, EV.EFI_GPT_EVENT, data, data);
  }
}
