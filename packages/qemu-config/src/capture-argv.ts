/**
 * The command line `tcg2sim capture --qemu-cmdline` boots: the user's own QEMU command line, so
 * that every device, property and address is QEMU's own reading of it (a device tcg2sim wrongly
 * takes for inert shows up as a difference from the prediction), with only the host plumbing
 * replaced by the capture's:
 * - the TPM back-end: `-tpmdev emulator` on the capture's swtpm control socket;
 * - the serial console on stdio (the first isa-serial's chardev, or `-serial stdio`), QMP on the
 *   capture's socket, no display or human monitor;
 * - the variable store (pflash unit 1) is the capture's private copy;
 * - other character devices become `null` (libvirt passes sockets and ptys as file descriptors
 *   that do not exist here), tap back-ends with file descriptors become `user` networking;
 * - disks other than pflash are opened read-only (-drive: snapshot=on), so a capture never
 *   writes the VM's images;
 * - `-S`, `-daemonize`, `-pidfile`, `-runas`, `-chroot`, `-add-fd`, `-nographic` and the
 *   file-backed `secret` objects libvirt passes are dropped.
 */
import { QemuConfigError } from './errors.ts';
import { parseKeyval, parseOptionArgument, propString } from './option-syntax.ts';
import type { PropObject, PropValue } from './option-syntax.ts';
import { walkOptions } from './parse-argv.ts';
import type { WalkedOption } from './parse-argv.ts';
import type { ShellCommand } from './shell-words.ts';
import { describeQemuCommand } from './parse-argv.ts';

/** Paths the capture owns. */
export interface CaptureArgvPaths {
  readonly swtpmCtrl: string;
  readonly qmp: string;
  readonly varsCopy: string;
}

const DROP_WITH_ARG = new Set(['-pidfile', '-qmp', '-qmp-pretty', '-mon', '-monitor', '-serial', '-display', '-vnc', '-spice', '-runas', '-chroot', '-add-fd', '-D']);
const DROP_FLAG = new Set(['-S', '-daemonize', '-nographic', '-full-screen']);

/** Escapes a value for keyval (`,` doubled). */
function kv(v: string): string {
  return v.replaceAll(',', ',,');
}

function chardevId(o: WalkedOption): string | undefined {
  if (o.raw === undefined) return undefined;
  return propString(parseKeyval(o.raw, 'backend', o.name), 'id');
}

/**
 * The QEMU arguments (without the program) for a capture of `cmd`.
 * @throws QemuConfigError when the line does not describe a VM a capture can boot (no TPM, no pflash code)
 */
