/** NODE_ENV values a start script may name as the default. */
const NODE_ENVS = ['development', 'production', 'test'] as const;

/** What the server's command line says (`node dist/src/index.js [options]`). */
export interface StartArgs {
  /**
   * NODE_ENV to assume when the environment leaves it unset. `npm start` passes
   * `--default-node-env=development` so that a first run gets the demo account; the
   * bare `node dist/src/index.js` of a deployment gets production.
   */
  defaultNodeEnv?: (typeof NODE_ENVS)[number];
}

/** Parses the server's arguments; throws naming an unknown or malformed one. */
export function parseStartArgs(argv: readonly string[]): StartArgs {
  const args: StartArgs = {};
  for (const arg of argv) {
    const match = /^--default-node-env=(.*)$/.exec(arg);
    if (!match) throw new Error(`unknown argument ${arg} (expected --default-node-env=<env>)`);
    const value = match[1] as StartArgs['defaultNodeEnv'];
    if (!NODE_ENVS.includes(value!)) {
      throw new Error(`--default-node-env: must be one of ${NODE_ENVS.join(', ')}`);
    }
    args.defaultNodeEnv = value;
  }
  return args;
}

/** `env` with NODE_ENV filled from the arguments' default when unset or blank. */
export function withDefaultNodeEnv(env: NodeJS.ProcessEnv, args: StartArgs): NodeJS.ProcessEnv {
  if (env.NODE_ENV?.trim() || !args.defaultNodeEnv) return env;
  return { ...env, NODE_ENV: args.defaultNodeEnv };
}
