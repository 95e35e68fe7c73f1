/**
 * POSIX shell quoting for every value signpost puts into a command or script an owner pastes
 * (Cloud Shell, CloudShell, a terminal). Whatever the value holds, it stays one word, and a
 * comment stays one line.
 */

/** Quotes a value as one shell word: bare when plainly safe, else in single quotes. */
export function shellQuote(v: string): string {
  return /^[A-Za-z0-9@%+=:,./_-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}

/** A `#` comment line: line breaks and other control characters in values become spaces. */
export function shellComment(text: string): string {
  return `# ${text.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, " ")}`;
}
