/**
 * IP/CIDR allowlists: ALLOWED_IPS for all of /v1 and each integration's ipAllowlist.
 */
import { ipv4Mapped, maskInPlace, matchesPrefix, parseIp, type Cidr } from "./parse";

function parsePrefixLength(s: string, max: number): number {
  if (s.length === 0 || s.length > 3 || (s.length > 1 && s.charCodeAt(0) === 0x30)) return -1;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return -1;
    n = n * 10 + (c - 0x30);
  }
  return n <= max ? n : -1;
}

/**
 * An allowlist of IPs and CIDRs of both families (`10.0.0.0/8`, `2001:db8::/32`, a bare
 * address is /32 or /128; host bits are allowed and masked off). An IPv4-mapped IPv6
 * address (`::ffff:1.2.3.4`) is the IPv4 address it carries, as client and as entry.
 */
export class IpAllowlist {
  private constructor(
    private readonly v4: readonly Cidr[],
    private readonly v6: readonly Cidr[],
  ) {}

  /** A comma-separated string (the ALLOWED_IPS form) or an array; blank entries are skipped. */
  static parse(entries: string | readonly string[]): IpAllowlist {
    const list = typeof entries === "string" ? entries.split(",") : entries;
    const v4: Cidr[] = [];
    const v6: Cidr[] = [];
    for (const raw of list) {
      const entry = String(raw).trim();
      if (entry === "") continue;
      const slash = entry.indexOf("/");
      const ip = parseIp(slash < 0 ? entry : entry.slice(0, slash));
      const max = ip?.version === 4 ? 32 : 128;
      const prefix = slash < 0 ? max : parsePrefixLength(entry.slice(slash + 1), max);
      if (!ip || prefix < 0) throw new Error(`Invalid IP allowlist entry "${entry.slice(0, 100)}": expected an IPv4/IPv6 address or CIDR.`);
      const mapped = ip.version === 6 && prefix >= 96 ? ipv4Mapped(ip.bytes) : null;
      if (mapped) {
        const net = mapped.slice();
        maskInPlace(net, prefix - 96);
        v4.push({ net, prefix: prefix - 96 });
      } else {
        maskInPlace(ip.bytes, prefix);
        (ip.version === 4 ? v4 : v6).push({ net: ip.bytes, prefix });
      }
    }
    return new IpAllowlist(v4, v6);
  }

  get isEmpty(): boolean {
    return this.v4.length === 0 && this.v6.length === 0;
  }

  /** Empty list: everyone. Otherwise a missing or unparsable address is refused (fail closed). */
  allows(ip: string | null | undefined): boolean {
    if (this.isEmpty) return true;
    if (ip == null) return false;
    const parsed = parseIp(ip);
    if (!parsed) return false;
    let bytes = parsed.bytes;
    let list = parsed.version === 4 ? this.v4 : this.v6;
    if (parsed.version === 6) {
      const mapped = ipv4Mapped(bytes);
      if (mapped) {
        bytes = mapped;
        list = this.v4;
      }
    }
    for (const c of list) if (matchesPrefix(bytes, c.net, c.prefix)) return true;
    return false;
  }
}
