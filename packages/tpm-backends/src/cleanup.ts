/**
 * Last-resort cleanup of spawned processes and temporary files when the Node process ends
 * without `close()` having run: on `exit`, and on SIGINT/SIGTERM/SIGHUP (after which the signal is
 * raised again so the process still ends the way it would have).
 *
 * This is the one piece of module-level mutable state in the package: process exit handlers are
 * process-wide by nature. One listener per event serves every registered action, however many
 * resources are open at once (SwtpmBackend here, platform-ovmf's capture scopes), so concurrent
 * ones never pile up listeners on `process`. The listeners are installed while at least one
 * action is registered and removed when the last one is released.
 */

/**
 * A synchronous cleanup action (kill a process, remove a directory); `signal` is the signal that
 * ends the process, undefined on `exit`.
 */
export type CleanupAction = (signal?: NodeJS.Signals) => void;

const actions = new Set<CleanupAction>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function runAll(signal?: NodeJS.Signals): void {
  for (const a of [...actions]) {
    actions.delete(a);
    try {
      a(signal);
    } catch {
      // best effort: the process is going away
    }
  }
}

function onExit(): void {
  runAll();
}

function onSignal(signal: NodeJS.Signals): void {
  runAll(signal);
  uninstall();
  // Re-raise only when nobody else handles the signal, so the default action (exit) happens.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

let installed = false;
function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', onExit);
  for (const s of SIGNALS) process.on(s, onSignal);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.off('exit', onExit);
  for (const s of SIGNALS) process.off(s, onSignal);
}

/** Registers `action` to run if the process ends first; returns the function that unregisters it. */
export function registerCleanup(action: CleanupAction): () => void {
  actions.add(action);
  install();
  return () => {
    actions.delete(action);
    if (actions.size === 0) uninstall();
  };
}
