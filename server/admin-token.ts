// The admin token when SHELF_ADMIN_TOKEN is not set (as Jenkins does with its first admin password): read from
// `<dataDir>/admin-token`, or made (24 random bytes, base64url) and written there readable by its owner only.
// Must never log the token (the log says where the file is), and never replace a file that exists: one that does
// not hold a usable token is a startup error saying what is wrong with it.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** One line of 16 to 512 printable ASCII characters without spaces (what SHELF_ADMIN_TOKEN accepts, and more). */
const TOKEN = /^[\x21-\x7e]{16,512}$/;

/** The admin-token file exists but cannot be used; the server must not start (nor replace it). */
export class AdminTokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AdminTokenError';
  }
}

/** Why `text` (a token file's content) is not a usable token, or null when it is. */
export function tokenProblem(text: string): string | null {
  const lines = text.replace(/\r?\n$/, '').split(/\r?\n/);
  if (lines.length > 1) return `it has ${lines.length} lines; it must hold one line`;
  const token = lines[0]!;
  if (token.length === 0) return 'it is empty';
  if (token.length < 16) return `the token is ${token.length} characters; it must have at least 16`;
  if (!TOKEN.test(token)) return 'the token has spaces, control or non-ASCII characters, or more than 512 characters';
  return null;
}

/**
 * Reads the token from `<dataDir>/admin-token`, or makes the file when there is none.
 * @example
 *   const { token, file, created } = ensureAdminTokenFile('.shelf-data');
 * @throws AdminTokenError when the file exists but cannot be read or holds no usable token
 */
export function ensureAdminTokenFile(dataDir: string): { token: string; file: string; created: boolean } {
  const file = path.join(dataDir, 'admin-token');
  let text: string | null = null;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') throw new AdminTokenError(`cannot read the admin token file ${file} (${code ?? (err as Error).message}); fix its permissions, or delete it to have a new token made`);
  }
  if (text !== null) {
    const problem = tokenProblem(text);
    if (problem) {
      throw new AdminTokenError(
        `the admin token file ${file} holds no usable token: ${problem}. Put one line of at least 16 printable characters in it, or delete it to have a new token made (it is never replaced silently)`,
      );
    }
    return { token: text.trim(), file, created: false };
  }
  const token = randomBytes(24).toString('base64url');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  return { token, file, created: true };
}
