import { Writable } from 'node:stream';
import pino from 'pino';

/** A pino logger at `info` that keeps every line it writes, parsed, in `lines`. */
export function keepingLogger(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString('utf8')));
        done();
      },
    }),
  );
  return { logger, lines };
}
