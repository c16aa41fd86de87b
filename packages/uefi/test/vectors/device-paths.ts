/**
 * Device path vectors shared by the unit tests and the live EDK II check.
 */
import { toHex } from '@tcg2sim/binary-codec';
import { OVMF_Q35_VARIABLES, SHELL_IMAGE_DEVICE_PATH } from './ovmf-variables.js';

export const END = '7fff0400';
export const G = '0A0B0C0D-1111-2222-3333-444455556666';
const Gb = '0d0c0b0a11112222333344445555666 6'.replace(/ /g, '');

/**
 * Binary nodes written by hand from the UEFI 2.9 §10.3 layouts, with the text EDK II's
 * DevicePathToText prints for them (DisplayOnly = FALSE, AllowShortcuts = FALSE; PrintLib hex
 * digits in upper case). Each vector is one node followed by End unless it carries its own.
 */
export const NODE_VECTORS: { name: string; hex: string; text: string; edk2?: string; edk2Parse?: string }[] = [
  { name: 'PCI', hex: '010106000 21f'.replace(/ /g, ''), text: 'Pci(0x1F,0x2)' },
  { name: 'PC Card', hex: '0102050003', text: 'PcCard(0x3)' },
  { name: 'memory mapped', hex: '010318000b0000000000900000000000ffff4f0100000000', text: 'MemoryMapped(0xB,0x900000,0x14FFFFF)' },
  { name: 'hardware vendor without data', hex: `01041400${Gb}`, text: `VenHw(${G})` },
  { name: 'hardware vendor with data', hex: `01041600${Gb}aabb`, text: `VenHw(${G},AABB)` },
  { name: 'controller', hex: '0105080001000000', text: 'Ctrl(0x1)' },
  { name: 'BMC', hex: '01060d0001a20c000000000000', text: 'BMC(0x1,0xCA2)' },
  { name: 'PCI root bridge (PNP0A03)', hex: '02010c00d041030a00000000', text: 'PciRoot(0x0)' },
  { name: 'PCIe root bridge (PNP0A08)', hex: '02010c00d041080a01000000', text: 'PcieRoot(0x1)' },
  { name: 'floppy (PNP0604)', hex: '02010c00d041040600000000', text: 'Floppy(0x0)' },
  { name: 'keyboard (PNP0301)', hex: '02010c00d041010300000000', text: 'Keyboard(0x0)' },
  { name: 'serial port (PNP0501)', hex: '02010c00d041010501000000', text: 'Serial(0x1)' },
  { name: 'parallel port (PNP0401)', hex: '02010c00d041010400000000', text: 'ParallelPort(0x0)' },
  { name: 'other PNP id', hex: '02010c00d041030300000000', text: 'Acpi(PNP0303,0x0)' },
  // EDK II prints a non-PNP _HID as 0x%08x but its DevicePathFromText reads any HID text as an
  // EISA id ("0x1" as three letters + "2345678"): `edk2Parse` is what it makes of the text
  // (seen in a live OVMF Shell); we read the hex back, so our text round-trips.
  { name: 'non-PNP _HID', hex: '02010c007856341201000000', text: 'Acpi(0x12345678,0x1)', edk2Parse: '02010c0011437856010000007fff0400' },
  { name: 'ACPI _ADR', hex: '0203080000010180', text: 'AcpiAdr(0x80010100)' },
  { name: 'ACPI _ADR list', hex: '02030c000100000002000000', text: 'AcpiAdr(0x1,0x2)' },
  { name: 'ATAPI', hex: '0301080001000000', text: 'Ata(Secondary,Master,0x0)' },
  { name: 'ATAPI primary slave', hex: '0301080000010200', text: 'Ata(Primary,Slave,0x2)' },
  { name: 'SCSI', hex: '0302080001000000', text: 'Scsi(0x1,0x0)' },
  { name: 'Fibre Channel', hex: '030318000000000001000000000000200000000000000000', text: 'Fibre(0x2000000000000001,0x0)' },
  { name: 'USB', hex: '030506000100', text: 'USB(0x1,0x0)' },
  { name: 'MAC', hex: `030b2500525400123456${'00'.repeat(26)}01`, text: 'MAC(525400123456,0x1)' },
  {
    name: 'IPv4', hex: '030c1b00c0a80102c0a8010100000000110001c0a801feffffff00',
    text: 'IPv4(192.168.1.1,UDP,Static,192.168.1.2,192.168.1.254,255.255.255.0)',
  },
  {
    name: 'IPv6', hex: `030d3c00fe80000000000000505400fffe12345620010db80000000000000000000000010000000006000140${'00'.repeat(16)}`,
    text: 'IPv6(2001:0DB8:0000:0000:0000:0000:0000:0001,TCP,StatelessAutoConfigure,FE80:0000:0000:0000:5054:00FF:FE12:3456,0x40,0000:0000:0000:0000:0000:0000:0000:0000)',
  },
  { name: 'UART', hex: '030e13000000000000c2010000000000080101', text: 'Uart(115200,8,N,1)' },
  // EDK II prints 0 as DEFAULT, but its DevicePathFromText reads DEFAULT as 115200 baud and 8 data
  // bits (`edk2Parse`, seen in a live OVMF Shell); we read 0 back, so our text round-trips.
  { name: 'UART defaults', hex: '030e1300000000000000000000000000000000', text: 'Uart(DEFAULT,DEFAULT,D,D)', edk2Parse: '030e13000000000000c20100000000000800007fff0400' },
  { name: 'USB class HID', hex: '030f0b00ffffffff030101', text: 'UsbHID(0xFFFF,0xFFFF,0x1,0x1)' },
  { name: 'USB class, other', hex: '030f0b0034127856ff0000', text: 'UsbClass(0x1234,0x5678,0xFF,0x0,0x0)' },
  { name: 'USB firmware update class', hex: '030f0b0001000200fe0103', text: 'UsbDeviceFirmwareUpdate(0x1,0x2,0x3)' },
  { name: 'logical unit', hex: '0311050000', text: 'Unit(0x0)' },
  { name: 'SATA', hex: '03120a000000ffff0000', text: 'Sata(0x0,0xFFFF,0x0)' },
  { name: 'VLAN', hex: '031406006400', text: 'Vlan(100)' },
  { name: 'NVMe namespace', hex: '03171000010000007766554433221100', text: 'NVMe(0x1,00-11-22-33-44-55-66-77)' },
  { name: 'URI', hex: '03180f0075726e3a6578616d706c65', text: 'Uri(urn:example)' },
  { name: 'PC-ANSI terminal (no shortcut)', hex: '030a14005347c1e0bef9d2119a0c0090273fc14d', text: 'VenMsg(E0C14753-F9BE-11D2-9A0C-0090273FC14D)' },
  { name: 'VT-100 terminal (no shortcut)', hex: '030a14006560a6df19b4d3119a2d0090273fc14d', text: 'VenMsg(DFA66065-B419-11D3-9A2D-0090273FC14D)' },
  { name: 'UART flow control (no shortcut)', hex: '030a18009d9a49372f54894ca02635da142094e401000000', text: 'VenMsg(37499A9D-542F-4C89-A026-35DA142094E4,01000000)' },
  { name: 'messaging vendor', hex: `030a1500${Gb}01`, text: `VenMsg(${G},01)` },
  { name: 'GPT partition', hex: `04012a000100000000080000000000000000100000000000${Gb}0202`, text: `HD(1,GPT,${G},0x800,0x100000)` },
  { name: 'MBR partition', hex: `04012a00020000003f000000000000000010000000000000785634120000000000000000000000000101`, text: 'HD(2,MBR,0x12345678,0x3F,0x1000)' },
  { name: 'CD-ROM', hex: '040218000000000000100000000000000008000000000000', text: 'CDROM(0x0,0x1000,0x800)' },
  { name: 'media vendor', hex: `04031400${Gb}`, text: `VenMedia(${G})` },
  {
    name: 'file path', hex: `04043000${toHex(Buffer.from('\\EFI\\BOOT\\BOOTX64.EFI\0', 'utf16le'))}`,
    text: '\\EFI\\BOOT\\BOOTX64.EFI',
  },
  { name: 'media protocol', hex: `04051400${Gb}`, text: `Media(${G})` },
  { name: 'firmware file', hex: '0406140083a5047c3e9e1c4fad65e05268d0b4d1', text: 'FvFile(7C04A583-9E3E-4F1C-AD65-E05268D0B4D1)' },
  { name: 'firmware volume', hex: '04071400c9bdb87cebf8344faaea3ee4af6516a1', text: 'Fv(7CB8BDC9-F8EB-4F34-AAEA-3EE4AF6516A1)' },
  { name: 'relative offset range', hex: '04081800000000000000010000000000ffff010000000000', text: 'Offset(0x10000,0x1FFFF)' },
  { name: 'BBS', hex: '05011700020000005072696d617279204d617374657200', text: 'BBS(HD,Primary Master,0x0)' },
  { name: 'unknown type', hex: '0909060000ff', text: 'Path(9,9,00FF)' },
  { name: 'unknown hardware subtype', hex: '0163050001', text: 'HardwarePath(99,01)' },
  { name: 'unknown media subtype without data', hex: '04630400', text: 'MediaPath(99)' },
  // Known nodes that their named form cannot reproduce fall back to the generic form. EDK II
  // prints them lossily (`edk2`, seen in a live OVMF boot): its text does not give the bytes back.
  { name: 'PCI node with a stray byte', hex: '01010700021f00', text: 'HardwarePath(1,021F00)', edk2: 'Pci(0x1F,0x2)' },
  { name: 'ATAPI with PrimarySecondary = 2', hex: '0301080002000000', text: 'Msg(1,02000000)', edk2: 'Ata(Primary,Master,0x0)' },
  { name: 'IPv4 with ports set (not printed by EDK II)', hex: '030c1b00c0a80102c0a8010144001100110001c0a801feffffff00', text: 'Msg(12,C0A80102C0A8010144001100110001C0A801FEFFFFFF00)', edk2: 'IPv4(192.168.1.1,UDP,Static,192.168.1.2,192.168.1.254,255.255.255.0)' },
  { name: 'URI with slashes (inside the parentheses, so not separators)', hex: '03180e00687474703a2f2f782f79', text: 'Uri(http://x/y)' },
  { name: 'URI with an unbalanced parenthesis', hex: '03180600287a', text: 'Msg(24,287A)', edk2: 'Uri((z)' },
  { name: 'file path with a comma', hex: `04040c00${toHex(Buffer.from('a,b\0', 'utf16le'))}`, text: 'MediaPath(4,61002C0062000000)', edk2: 'a,b' },
];

