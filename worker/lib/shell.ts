/**
 * POSIX shell quoting for every value signpost puts into a command or script an owner pastes
 * (Cloud Shell, CloudShell, a terminal). Whatever the value holds, it stays one word.
 */

/** Quotes a value as one shell word: bare when plainly safe, else in single quotes. */
export function shellQuote(v: string): string {
  return /^[A-Za-z0-9@%+=:,./_-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}
