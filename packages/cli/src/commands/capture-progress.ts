/**
 * What `tcg2sim capture` shows while it waits (a boot takes tens of seconds): on a terminal a
 * cli-progress bar on stderr, its five steps (swtpm set-up, QEMU boot, guest RAM dump, PCR read,
 * done) with the running time and the current step's message, redrawn in place; when stderr is not
 * a terminal (a pipe, a file, a CI log) the plain timestamped lines it always printed. Never on
 * stdout, so `--json` output stays clean either way.
 */
import cliProgress from 'cli-progress';
import pc from 'picocolors';
import type { CaptureProgress } from '@tcg2sim/platform-ovmf';
import type { CliIo } from '../context.ts';

/** The step number of each phase, out of {@link STEPS}. */
const STEP: Readonly<Record<CaptureProgress['phase'], number>> = { setup: 1, boot: 2, dump: 3, pcrs: 4, done: 5 };
const STEPS = 5;

/** Receives a capture's progress; `stop` ends the display (call it before printing anything else). */
export interface ProgressDisplay {
  readonly update: (p: CaptureProgress) => void;
  readonly stop: () => void;
}

/** Timestamped lines on io.err; repeated boot ticks at most every 5 s. */
function progressLines(io: CliIo): (p: CaptureProgress) => void {
  let lastPhase = '';
  let lastBoot = -10;
  return (p) => {
    if (p.phase === 'boot' && p.phase === lastPhase && p.elapsedSeconds - lastBoot < 5) return;
    if (p.phase === 'boot') lastBoot = p.elapsedSeconds;
    lastPhase = p.phase;
    // Colour only on a terminal (picocolors turns it on whenever CI is set, pipes included).
    const stamp = `[${p.elapsedSeconds.toFixed(1).padStart(6)} s] `;
    io.err((io.errTty !== undefined ? pc.dim(stamp) : stamp) + `${p.message}\n`);
  };
}

/** The display for `io`: a bar on io.errTty when stderr is a terminal, else lines. */
export function captureProgressDisplay(io: CliIo): ProgressDisplay {
  const tty = io.errTty;
  if (tty === undefined) return { update: progressLines(io), stop: () => undefined };
  const bar = new cliProgress.SingleBar({
    stream: tty,
    format: 'capture [{bar}] {value}/{total} {phase} | {duration}s | {message}',
    barsize: 20,
    barCompleteChar: '=',
    barIncompleteChar: '-',
    hideCursor: false,
    linewrap: false,
    clearOnComplete: false,
    gracefulExit: false, // capture handles SIGINT/SIGTERM itself (and then stops the display)
  });
  let running = false;
  return {
    update: (p) => {
      const payload = { phase: p.phase, message: p.message };
      if (running) bar.update(STEP[p.phase], payload);
      else {
        bar.start(STEPS, STEP[p.phase], payload);
        running = true;
      }
    },
    stop: () => {
      if (running) bar.stop();
      running = false;
    },
  };
}