/**
 * EDK II's own DevicePathLib unit test (MdePkg/Test/UnitTest/Library/DevicePathLib, 2023): node
 * bytes as its C initialisers lay them out, and the text ConvertDeviceNodeToText must give.
 */
const ascii = (s: string): string => toHex(Buffer.from(s, 'latin1'));
export const EDK2_UNIT_TEST_VECTORS: { name: string; hex: string; text: string }[] = [
  { name: 'PCI root port 0x2:0x0 (Function 2, Device 0)', hex: '010106000200', text: 'Pci(0x0,0x2)' },
  { name: 'EISA_PNP_ID(0x0A03)', hex: '02010c00d041030a00000000', text: 'PciRoot(0x0)' },
  { name: 'EISA_PNP_ID(0xB0C0), UID 1', hex: '02010c00d041c0b001000000', text: 'Acpi(PNPB0C0,0x1)' },
  {
    name: 'ACPI extended, all strings', hex: `02022800000000000000000000000000${ascii('PNPB0C0\0PNP0001\0UID0000\0')}`,
    text: 'AcpiEx(@@@0000,@@@0000,0x0,PNPB0C0,UID0000,PNP0001)',
  },
  { name: 'ACPI extended, HIDSTR only', hex: `02021800000000000200000000000000${ascii('PNPB0\0\0\0')}`, text: 'AcpiEx(@@@0000,@@@0000,0x2,PNPB0,,)' },
  { name: 'ACPI expanded, UIDSTR only', hex: `02021800d041aaaa0000000000000000${ascii('\0UID00\0\0')}`, text: 'AcpiExp(PNPAAAA,0,UID00)' },
  { name: 'ACPI expanded, UIDSTR and CID', hex: `02021800d041aaaa00000000d041ddaa${ascii('\0UID00\0\0')}`, text: 'AcpiExp(PNPAAAA,PNPAADD,UID00)' },
];

