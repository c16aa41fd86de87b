/**
 * A small table of well-known GUIDs seen in OVMF images (file names of the modules the TCG2
 * path cares about, volume names, file systems, section GUIDs). Names are the EDK II module or
 * GUID names; files without an entry are usually named by their USER_INTERFACE section.
 */
const NAMES: ReadonlyMap<string, string> = new Map([
  // File systems and section GUIDs
  ['8C8CE578-8A3D-4F1C-9935-896185C32DD3', 'gEfiFirmwareFileSystem2Guid'],
  ['5473C07A-3DCB-4DCA-BD6F-1E9689E7349A', 'gEfiFirmwareFileSystem3Guid'],
  ['EE4E5898-3914-4259-9D6E-DC7BD79403CF', 'gLzmaCustomDecompressGuid'],
  ['D42AE6BD-1352-4BFB-909A-CA72A6EAE889', 'gLzmaF86CustomDecompressGuid'],
  ['3D532050-5CDA-4FD0-879E-0F7F630D5AFB', 'gBrotliCustomDecompressGuid'],
  ['FC1BCDB0-7D31-49AA-936A-A4600D9DD083', 'gEfiCrc32GuidedSectionExtractionGuid'],
  ['A31280AD-481E-41B6-95E8-127F4C984779', 'gTianoCustomDecompressGuid'],
  ['FFF12B8D-7696-4C8B-A985-2747075B4F50', 'gEfiSystemNvDataFvGuid'],
  // OVMF volumes (OvmfPkg/OvmfPkgX64.fdf and friends)
  ['48DB5E17-707C-472D-91CD-1613E7EF51B0', 'FVMAIN_COMPACT'],
  ['6938079B-B503-4E3D-9D24-B28337A25806', 'PEIFV'],
  ['7CB8BDC9-F8EB-4F34-AAEA-3EE4AF6516A1', 'DXEFV'],
  ['763BED0D-DE9F-48F5-81F1-3E90E1B1A015', 'SECFV'],
  // Files
  ['9E21FD93-9C72-4C15-8C4B-E77F1DB2D792', 'FvMainCompact'],
  ['1BA0062E-C779-4582-8566-336AE8F78F09', 'ResetVector'],
  ['DF1CCEF6-F301-4A63-9661-FC6030DCC880', 'SecMain'],
  ['52C05B14-0B98-496C-BC3B-04B50211D680', 'PeiCore'],
  ['9B3ADA4F-AE56-4C24-8DEA-F03B7558AE50', 'PcdPeim'],
  ['222C386D-5ABC-4FB4-B124-FBB82488ACF4', 'PlatformPei'],
  ['86D70125-BAA3-4296-A62F-602BEBBB9081', 'DxeIpl'],
  ['8AD3148F-945F-46B4-8ACD-71469EA73945', 'Tcg2ConfigPei'],
  ['2BE1E4A6-6505-43B3-9FFC-A3C8330E0432', 'TcgPei'],
  ['A0C98B77-CBA5-4BB8-993B-4AF6CE33ECE4', 'Tcg2Pei'],
  ['D6A2CB7F-6A18-4E2F-B43B-9920A733700A', 'DxeCore'],
  ['A5683620-7998-4BB2-A377-1C1E31E1E215', 'TcgDxe'],
  ['FDFF263D-5F68-4591-87BA-B768F445A9AF', 'Tcg2Dxe'],
  ['5CAB08D5-AD8F-4D8B-B828-D17A8D9FE977', 'Tcg2PlatformDxe'],
  ['4D9CBEF0-15A0-4D0C-83DB-5213E710C23F', 'Tcg2ConfigDxe'],
  ['7C04A583-9E3E-4F1C-AD65-E05268D0B4D1', 'Shell'],
  ['1B45CC0A-156A-428A-AF62-49864DA0E6E6', 'PeiAprioriFile'],
  ['FC510EE7-FFDC-11D4-BD41-0080C73C8881', 'DxeAprioriFile'],
]);

/** The well-known name of `guid` (any case), or undefined. */
export function guidName(guid: string): string | undefined {
  return NAMES.get(guid.toUpperCase());
}
