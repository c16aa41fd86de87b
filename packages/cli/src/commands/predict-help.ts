/** What `tcg2sim predict --help` adds after the options (no imports: predict.ts loads it at start-up). */

/** `predict --help`: every field of the `--json` output. */
export const PREDICT_JSON_HELP = `
JSON fields (--json):
  firmware    the firmware files the prediction booted (or the embedded default)
  complete    false when the build measures something tcg2sim does not model (an INCOMPLETE note
              says what; tcg2sim profile shows the image's facts)
  endState    where the simulated boot stopped (e.g. started Boot0002 "EFI Internal Shell")
  pcrs        PCRs replayed from the predicted log: {bank: {index: hex}}
  tpmPcrs     PCR 0-7 the simulated TPM holds afterwards: {bank: {index: hex}} (a build without
              TPM2_ENABLE never starts the TPM: read after TPM2_Startup(CLEAR), all zero)
  mismatches  [{bank, pcr, replayed, tpm}]: PCRs where pcrs and tpmPcrs disagree (exit 1)
  events      [{index, offset, pcrIndex, eventType, digests: {bank: hex}, eventData (hex),
              decoded: {kind, value} | decodeError: {code, offset, path}}], as eventlog --json
  notes       what the CLI and the simulated boot noted (assumptions, boot attempts, models)
`;

/** `predict --help`: which firmware is predicted exactly, and what is read versus modelled. */
export const PREDICT_SUPPORT_HELP = `
Firmware predicted exactly (event log and PCRs 0-7 against real QEMU 7.2 + swtpm boots):
  Debian 12's OVMF, edk2-stable202211: X64 OVMF_CODE(.secboot).fd, OVMF_CODE_4M(.secboot).fd,
    the combined OVMF.fd, with and without SMM and Secure Boot; IA32 OVMF32_CODE_4M.secboot.fd
  Debian 13's OVMF_CODE_4M.fd, edk2-stable202502: its ACPI data QEMU 7.2's, modelled for the VM
    capture starts (q35/pc, RAM, CPUs, TIS/CRB, SMM, disks, NICs), else read with --fw-cfg-from-qemu
  Debian 12's ArmVirtQemu AAVMF_CODE.fd (qemu-efi-aarch64, 2022.11) on qemu-system-aarch64
    -M virt with tpm-tis-device: recognised from the image (AArch64 SEC), docs/armvirt.md
  Debian 13's AAVMF_CODE.secboot.fd, 2025.02, and sid's AAVMF_CODE.secboot(.strictnx).fd,
    2026.08: the virt machine's ACPI data QEMU 7.2's, modelled (virt/virt-7.2, -cpu cortex-a57|max,
    -smp N on one socket, gic-version=2|3|max, any RAM up to 254 GiB, tpm-tis-device), else read
    from qemu-system-aarch64 with --fw-cfg-from-qemu;
    --qemu-cmdline takes a "qemu-system-aarch64 -M virt ..." line (-m, -smp, -cpu cortex-a57|max,
    pflash, tpm-tis-device, virtio-net-pci NICs, raw GPT disks on virtio-blk-pci, nvme or
    virtio-scsi-pci + scsi-hd booting \EFI\BOOT\BOOTAA64.EFI, root ports, bootindex,
    gic-version=2|3|max, -no-acpi, AHCI + SATA disks, e1000(e) NICs: docs/armvirt.md §15);
    --libvirt-xml takes an arch='aarch64' machine='virt' domain; --nic virtio-net-pci|e1000(e) and
    --disk FILE --disk-interface virtio|nvme|scsi apply too (docs/armvirt.md §11)
  Debian sid's ovmf-generic OVMF_CODE_4M.fd, 2026.08 (edk2-stable202505 and later: SMBIOS
    measured, the Shell not booted): its ACPI data and SMBIOS tables modelled the same way
  Other distributions' builds of 202302-202511: Ubuntu 2023.05, 2024.02 (also its SMM secboot),
    Ubuntu 24.04-26.04's 2024.02-2025.11, Fedora 38 (also secboot), Arch's and a DEBUG build of
    202505+, an EVE build, Debian 13's OVMF32_CODE_4M.fd (docs/distro-builds-202302.md, -2024.md)
  VMs with devices on 202302+ builds: --disk/--nic, and --qemu-cmdline/--libvirt-xml VMs of
    QEMU 7.2 machines with virtio-*, e1000(e), nvme, ahci, qemu-xhci devices on bus 0 or behind
    pcie-root-ports (libvirt's), modelled with OVMF's PCI resources (docs/newer-ovmf.md); other
    VMs with --fw-cfg-from-qemu, which programs those resources in the installed QEMU before
    reading its ACPI data (docs/ovmf-pci-resources.md); without it their ACPI data is INCOMPLETE
  Older builds, edk2-stable202011 to 202210: Debian bullseye 2020.11, Ubuntu jammy 2022.02 (2 MiB,
    4 MiB, OVMF.fd, SMM, Secure Boot), DEBUG builds (docs/distro-builds.md)
  X64-PEI SMM builds before 202308 (Debian 11/12 and Ubuntu 22.04's 2 MiB OVMF_CODE.secboot.fd,
    202302-202305 builds too, found in PlatformPei's code) never boot on a VM with S3
    (PlatformPei's S3Verification dead-loops): refused with the reason;
    exact with --no-s3 (-global ICH9-LPC.disable_s3=1) (docs/distro-builds.md)
Read from the image: the module set (Tcg2Pei, SMM, Shell, network stack, measuring modules), the
  S-CRTM version string, the DXE word size, PEIFV's base and PlatformPei's and PeiCore's writes
  into it, the BDS options BdsDxe registers (Boot Manager Menu, "EFI Firmware Setup", the Shell's
  category), SMBIOS type 0's strings, the release's BDS behaviour (from BdsDxe's code, else the version string).
  tcg2sim profile IMAGE shows them.
Modelled: what QEMU hands the firmware (devices, option ROMs, ACPI blobs and SMBIOS tables unless
  read from QEMU), and allocator addresses in event data (ImageLocationInMemory, the SMBIOS entry
  point, in no PCR): calibrated on real boots of Debian 12's builds, estimated for others (a note
  says so; --image-buffer-address sets it). Every digest and PCR above is exact either way.
A build without TPM2_ENABLE (no Tcg2Pei/Tcg2Dxe) measures nothing: no log, exit 0, complete.
SMM builds from 202405 (SMBASE relocated in PEI into PEIFV): PCR0 exact for 202405 to 202502,
  X64 builds of 202505, 202508, 202602 and 202605, the IA32 PEIs of 202508, 202511, 202602 and 202605, Ubuntu 26.04's 2025.11 and sid's 2026.08 secboot(.strictnx) images (the SMM stack and IDT addresses derived from PEI's page
  allocations and HOB list, sid's with the fw_cfg items QEMU offers the VM, docs/newer-ovmf.md).
Not yet: PCR0 of SMM builds with an IA32 PEI after 202605 (202608's is not modelled), or of
  any release after 202608; on ArmVirt NIC models other than
  virtio-net, e1000 and e1000e, bootindex on SATA, gic-version=host, other devices (refused by name), buffer addresses of uncalibrated device mixes (a note).
Anything else a build measures that is not modelled is an INCOMPLETE note and "complete": false.
`;