/** Whole paths: the real OVMF ones (vectors/ovmf-variables.ts) and examples. */
export const PATH_VECTORS: { name: string; hex: string; text: string }[] = [
  {
    name: 'the Shell image device path of the §12.4 EFI_IMAGE_LOAD_EVENT', hex: SHELL_IMAGE_DEVICE_PATH,
    text: 'Fv(7CB8BDC9-F8EB-4F34-AAEA-3EE4AF6516A1)/FvFile(7C04A583-9E3E-4F1C-AD65-E05268D0B4D1)',
  },
  {
    name: 'OVMF ConOut (two instances)', hex: OVMF_Q35_VARIABLES.ConOut,
    text: 'PciRoot(0x0)/Pci(0x1,0x0)/AcpiAdr(0x80010100),/PciRoot(0x0)/Pci(0x1F,0x0)/Serial(0x0)/Uart(115200,8,N,1)/VenMsg(E0C14753-F9BE-11D2-9A0C-0090273FC14D)',
  },
  {
    name: 'OVMF ConIn (three instances)', hex: OVMF_Q35_VARIABLES.ConIn,
    text: 'PciRoot(0x0)/Pci(0x1F,0x0)/Acpi(PNP0303,0x0),/PciRoot(0x0)/Pci(0x1F,0x0)/Serial(0x0)/Uart(115200,8,N,1)/VenMsg(E0C14753-F9BE-11D2-9A0C-0090273FC14D),/UsbHID(0xFFFF,0xFFFF,0x1,0x1)',
  },
  {
    name: 'OVMF ErrOut', hex: OVMF_Q35_VARIABLES.ErrOut,
    text: 'PciRoot(0x0)/Pci(0x1F,0x0)/Serial(0x0)/Uart(115200,8,N,1)/VenMsg(E0C14753-F9BE-11D2-9A0C-0090273FC14D)',
  },
  {
    name: 'a disk boot loader', hex: `02010c00d041030a0000000001010600000304012a000100000000080000000000000000100000000000${Gb}020204043000${toHex(Buffer.from('\\EFI\\BOOT\\BOOTX64.EFI\0', 'utf16le'))}${END}`,
    text: `PciRoot(0x0)/Pci(0x3,0x0)/HD(1,GPT,${G},0x800,0x100000)/\\EFI\\BOOT\\BOOTX64.EFI`,
  },
  { name: 'an empty path (End only)', hex: END, text: '' },
];

/** The AllowShortcuts = TRUE forms (what the Shell's `dh` prints), with their bytes. */
export const SHORTCUT_VECTORS: { name: string; hex: string; text: string }[] = [
  { name: 'PC-ANSI terminal', hex: '030a14005347c1e0bef9d2119a0c0090273fc14d', text: 'VenPcAnsi()' },
  { name: 'VT-100 terminal', hex: '030a14006560a6df19b4d3119a2d0090273fc14d', text: 'VenVt100()' },
  { name: 'VT-100+ terminal', hex: '030a14000bc7ae7be057764c8e872f9e28088343', text: 'VenVt100Plus()' },
  { name: 'VT-UTF8 terminal', hex: '030a1400d6a015adec8bcf4aa073d01de77e2d88', text: 'VenUtf8()' },
  { name: 'debug port', hex: '030a1400d2e8a4eb5838ec41a2812647ba9660d0', text: 'DebugPort()' },
  { name: 'UART flow control, hardware', hex: '030a18009d9a49372f54894ca02635da142094e401000000', text: 'UartFlowCtrl(Hardware)' },
  { name: 'UART flow control, none', hex: '030a18009d9a49372f54894ca02635da142094e400000000', text: 'UartFlowCtrl(None)' },
];
