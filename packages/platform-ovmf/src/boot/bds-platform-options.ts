/**
 * The options OVMF's PlatformBootManagerLib registers besides the enumerated devices, as the
 * image says (BdsDxe links the library, the Boot Manager Menu is a FixedAtBuild PCD of it):
 * - Boot0000, the Boot Manager Menu: the file PcdBootManagerMenuFile names, with its UI section as
 *   description. edk2-stable202505 made OVMF's BootManagerMenuApp that file (before: UiApp); its
 *   GUID in BdsDxe's image together with the file in DXEFV is the evidence.
 * - edk2-stable202505's "EFI Firmware Setup" (UiApp, ACTIVE|CATEGORY_APP), registered in
 *   PlatformBootManagerBeforeConsole, so numbered before the enumerated devices; the same change
 *   made "EFI Internal Shell" an APP-category option that BDS no longer boots
 *   (OvmfPkg/Library/PlatformBootManagerLib/BdsPlatform.c). The UTF-16 text in BdsDxe is the
 *   evidence for both.
 */
import { guidFromString } from '@tcg2sim/binary-codec';
import { EFI_SECTION, findFileByGuid, LOAD_OPTION } from '@tcg2sim/uefi';
import type { SecOutput } from '../sec.ts';

/** BdsDxe's FILE_GUID (MdeModulePkg/Universal/BdsDxe/BdsDxe.inf). */
export const BDS_DXE_FILE_GUID = '6D33944A-EC75-4855-A54D-809C75241F6C';
/** BootManagerMenuApp's FILE_GUID (MdeModulePkg/Application/BootManagerMenuApp). */
export const BOOT_MANAGER_MENU_APP_FILE_GUID = 'EEC25BDC-67F2-4D95-B1D5-F81B2039D11D';
/** UiApp's FILE_GUID (MdeModulePkg/Application/UiApp/UiApp.inf). */
const UI_APP = '462CAA21-7614-4503-836E-8AB6F4662331';

/** What PlatformBootManagerLib registers, read from the image. */
export interface BdsPlatformOptions {
  /** Boot0000's file and description (the file's UI section). */
  readonly menu: { readonly fileGuid: string; readonly description: string };
  /** Whether "EFI Firmware Setup" (UiApp, an APP option) follows Boot0000. */
  readonly firmwareSetup: boolean;
  /** The Shell option's attributes (ACTIVE, or ACTIVE|CATEGORY_APP from edk2-stable202505). */
  readonly shellAttributes: number;
  /** One line per decision, with its evidence. */
  readonly evidence: readonly string[];
}

/** edk2-stable202211 to 202502: UiApp as the menu, no Firmware Setup option, the Shell bootable. */
export const LEGACY_BDS_PLATFORM_OPTIONS: BdsPlatformOptions = {
  menu: { fileGuid: UI_APP, description: 'UiApp' },
  firmwareSetup: false,
  shellAttributes: LOAD_OPTION.ACTIVE,
  evidence: [],
};

function uiName(sec: SecOutput, guid: string): string | undefined {
  return findFileByGuid(sec.dxeFv.volume, guid)?.sections?.find((s) => s.type === EFI_SECTION.USER_INTERFACE)?.userInterface;
}

/** PlatformBootManagerLib's own options for this image. */
export function bdsPlatformOptions(sec: SecOutput): BdsPlatformOptions {
  const bds = findFileByGuid(sec.dxeFv.volume, BDS_DXE_FILE_GUID)?.sections?.find((s) => s.type === EFI_SECTION.PE32)?.body;
  if (bds === undefined) return LEGACY_BDS_PLATFORM_OPTIONS;
  const image = Buffer.from(bds.buffer, bds.byteOffset, bds.byteLength);
  const evidence: string[] = [];
  let menu = LEGACY_BDS_PLATFORM_OPTIONS.menu;
  const menuApp = uiName(sec, BOOT_MANAGER_MENU_APP_FILE_GUID);
  if (menuApp !== undefined && image.includes(Buffer.from(guidFromString(BOOT_MANAGER_MENU_APP_FILE_GUID)))) {
    menu = { fileGuid: BOOT_MANAGER_MENU_APP_FILE_GUID, description: menuApp };
    evidence.push(`Boot Manager Menu: ${menuApp} (BdsDxe names ${BOOT_MANAGER_MENU_APP_FILE_GUID}, DXEFV holds it; edk2-stable202505 and later)`);
  }
  const firmwareSetup = image.includes(Buffer.from('EFI Firmware Setup\0', 'utf16le'));
  if (firmwareSetup) evidence.push('BdsDxe registers L"EFI Firmware Setup" (UiApp, an APP option) and the Shell as an APP option, which BDS does not boot (edk2-stable202505 and later)');
  return {
    menu,
    firmwareSetup,
    shellAttributes: firmwareSetup ? LOAD_OPTION.ACTIVE | LOAD_OPTION.CATEGORY_APP : LOAD_OPTION.ACTIVE,
    evidence,
  };
}
