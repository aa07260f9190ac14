import v8 from 'node:v8';

/**
 * V8 settings of a gateway process, applied once at start-up, before the server runs.
 *
 * Allocation-site pretenuring is turned off. V8 allocates objects straight into the old
 * generation at allocation sites whose objects have survived young-generation
 * collections. The slow requests every gateway serves (start-up, sign-ups hashing a
 * password, portfolio reads) keep Node's own HTTP objects alive long enough to mark
 * their sites, and from then on every request's objects, which die within a
 * millisecond, fill the old generation and cost full collections (seen with
 * --trace-gc: the old generation grew ~20 MB/s under a hot query; flat without it).
 * Measured by `npm run bench:http`: hot quote 0.45-0.53 of bare node without this
 * setting, 0.55-0.58 with it, and steadier from run to run.
 */
export function tuneRuntime(): void {
  v8.setFlagsFromString('--no-allocation-site-pretenuring');
}
