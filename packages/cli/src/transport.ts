/**
 * The one place where a CLI command turns "--backend X --interface Y" into a TpmTransport:
 * create the backend (soft TPM in-process or a spawned swtpm), power it on, and put the chosen
 * register interface (none: straight to the backend; tis / crb: the ptp device models driven by
 * tpm2-device-lib) in front of it.
 *
 * The soft backend and the TIS/CRB interfaces are added here by their owners (branches soft-tpm
 * and ptp); until then they are a clear "not available yet" failure (exit status 1).
 */
import { SwtpmBackend, TpmBackendError, backendTransport } from '@tcg2sim/tpm-backends';
import type { TpmBackend } from '@tcg2sim/tpm-backends';
import type { TpmTransport } from '@tcg2sim/tpm2-command-lib';
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
      throw new CommandFailure('--backend soft is not available yet');
  }
}

function createTransport(backend: TpmBackend, choice: TpmChoice): TpmTransport {
  const locality = choice.locality ?? 0;
  switch (choice.iface) {
    case 'none':
      return backendTransport(backend, locality);
    case 'tis':
    case 'crb':
      throw new CommandFailure(`--interface ${choice.iface} is not available yet`);
  }
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
