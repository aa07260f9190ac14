import 'reflect-metadata';
import { ConfigError, loadConfig } from './config/load-config';
import { parseStartArgs } from './config/start-args';
import { createLogger } from './observability/logger';
import { startApp } from './server/app';
import { installCrashHandlers } from './server/crash';
import { tuneRuntime } from './server/runtime-tuning';

async function main(): Promise<void> {
  tuneRuntime();
  let config;
  try {
    config = loadConfig(undefined, undefined, parseStartArgs(process.argv.slice(2)));
  } catch (error) {
    const problems =
      error instanceof ConfigError ? error.problems : [`arguments: ${(error as Error).message}`];
    for (const problem of problems) process.stderr.write(`config error: ${problem}\n`);
    process.exitCode = 1;
    return;
  }
  const logger = createLogger({ level: config.logLevel });
  installCrashHandlers(logger);
  const app = await startApp({ config, logger });

  // Before the banner: whoever waits for it (a supervisor, a test) may signal at once.
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    logger.info({ signal }, 'signal received');
    app.stop().then(
      () => {
        process.exitCode = 0;
      },
      (error: Error) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  const banner = [`Yieldflow is ready: ${app.url}`];
  if (app.demo) {
    banner.push(
      `Demo API key (PRO plan): ${app.demo.apiKey}`,
      `  kept in ${app.demo.keyFile}`,
      `  try: curl -s ${app.url} -H 'content-type: application/json' -H 'x-api-key: ${app.demo.apiKey}' -d '{"query":"{ me { email plan } }"}'`,
    );
  }
  process.stdout.write(`${banner.join('\n')}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`start-up failed: ${error.message}\n`);
  process.exitCode = 1;
});
