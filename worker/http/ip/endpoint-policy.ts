/**
 * Which hosts an integration endpoint may name (SPEC "Endpoints"): never private, loopback,
 * link-local or metadata addresses, however they are spelt; loopback only in development.
 */
import { inRanges, ipv4Mapped, matchesPrefix, parseIp, type Cidr, type ParsedIp } from "./parse";

function cidr(bytes: readonly number[], prefix: number, length: 4 | 16): Cidr {
  const net = new Uint8Array(length);
  net.set(bytes);
  return { net, prefix };
}
const cidr4 = (b: readonly number[], prefix: number): Cidr => cidr(b, prefix, 4);
const cidr6 = (b: readonly number[], prefix: number): Cidr => cidr(b, prefix, 16);

const FORBIDDEN_V4: readonly Cidr[] = [
  cidr4([0], 8), // "this network", 0.0.0.0
  cidr4([10], 8), // private
  cidr4([100, 64], 10), // carrier-grade NAT (also Alibaba's metadata 100.100.100.200)
  cidr4([127], 8), // loopback
  cidr4([169, 254], 16), // link-local, 169.254.169.254 metadata
  cidr4([172, 16], 12), // private
  cidr4([192, 0, 0], 24), // IETF protocol assignments
  cidr4([192, 168], 16), // private
  cidr4([198, 18], 15), // benchmarking
  cidr4([224], 4), // multicast
  cidr4([240], 4), // reserved, 255.255.255.255 broadcast
];

