/**
 * IP addresses as bytes: strict parsing of textual IPv4/IPv6 addresses (client addresses,
 * allowlist entries, endpoint hosts) and matching of network prefixes (CIDRs) on those bytes.
 */

export interface ParsedIp {
  version: 4 | 6;
  /** 4 or 16 bytes, network order. */
  bytes: Uint8Array;
}

function parseIpv4Into(s: string, out: Uint8Array, offset: number): boolean {
  let part = 0;
  let digits = 0;
  let value = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      // Leading zeros are refused: "010" means 8 to some parsers and 10 to others.
      if (digits === 0 || part > 3 || (digits > 1 && s.charCodeAt(i - digits) === 0x30)) return false;
      out[offset + part++] = value;
      digits = 0;
      value = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      value = value * 10 + (c - 0x30);
      if (++digits > 3 || value > 255) return false;
    } else {
      return false;
    }
  }
  return part === 4;
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

function parseIpv6(s: string): Uint8Array | null {
  const out = new Uint8Array(16);
  const groups: number[] = [];
  let compressAt = -1;
  let i = 0;
  if (s.startsWith("::")) {
    compressAt = 0;
    i = 2;
    if (s.length === 2) return out;
  }
  while (i < s.length) {
    // An embedded IPv4 address may only end the address.
    const rest = s.slice(i);
    if (!rest.includes(":") && rest.includes(".")) {
      if (groups.length > 6) return null;
      const v4 = new Uint8Array(4);
      if (!parseIpv4Into(rest, v4, 0)) return null;
      groups.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      i = s.length;
      break;
    }
    let value = 0;
    let digits = 0;
    while (i < s.length) {
      const d = hexDigit(s.charCodeAt(i));
      if (d < 0) break;
      value = (value << 4) | d;
      if (++digits > 4) return null;
      i++;
    }
    if (digits === 0) return null;
    groups.push(value);
    if (groups.length > 8) return null;
    if (i === s.length) break;
    if (s.charCodeAt(i) !== 0x3a) return null; // ":" — anything else (like "%zone") is refused
    i++;
    if (i < s.length && s.charCodeAt(i) === 0x3a) {
      if (compressAt >= 0) return null;
      compressAt = groups.length;
      i++;
      if (i === s.length) break;
    } else if (i === s.length) {
      return null; // trailing single ":"
    }
  }
  if (compressAt < 0 ? groups.length !== 8 : groups.length > 7) return null;
  const tail = compressAt < 0 ? 0 : groups.length - compressAt;
  for (let g = 0; g < groups.length; g++) {
    const pos = compressAt >= 0 && g >= compressAt ? 8 - tail + (g - compressAt) : g;
    out[pos * 2] = groups[g] >> 8;
    out[pos * 2 + 1] = groups[g] & 0xff;
  }
  return out;
}

/**
 * A textual IP address, or null. IPv4 is strict dotted decimal; IPv6 takes `::`
 * compression and a trailing embedded IPv4 (`::ffff:1.2.3.4`). Zone ids (`fe80::1%eth0`),
 * brackets and surrounding spaces are refused.
 */
export function parseIp(s: string): ParsedIp | null {
  if (typeof s !== "string" || s.length < 2 || s.length > 45) return null;
  if (s.includes(":")) {
    const bytes = parseIpv6(s);
    return bytes ? { version: 6, bytes } : null;
  }
  const bytes = new Uint8Array(4);
  return parseIpv4Into(s, bytes, 0) ? { version: 4, bytes } : null;
}

/** The IPv4 address inside `::ffff:a.b.c.d`, or null. */
export function ipv4Mapped(b: Uint8Array): Uint8Array | null {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return null;
  return b[10] === 0xff && b[11] === 0xff ? b.subarray(12, 16) : null;
}

export function matchesPrefix(addr: Uint8Array, net: Uint8Array, prefix: number): boolean {
  const full = prefix >> 3;
  for (let i = 0; i < full; i++) if (addr[i] !== net[i]) return false;
  const bits = prefix & 7;
  if (bits === 0) return true;
  const mask = (0xff << (8 - bits)) & 0xff;
  return (addr[full] & mask) === net[full];
}

export function maskInPlace(bytes: Uint8Array, prefix: number): void {
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, prefix - i * 8));
    bytes[i] &= (0xff << (8 - keep)) & 0xff;
  }
}

/** A network: its first address (host bits zero) and prefix length. */
export interface Cidr {
  net: Uint8Array;
  prefix: number;
}

export function inRanges(bytes: Uint8Array, ranges: readonly Cidr[]): boolean {
  for (const r of ranges) if (matchesPrefix(bytes, r.net, r.prefix)) return true;
  return false;
}
