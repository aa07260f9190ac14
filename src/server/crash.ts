import type { Logger } from '../observability/logger';

/**
 * Makes the process fail loudly: an unhandled rejection or an uncaught exception is
 * logged with its stack and context, then the process ends with exit code 1 so that the
 * orchestrator restarts it, instead of running on in an unknown state (or, for a
 * rejection, silently).
 */
export function installCrashHandlers(logger: Logger): void {
  const exit = () => process.exit(1);
  const fail = (kind: string, error: unknown) => {
    const err = error instanceof Error ? error : new Error(`non-error ${kind}: ${String(error)}`);
    logger.fatal({ err, kind, pid: process.pid, uptimeSeconds: process.uptime() }, kind);
    // The destination is asynchronous: the line is written out before the exit (or the
    // exit comes anyway after a second, should the stream itself be what broke; the
    // timer holds the process until then).
    const timer = setTimeout(exit, 1_000);
    logger.flush(() => {
      clearTimeout(timer);
      exit();
    });
  };
  process.on('unhandledRejection', (reason) => fail('unhandled rejection', reason));
  process.on('uncaughtException', (error) => fail('uncaught exception', error));
}