export function captureArguments(cmd: ShellCommand, p: CaptureArgvPaths): string[] {
  const d = describeQemuCommand(cmd);
  if (d.tpm === undefined) throw new QemuConfigError('NOT_MODELLED', 'capture: the command line has no TPM device (-device tpm-tis or tpm-crb)');
  const { options } = walkOptions(cmd);
  const tpmDevice = d.devices.find((x) => x.kind === 'tpm');
  const tpmdevId = tpmDevice !== undefined ? propString(tpmDevice.props, 'tpmdev') : undefined;
  // the first isa-serial's chardev becomes stdio
  const serial = d.devices.find((x) => x.driver === 'isa-serial');
  const serialChardev = serial !== undefined ? propString(serial.props, 'chardev') : undefined;
  // pflash unit 1: the -blockdev protocol node or the -drive that holds the store
  const blockdevs = options.filter((o) => o.name === '-blockdev');
  const withFileNode = (id: string | undefined): Set<string> => {
    const names = new Set<string>();
    if (id === undefined) return names;
    names.add(id);
    const file = blockdevs.find((o) => propString(o.props, 'node-name') === id)?.props['file'];
    if (typeof file === 'string') names.add(file);
    return names;
  };
  const varsNodeNames = withFileNode(d.firmware.kind === 'pflash' ? d.firmware.vars?.id : undefined);
  const codeNodeNames = withFileNode(d.firmware.kind === 'pflash' ? d.firmware.code.id : undefined);
  const out: string[] = [];
  let pflashUnit = 0;
  for (const o of options) {
    if (DROP_FLAG.has(o.name) || DROP_WITH_ARG.has(o.name)) continue;
    const raw = o.raw ?? '';
    switch (o.name) {
      case '-chardev': {
        const id = chardevId(o);
        if (id === undefined) throw new QemuConfigError('BAD_OPTION', `${o.name} ${raw}: no id`);
        out.push('-chardev', id === serialChardev ? `stdio,id=${kv(id)},signal=off` : `null,id=${kv(id)}`);
        break;
      }
      case '-tpmdev': {
        const id = propString(o.props, 'id');
        if (id === tpmdevId && id !== undefined) out.push('-chardev', `socket,id=tcg2sim-tpm,path=${kv(p.swtpmCtrl)}`, '-tpmdev', `emulator,id=${kv(id)},chardev=tcg2sim-tpm`);
        break;
      }
      case '-netdev': {
        const props = o.props;
        if (props['fd'] !== undefined || props['fds'] !== undefined || props['vhostfd'] !== undefined || propString(props, 'type') === 'tap' || propString(props, 'type') === 'bridge' || propString(props, 'type') === 'vhost-user') {
          out.push('-netdev', `user,id=${kv(propString(props, 'id') ?? '')}`);
        } else out.push(o.name, raw);
        break;
      }
      case '-object': {
        if (propString(o.props, 'qom-type') === 'secret' && o.props['file'] !== undefined) break;
        out.push(o.name, raw);
        break;
      }
      case '-audiodev': {
        const audioId = propString(parseOptionArgument(raw, { implied: 'driver', json: true, where: o.name }).props, 'id');
        out.push('-audiodev', `none,id=${kv(audioId ?? 'audio0')}`);
        break;
      }
      case '-blockdev': {
        const b = blockdevForCapture(o.props, varsNodeNames, codeNodeNames, p.varsCopy);
        out.push('-blockdev', o.json ? JSON.stringify(b) : keyvalText(b));
        break;
      }
      case '-drive': {
        const iface = propString(o.props, 'if');
        if (iface === 'pflash') {
          const unit = Number(propString(o.props, 'unit') ?? pflashUnit);
          pflashUnit++;
          out.push('-drive', unit === 1 ? driveWithFile(o.props, p.varsCopy) : raw);
        } else out.push('-drive', `${raw},snapshot=on`);
        break;
      }
      default:
        out.push(o.name, ...(o.raw !== undefined ? [o.raw] : []));
    }
  }
  if (serialChardev === undefined) out.push('-serial', 'stdio');
  out.push('-display', 'none', '-monitor', 'none', '-qmp', `unix:${p.qmp},server=on,wait=off`);
  return out;
}

function keyvalText(props: PropObject): string {
  return Object.entries(props)
    .filter((e): e is [string, string | number | boolean] => typeof e[1] !== 'object')
    .map(([k, v]) => `${k}=${kv(typeof v === 'boolean' ? (v ? 'on' : 'off') : String(v))}`)
    .join(',');
}

function driveWithFile(props: PropObject, file: string): string {
  return keyvalText({ ...props, file });
}

/** A -blockdev for the capture: the store's protocol node on the private copy, other images read-only. */
function blockdevForCapture(props: PropObject, varsNodes: ReadonlySet<string>, codeNodes: ReadonlySet<string>, varsCopy: string): PropObject {
  const name = propString(props, 'node-name') ?? '';
  const out: Record<string, PropValue> = { ...props };
  if (varsNodes.has(name)) {
    if (propString(props, 'driver') === 'file') out['filename'] = varsCopy;
    return out;
  }
  if (codeNodes.has(name)) return out;
  out['read-only'] = true;
  if ('auto-read-only' in out) out['auto-read-only'] = false;
  return out;
}
