/** The command table: every command the soft TPM implements, by command code. */
import type { CommandDef } from '../command.ts';
import { EventSequenceComplete, Hash, HashSequenceStart, SequenceComplete, SequenceUpdate } from './hash.ts';
import { GetCapability, GetRandom, ReadClock } from './misc.ts';
import { NV_DefineSpace, NV_Read, NV_ReadPublic, NV_UndefineSpace, NV_Write } from './nv.ts';
import { PCR_Allocate, PCR_Event, PCR_Extend, PCR_Read, PCR_Reset } from './pcr.ts';
import { GetTestResult, SelfTest, Shutdown, Startup } from './startup.ts';
import { TestParms } from './test-parms.ts';
import { HierarchyChangeAuth } from './hierarchy.ts';

/** The implemented commands. */
export const COMMANDS: readonly CommandDef[] = [
  Startup, Shutdown, SelfTest, GetTestResult, GetCapability, GetRandom, ReadClock, TestParms,
  PCR_Read, PCR_Extend, PCR_Event, PCR_Reset, PCR_Allocate,
  Hash, HashSequenceStart, SequenceUpdate, SequenceComplete, EventSequenceComplete,
  NV_DefineSpace, NV_UndefineSpace, NV_ReadPublic, NV_Read, NV_Write,
  HierarchyChangeAuth,
];

/** Command code to definition. */
export const COMMAND_TABLE: ReadonlyMap<number, CommandDef> = new Map(COMMANDS.map((c) => [c.cc, c]));
