/**
 * @tcg2sim/qemu-config: what QEMU is told. A QEMU command line (as libvirt logs it) or a libvirt
 * domain XML into a typed VM description, and that description onto what `tcg2sim predict`
 * models, naming everything that changes measurements and is not modelled.
 */
export { QemuConfigError } from './errors.ts';
export type { QemuConfigErrorCode } from './errors.ts';
export { splitShellWords, parseShellCommand, MAX_COMMAND_LINE } from './shell-words.ts';
export type { ShellWord, ShellCommand } from './shell-words.ts';
export { parseKeyval, parseOptionArgument, parseSize } from './option-syntax.ts';
export type { PropObject, PropValue } from './option-syntax.ts';
export { QEMU_OPTIONS } from './option-table.ts';
export type { OptionSpec, OptionRole } from './option-table.ts';
export { parseQemuCommandLine, describeQemuCommand, walkOptions } from './parse-argv.ts';
export type { WalkedOption } from './parse-argv.ts';
export { deviceModel } from './device-catalog.ts';
export { parsePciAddr } from './pci-topology.ts';
export { mapToPredict, requirePredictable, describeFindings, s3Of } from './predict-mapping.ts';
export type { Finding, PredictInput, PredictMapping } from './predict-mapping.ts';
export { VIRT_CPU_MODELS, VIRT_GIC_VERSIONS } from './virt-mapping.ts';
export type { VirtQemuOptions } from './virt-mapping.ts';
export type * from './vm-description.ts';
export { bootOrderOf } from './boot-order.ts';
export type { BootOrderFinding } from './boot-order.ts';
export { captureArguments } from './capture-argv.ts';
export type { CaptureArgvPaths } from './capture-argv.ts';
export { qtestArguments } from './qtest-argv.ts';
export type { QtestArgvPaths } from './qtest-argv.ts';
export { DEFAULT_ROM_FILES, optionRomOf, qemuDataDirs } from './option-roms.ts';
export type { OptionRom } from './option-roms.ts';
