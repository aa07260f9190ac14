import { envSchema, toConfig, type Config } from './env.schema';

/** Thrown by {@link loadConfig}; `problems` holds one line per bad or missing variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses and checks the environment once. Reports every problem, not just the first,
 * each as `NAME: what is wrong`.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map(
        (issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`,
      ),
    );
  }
  const config = toConfig(parsed.data, cwd);
  const problems: string[] = [];
  if (config.isProduction && !config.jwtSecret) {
    problems.push('JWT_SECRET: required when NODE_ENV=production (at least 32 characters)');
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
