import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Files in DATA_DIR that hold secrets: each is kept 0600. */
export const SECRET_FILES = ['jwt-secret', 'demo-key.txt'] as const;
export type SecretFile = (typeof SECRET_FILES)[number];

/** DATA_DIR's mode: only the server's user may list or enter it. */
export const DATA_DIR_MODE = 0o700;
/** A secret file's mode: only the server's user may read it. */
export const SECRET_FILE_MODE = 0o600;

/**
 * Creates DATA_DIR (0700) and puts it and the secret files already in it back to their
 * modes, so that a directory made by an older version, a umask or an operator's `cp`
 * does not stay readable by others. Called once at start, before anything reads it.
 */
export async function prepareDataDir(dataDir: string): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: DATA_DIR_MODE });
  await chmod(dataDir, DATA_DIR_MODE);
  for (const name of SECRET_FILES) {
    await chmod(path.join(dataDir, name), SECRET_FILE_MODE).catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      },
    );
  }
}

/** Reads a secret file of DATA_DIR, trimmed; '' when it does not exist. */
export async function readSecretFile(dataDir: string, name: SecretFile): Promise<string> {
  return (await readFile(path.join(dataDir, name), 'utf8').catch(() => '')).trim();
}

/**
 * Writes a secret file of DATA_DIR with mode 0600. The chmod after the write covers a
 * file that existed with another mode (writeFile's mode applies only on creation).
 */
export async function writeSecretFile(
  dataDir: string,
  name: SecretFile,
  content: string,
): Promise<string> {
  await mkdir(dataDir, { recursive: true, mode: DATA_DIR_MODE });
  const file = path.join(dataDir, name);
  await writeFile(file, `${content}\n`, { mode: SECRET_FILE_MODE });
  await chmod(file, SECRET_FILE_MODE);
  return file;
}