const V6_LOOPBACK = cidr6([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 128);
const FORBIDDEN_V6: readonly Cidr[] = [
  cidr6([], 128), // ::
  V6_LOOPBACK, // ::1
  cidr6([0xfc], 7), // unique local
  cidr6([0xfe, 0x80], 10), // link-local
  cidr6([0xfe, 0xc0], 10), // site-local (deprecated)
  cidr6([0xff], 8), // multicast
];

const METADATA_HOSTS = new Set(["metadata", "metadata.google.internal", "instance-data", "localhost"]);
/** Suffixes of names that are internal by definition (RFC 6761/6762/8375, ICANN's private-use `.internal`). */
const INTERNAL_SUFFIXES = [".localhost", ".internal", ".local", ".localdomain", ".home.arpa"];
/** Public names that resolve to 127.0.0.1 whatever the subdomain. */
const LOOPBACK_NAMES = ["localtest.me", "lvh.me", "vcap.me", "localhost.localdomain"];
/** Wildcard DNS services that also read an address from an 8-hex-digit label (`0a000001.nip.io`). */
const HEX_ADDRESS_DNS = ["nip.io", "sslip.io", "xip.io", "traefik.me"];

/** The IPv4 address an IPv6 address stands for (mapped, compatible, NAT64, 6to4), or null. */
function embeddedIpv4(b: Uint8Array): Uint8Array | null {
  const mapped = ipv4Mapped(b);
  if (mapped) return mapped;
  let zeros = true;
  for (let i = 0; i < 12; i++) if (b[i] !== 0) zeros = false;
  if (zeros) return b.subarray(12, 16); // ::a.b.c.d (deprecated IPv4-compatible)
  // ::ffff:0:a.b.c.d (IPv4-translated)
  if (b.subarray(0, 8).every((x) => x === 0) && b[8] === 0xff && b[9] === 0xff && b[10] === 0 && b[11] === 0) return b.subarray(12, 16);
  // 64:ff9b::/96 (NAT64 well-known prefix)
  if (b[0] === 0 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && b.subarray(4, 12).every((x) => x === 0)) return b.subarray(12, 16);
  // 2002::/16 (6to4): the IPv4 address is bytes 2..5
  if (b[0] === 0x20 && b[1] === 0x02) return b.subarray(2, 6);
  return null;
}

/** Whether an IP address (parsed) is loopback, private, link-local, metadata or otherwise not a public endpoint. */
function isForbiddenIp(ip: ParsedIp): boolean {
  if (ip.version === 4) return inRanges(ip.bytes, FORBIDDEN_V4);
  if (inRanges(ip.bytes, FORBIDDEN_V6)) return true;
  const v4 = embeddedIpv4(ip.bytes);
  return v4 !== null && inRanges(v4, FORBIDDEN_V4);
}

/**
 * The host name a URL parser would connect to, lowercase, without brackets or a trailing
 * dot, or null when `host` is not a bare host. Canonicalising with the URL parser resolves
 * the IPv4 shorthands browsers accept (`2130706433`, `0x7f.1`, `017700000001`) and
 * IPv6 spellings (`[::ffff:127.0.0.1]` → `::ffff:7f00:1`).
 */
function canonicalHost(host: string): string | null {
  // Anything that would make the URL parser take a different part as the host.
  for (let i = 0; i < host.length; i++) {
    const c = host.charCodeAt(i);
    if (c <= 0x20 || c === 0x2f || c === 0x5c || c === 0x40 || c === 0x23 || c === 0x3f || c === 0x7f) return null;
  }
  // A bare IPv6 address ("::1") needs brackets to be a URL host.
  const bracketed = host.includes(":") && !host.startsWith("[") && parseIp(host)?.version === 6 ? `[${host}]` : host;
  let hostname: string;
  try {
    hostname = new URL(`http://${bracketed}`).hostname;
  } catch {
    return null;
  }
  if (hostname.startsWith("[") && hostname.endsWith("]")) hostname = hostname.slice(1, -1);
  if (hostname.endsWith(".")) hostname = hostname.slice(0, -1);
  return hostname === "" ? null : hostname;
}

/**
 * True when an integration endpoint on `hostname` must be refused: loopback (127/8, ::1,
 * `localhost`, `*.localhost`), private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local
 * (169.254/16 with the 169.254.169.254 metadata address, fe80::/10), unspecified (0/8, ::),
 * CGNAT (100.64/10), multicast/reserved ranges, cloud metadata names (`metadata`,
 * `metadata.google.internal`, `instance-data`, anything under the private-use `.internal`
 * TLD, `.local`, `.localdomain`, `.home.arpa`), public names that always resolve to loopback
 * (`localtest.me`, `lvh.me`, …), names that spell such an address for wildcard DNS services
 * (`169.254.169.254.nip.io`), and every IPv6 form that embeds one of those IPv4 addresses.
 * Hosts that do not parse as a bare host are refused too (fail closed).
 */
export function isForbiddenEndpointHost(hostname: string): boolean {
  if (typeof hostname !== "string") return true;
  const host = canonicalHost(hostname);
  if (host === null) return true;
  if (METADATA_HOSTS.has(host) || INTERNAL_SUFFIXES.some((s) => host.endsWith(s))) return true;
  if (isUnder(host, LOOPBACK_NAMES)) return true;
  const ip = parseIp(host);
  if (ip !== null) return isForbiddenIp(ip);
  return embedsForbiddenIp(host);
}

function isUnder(host: string, domains: readonly string[]): boolean {
  return domains.some((d) => host === d || host.endsWith("." + d));
}

/** Four decimal parts (0..255) as an IPv4 address, or null. */
function ipv4FromParts(parts: string[]): ParsedIp | null {
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return null;
  return { version: 4, bytes: Uint8Array.from(parts.map(Number)) };
}

/**
 * Whether a name spells a forbidden address the way wildcard DNS services (nip.io, sslip.io
 * and the like) resolve it: `10.0.0.1.nip.io`, `app-169-254-169-254.nip.io`, `--1.sslip.io`,
 * `0a000001.nip.io`. Without DNS this is all that can be refused; see the README on names.
 */
function embedsForbiddenIp(host: string): boolean {
  const labels = host.split(".");
  for (let i = 0; i + 4 <= labels.length; i++) {
    const ip = ipv4FromParts(labels.slice(i, i + 4));
    if (ip && isForbiddenIp(ip)) return true;
  }
  const hex = isUnder(host, HEX_ADDRESS_DNS);
  for (const label of labels) {
    const parts = label.split("-");
    for (let i = 0; i + 4 <= parts.length; i++) {
      const ip = ipv4FromParts(parts.slice(i, i + 4));
      if (ip && isForbiddenIp(ip)) return true;
    }
    if (label.includes("-")) {
      const v6 = parseIp(label.replace(/-/g, ":"));
      if (v6?.version === 6 && isForbiddenIp(v6)) return true;
    }
    if (hex && /^[0-9a-f]{8}$/.test(label)) {
      const n = parseInt(label, 16);
      if (isForbiddenIp({ version: 4, bytes: Uint8Array.of(n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255) })) return true;
    }
  }
  return false;
}

/** Loopback only (127/8, ::1 and its IPv4-mapped forms, `localhost`, `*.localhost`): what ALLOW_HTTP_LOOPBACK_ENDPOINTS opens up. */
export function isLoopbackHost(hostname: string): boolean {
  if (typeof hostname !== "string") return false;
  const host = canonicalHost(hostname);
  if (host === null) return false;
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  const ip = parseIp(host);
  if (!ip) return false;
  if (ip.version === 4) return ip.bytes[0] === 127;
  if (matchesPrefix(ip.bytes, V6_LOOPBACK.net, 128)) return true;
  const v4 = ipv4Mapped(ip.bytes);
  return v4 !== null && v4[0] === 127;
}
