/**
 * Just enough XML for AWS query/REST responses: text of the first element with a tag, and
 * the inner XML of every element with a tag. AWS responses are flat, namespaced only at the
 * root, and never use CDATA, so a full parser would be dead weight in the bundle.
 */
const ENTITY: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

export function decodeXmlEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_, e: string) => {
    if (e[0] !== "#") return ENTITY[e]!;
    const code = e[1] === "x" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return code <= 0x10ffff ? String.fromCodePoint(code) : "";
  });
}

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&${{ "&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "apos" }[c]};`);
}

/** Inner XML of each `<tag>…</tag>` (also `<tag attr="…">`), in document order. */
export function xmlElements(xml: string, tag: string): string[] {
  const out: string[] = [];
  const open = new RegExp(`<${tag}(?:\\s[^>]*)?>`, "g");
  const close = `</${tag}>`;
  let m: RegExpExecArray | null;
  while ((m = open.exec(xml))) {
    const start = m.index + m[0].length;
    const end = xml.indexOf(close, start);
    if (end < 0) break;
    out.push(xml.slice(start, end));
    open.lastIndex = end + close.length;
  }
  return out;
}

/** Decoded, trimmed text of the first `<tag>`; null when absent. */
export function xmlText(xml: string, tag: string): string | null {
  const el = xmlElements(xml, tag)[0];
  return el === undefined ? null : decodeXmlEntities(el).trim();
}
