import path from 'node:path';
import { ConfigError, loadConfig } from '../../../src/config/load-config';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env, '/srv');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('starts on embedded defaults with an empty environment', () => {
    const config = loadConfig({}, '/srv/app');
    expect(config).toMatchObject({
      env: 'development',
      port: 4000,
      dataDir: path.resolve('/srv/app', '.yieldflow'),
      databaseUrl: undefined,
      redisUrl: undefined,
      redisKeyPrefix: 'yf:',
      corsOrigins: [],
      shutdownGraceMs: 10_000,
      seedDemo: true,
    });
  });

  it('reports every bad variable, one line each, naming it', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      DATABASE_URL: 'mysql://x',
      REDIS_URL: 'localhost:6379',
      CORS_ORIGINS: 'https://ok.example, not an origin',
      SHUTDOWN_GRACE_MS: '-5',
    });
    expect(problems).toHaveLength(5);
    for (const name of ['PORT', 'DATABASE_URL', 'REDIS_URL', 'CORS_ORIGINS', 'SHUTDOWN_GRACE_MS']) {
      expect(problems.filter((line) => line.startsWith(`${name}: `))).toHaveLength(1);
    }
    expect(problems.every((line) => !line.includes('\n'))).toBe(true);
  });

  it('requires a JWT_SECRET of at least 32 characters in production, and seeds nothing there', () => {
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual([
      'JWT_SECRET: required when NODE_ENV=production (at least 32 characters)',
    ]);
    expect(problemsOf({ NODE_ENV: 'production', JWT_SECRET: 'short' })).toEqual([
      'JWT_SECRET: must be at least 32 characters',
    ]);
    const config = loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) }, '/srv');
    expect(config.seedDemo).toBe(false);
    expect(config.isProduction).toBe(true);
  });

  it('parses the CORS allow-list and treats empty URLs as unset', () => {
    const config = loadConfig(
      {
        CORS_ORIGINS: 'https://a.example, http://localhost:3000',
        DATABASE_URL: '',
        REDIS_URL: ' ',
      },
      '/srv',
    );
    expect(config.corsOrigins).toEqual(['https://a.example', 'http://localhost:3000']);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
  });
});
