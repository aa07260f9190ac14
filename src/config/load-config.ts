import { envSchema, toConfig, type Config } from './env.schema';
import { brokerProblems } from './broker.schema';
import { retentionProblems } from './retention.schema';
import { withDefaultNodeEnv, type StartArgs } from './start-args';

/** Thrown by {@link loadConfig}; `problems` holds one line per bad or missing variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** How {@link loadConfig} reads the environment. */
export interface LoadOptions extends StartArgs {
  /**
   * False for tools that sign no tokens (migrate, admin:create): production does not
   * then require JWT_SECRET. Default true.
   */
  signsTokens?: boolean;
}

/**
 * Parses and checks the environment once. Reports every problem, not just the first,
 * each as `NAME: what is wrong`. `options.defaultNodeEnv` is the server's command-line
 * default (without one, an unset NODE_ENV is production).
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
  options: LoadOptions = {},
): Config {
  const parsed = envSchema.safeParse(withDefaultNodeEnv(env, options));
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map(
        (issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`,
      ),
    );
  }
  const config = toConfig(parsed.data, cwd);
  const problems = [...retentionProblems(config.retention), ...brokerProblems(parsed.data)];
  if (config.isProduction && !config.jwtSecret && options.signsTokens !== false) {
    problems.push(
      'JWT_SECRET: required in production, which an unset NODE_ENV means (at least 32 characters)',
    );
  }
  for (const provider of config.providers) {
    if (provider.name !== 'simulator' && !provider.apiKey) {
      problems.push(
        `${provider.name.toUpperCase()}_API_KEY: required because MARKET_DATA_PROVIDERS lists ${provider.name}`,
      );
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
