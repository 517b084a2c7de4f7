/**
 * Ctrl-C and SIGTERM for the long-running commands (train, sweep run, worker).
 * The first SIGINT or SIGTERM asks for a graceful stop; a later SIGTERM is
 * the same request again and is ignored, a second SIGINT exits at once (130).
 * Ctrl-C reaches a whole process group, so a sweep trial gets SIGINT from the
 * terminal and SIGTERM from its sweep: both are one request.
 */
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/** Calls `stop` on the first signal until the returned function removes the handlers. */
export function onInterrupt(stop: (signal: NodeJS.Signals) => void, message: string, print: (line: string) => void = console.log): () => void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping) {
      if (signal === 'SIGINT') process.exit(130);
      return;
    }
    stopping = true;
    print(`${signal}: ${message}; press Ctrl-C again to abort`);
    stop(signal);
  };
  for (const s of SIGNALS) process.on(s, handler);
  return () => {
    for (const s of SIGNALS) process.removeListener(s, handler);
  };
}
