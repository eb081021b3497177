/** Raised before Nest starts when a dependency (Postgres, Redis) cannot be reached. */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}

/** Single-line description of an error: its message, never its stack. */
export function oneLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.replace(/\s*\n\s*/g, ' ').trim();
}

/**
 * Entry-point wrapper for main.ts: runs `main`; on failure prints ONE line (no stack trace) to stderr
 * and exits with code 1. Config errors and unreachable dependencies surface here.
 */
export function bootstrap(main: () => Promise<unknown>, opts: { exit?: (code: number) => void; write?: (line: string) => void } = {}): Promise<void> {
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const write = opts.write ?? ((line: string) => process.stderr.write(line + '\n'));
  return main().then(
    () => undefined,
    (err: unknown) => {
      write(`startup failed: ${oneLine(err)}`);
      exit(1);
    },
  );
}
