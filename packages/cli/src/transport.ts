/**
 * The one place where a CLI command turns "--backend X --interface Y" into a TpmTransport:
 * create the backend (soft TPM in-process or a spawned swtpm), power it on, and put the chosen
 * register interface (none: straight to the backend; tis / crb: the ptp device models driven by
 * tpm2-device-lib) in front of it.
 *
 * Both backends (soft, swtpm) and all interfaces (none, tis, crb) are available.
 */
import { SoftTpmBackend, SwtpmBackend, TpmBackendError, backendTransport } from '@tcg2sim/tpm-backends';
import { SoftTpmOptionError } from '@tcg2sim/soft-tpm';
import type { TpmBackend } from '@tcg2sim/tpm-backends';
import type { TpmTransport } from '@tcg2sim/tpm2-command-lib';
import { CrbDevice, MmioBus, TisDevice, TPM_BASE_ADDRESS, VirtualClock } from '@tcg2sim/ptp';
import { ProtocolError, Tpm2DeviceLib } from '@tcg2sim/tpm2-device-lib';
import { CommandFailure, UsageError } from './errors.ts';

/** TPM backends the CLI can use. */
export const BACKEND_KINDS = ['soft', 'swtpm'] as const;
export type BackendKind = (typeof BACKEND_KINDS)[number];

/** Register interfaces between the command library and the backend. */
export const INTERFACE_KINDS = ['none', 'tis', 'crb'] as const;
export type InterfaceKind = (typeof INTERFACE_KINDS)[number];

/** What {@link openTpm} needs. */
export interface TpmChoice {
  readonly backend: BackendKind;
  readonly iface: InterfaceKind;
  /** Locality commands are sent at (0-4, default 0). */
  readonly locality?: number;
  /** PCR banks to activate (swtpm: via swtpm_setup; default: the TPM's own default). */
  readonly pcrBanks?: readonly string[];
}

/** A powered-on TPM and the transport to reach it. Always close it. */
export interface OpenTpm {
  readonly backend: TpmBackend;
  readonly transport: TpmTransport;
  close(): Promise<void>;
}

async function createBackend(choice: TpmChoice): Promise<TpmBackend> {
  switch (choice.backend) {
    case 'swtpm':
      return SwtpmBackend.start(choice.pcrBanks === undefined ? {} : { pcrBanks: choice.pcrBanks });
    case 'soft':
      try {
        return new SoftTpmBackend(choice.pcrBanks === undefined ? {} : { banks: choice.pcrBanks });
      } catch (e) {
        if (e instanceof SoftTpmOptionError) throw new UsageError(`--banks: ${e.message}`, { cause: e });
        throw e;
      }
  }
}

function createTransport(backend: TpmBackend, choice: TpmChoice): TpmTransport {
  const locality = choice.locality ?? 0;
  switch (choice.iface) {
    case 'none':
      return backendTransport(backend, locality);
    case 'tis':
    case 'crb':
      return registerTransport(backend, choice.iface, locality);
  }
}

/**
 * The firmware path: QEMU-like tpm-tis / tpm-crb registers at 0xFED40000 in front of the backend,
 * driven by Tpm2DeviceLibDTpm (detection, locality request on the first command, EDK II's
 * access order and timeouts). The driver polls on a virtual clock that waits for each backend
 * call (swtpm answers in real time): no busy waiting, and EDK II's timeouts are never hit by a
 * slow machine.
 */
function registerTransport(backend: TpmBackend, iface: 'tis' | 'crb', locality: number): TpmTransport {
  if (iface === 'crb' && locality !== 0) throw new UsageError('--interface crb has locality 0 only (as QEMU tpm-crb)');
  const clock = new VirtualClock();
  const onBackendCall = (settled: Promise<void>): void => {
    clock.waitFor(settled);
  };
  const bus = new MmioBus();
  bus.map(TPM_BASE_ADDRESS, iface === 'tis' ? new TisDevice(backend, { onBackendCall }) : new CrbDevice(backend, { onBackendCall }));
  const lib = Tpm2DeviceLib.open({ bus, clock, base: TPM_BASE_ADDRESS + locality * 0x1000 });
  return {
    submit: async (command) => {
      try {
        return await lib.submit(command);
      } catch (e) {
        if (e instanceof ProtocolError) throw new CommandFailure(`${iface} interface: ${e.code} (${e.message})`, { cause: e });
        throw e;
      }
    },
  };
}

/**
 * Creates the backend, powers it on and builds the transport.
 * @throws CommandFailure when the combination is not available or the TPM cannot be started;
 *   UsageError on a bad locality
 */
export async function openTpm(choice: TpmChoice): Promise<OpenTpm> {
  try {
    return await open(choice);
  } catch (e) {
    if (e instanceof TpmBackendError) throw new CommandFailure(`${choice.backend} TPM: ${e.message}`, { cause: e });
    throw e;
  }
}

async function open(choice: TpmChoice): Promise<OpenTpm> {
  const locality = choice.locality ?? 0;
  if (!Number.isInteger(locality) || locality < 0 || locality > 4) throw new UsageError(`--locality must be 0-4, got ${locality}`);
  const backend = await createBackend(choice);
  try {
    await backend.powerOn();
    const transport = createTransport(backend, choice);
    return { backend, transport, close: () => backend.close() };
  } catch (e) {
    await backend.close();
    throw e;
  }
}
