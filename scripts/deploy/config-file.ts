/// <reference types="node" />
/**
 * Edits of wrangler.toml that setup makes: the D1 and KV ids of the blocks that bind `DB` and
 * `CREDENTIALS`, and [vars] values. Line-based, so comments and layout stay as they are.
 */

const PLACEHOLDER = /^0+$|^0{8}-0{4}-0{4}-0{4}-0{12}$/;

interface Block {
  header: string;
  start: number;
  end: number;
}

function blocks(lines: string[]): Block[] {
  const out: Block[] = [];
  lines.forEach((line, i) => {
    const m = /^\s*(\[\[?[^\]]+\]\]?)\s*(#.*)?$/.exec(line);
    if (m) {
      if (out.length) out[out.length - 1]!.end = i;
      out.push({ header: m[1]!.replace(/\s+/g, ""), start: i, end: lines.length });
    }
  });
  return out;
}

function bindingBlock(lines: string[], header: string, binding: string): Block {
  const b = blocks(lines).find(
    (blk) => blk.header === header && lines.slice(blk.start, blk.end).some((l) => new RegExp(`^\\s*binding\\s*=\\s*"${binding}"`).test(l)),
  );
  if (!b) throw new Error(`wrangler.toml has no ${header} block with binding = "${binding}"`);
  return b;
}

/** The value of `key` in the block binding `binding`, or null. */
export function bindingValue(toml: string, header: string, binding: string, key: string): string | null {
  const lines = toml.split("\n");
  const b = bindingBlock(lines, header, binding);
  for (const l of lines.slice(b.start, b.end)) {
    const m = new RegExp(`^\\s*${key}\\s*=\\s*"([^"]*)"`).exec(l);
    if (m) return m[1]!;
  }
  return null;
}

export function isPlaceholderId(id: string | null): boolean {
  return !id || PLACEHOLDER.test(id);
}

/** Sets `key = "value"` in the block binding `binding` (replacing the line, or adding it). */
export function setBindingValue(toml: string, header: string, binding: string, key: string, value: string): string {
  const lines = toml.split("\n");
  const b = bindingBlock(lines, header, binding);
  const re = new RegExp(`^(\\s*)${key}\\s*=`);
  const at = lines.slice(b.start, b.end).findIndex((l) => re.test(l));
  if (at >= 0) lines[b.start + at] = `${re.exec(lines[b.start + at]!)![1]}${key} = ${JSON.stringify(value)}`;
  else lines.splice(b.start + 1, 0, `${key} = ${JSON.stringify(value)}`);
  return lines.join("\n");
}

/** A [vars] value, or null. */
export function varValue(toml: string, name: string): string | null {
  const lines = toml.split("\n");
  const b = blocks(lines).find((blk) => blk.header === "[vars]");
  if (!b) return null;
  for (const l of lines.slice(b.start, b.end)) {
    const m = new RegExp(`^\\s*${name}\\s*=\\s*"([^"]*)"`).exec(l);
    if (m) return m[1]!;
  }
  return null;
}

/** Sets a [vars] value (replacing its line, or adding it at the end of [vars]). */
export function setVar(toml: string, name: string, value: string): string {
  const lines = toml.split("\n");
  const b = blocks(lines).find((blk) => blk.header === "[vars]");
  if (!b) throw new Error("wrangler.toml has no [vars] table");
  const re = new RegExp(`^\\s*${name}\\s*=`);
  const at = lines.slice(b.start, b.end).findIndex((l) => re.test(l));
  const line = `${name} = ${JSON.stringify(value)}`;
  if (at >= 0) lines[b.start + at] = line;
  else {
    let end = b.end;
    while (end > b.start + 1 && lines[end - 1]!.trim() === "") end--;
    lines.splice(end, 0, line);
  }
  return lines.join("\n");
}
