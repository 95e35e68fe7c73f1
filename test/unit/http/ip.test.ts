import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseIp } from "../../../worker/http/ip/parse";
import { IpAllowlist } from "../../../worker/http/ip/allowlist";
import { isForbiddenEndpointHost, isLoopbackHost } from "../../../worker/http/ip/endpoint-policy";

const bytesOf = (s: string) => Array.from(parseIp(s)?.bytes ?? []);

describe("parseIp", () => {
  it.each([
    ["1.2.3.4", 4, [1, 2, 3, 4]],
    ["0.0.0.0", 4, [0, 0, 0, 0]],
    ["255.255.255.255", 4, [255, 255, 255, 255]],
    ["::", 6, new Array(16).fill(0)],
    ["::1", 6, [...new Array(15).fill(0), 1]],
    ["1::", 6, [0, 1, ...new Array(14).fill(0)]],
    ["2001:db8::8a2e:370:7334", 6, [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0x8a, 0x2e, 0x03, 0x70, 0x73, 0x34]],
    ["2001:DB8:0:0:0:0:0:1", 6, [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]],
    ["::ffff:1.2.3.4", 6, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4]],
    ["::ffff:102:304", 6, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4]],
    ["1:2:3:4:5:6:1.2.3.4", 6, [0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 1, 2, 3, 4]],
    ["1:2:3:4:5:6:7::", 6, [0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 0]],
    ["::2:3:4:5:6:7:8", 6, [0, 0, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8]],
  ] as const)("%s", (s, version, bytes) => {
    const ip = parseIp(s);
    expect(ip?.version).toBe(version);
    expect(Array.from(ip!.bytes)).toEqual(bytes);
  });

  it.each([
    "",
    "1.2.3",
    "1.2.3.4.5",
    "256.1.1.1",
    "01.2.3.4",
    "1.2.3.04",
    "1.2.3.-1",
    "1..2.3",
    "1.2.3.4 ",
    " 1.2.3.4",
    "0x7f.0.0.1",
    "2130706433",
    "1.2.3.4/32",
    ":",
    ":::",
    "1:::2",
    "::1::",
    "1::2::3",
    ":1::",
    "1:",
    "1:2:3:4:5:6:7",
    "1:2:3:4:5:6:7:8:9",
    "1:2:3:4:5:6:7:8::",
    "12345::",
    "g::",
    "fe80::1%eth0",
    "[::1]",
    "::ffff:1.2.3",
    "::ffff:1.2.3.4:5",
    "::1.2.3.4.5",
    "1:2:3:4:5:6:7:1.2.3.4",
    "1.2.3.4::",
    "é",
  ])("refuses %j", (s) => {
    expect(parseIp(s)).toBeNull();
  });
});

describe("IpAllowlist", () => {
  it("an empty list allows everyone, even without an address", () => {
    for (const l of [IpAllowlist.parse(""), IpAllowlist.parse(" , ,"), IpAllowlist.parse([])]) {
      expect(l.isEmpty).toBe(true);
      expect(l.allows(null)).toBe(true);
      expect(l.allows("garbage")).toBe(true);
    }
  });

  it("matches IPv4 and IPv6 CIDRs and bare addresses", () => {
    const l = IpAllowlist.parse("10.0.0.0/8, 192.168.1.77/24 ,203.0.113.5, 2001:db8::/32, ::1");
    expect(l.isEmpty).toBe(false);
    expect(l.allows("10.1.2.3")).toBe(true);
    expect(l.allows("11.0.0.0")).toBe(false);
    expect(l.allows("192.168.1.200")).toBe(true); // host bits in the entry are masked off
    expect(l.allows("192.168.2.1")).toBe(false);
    expect(l.allows("203.0.113.5")).toBe(true);
    expect(l.allows("203.0.113.6")).toBe(false);
    expect(l.allows("2001:db8:ffff::1")).toBe(true);
    expect(l.allows("2001:db9::1")).toBe(false);
    expect(l.allows("::1")).toBe(true);
    expect(l.allows("::2")).toBe(false);
  });

  it("fails closed on missing or unparsable client addresses", () => {
    const l = IpAllowlist.parse(["0.0.0.0/0", "::/0"]);
    expect(l.allows("8.8.8.8")).toBe(true);
    expect(l.allows("2606:4700::1")).toBe(true);
    for (const ip of [null, undefined, "", "unknown", "1.2.3.4, 5.6.7.8", "fe80::1%eth0", "[::1]"]) expect(l.allows(ip)).toBe(false);
  });

  it("treats IPv4-mapped IPv6 as IPv4, as client and as entry", () => {
    expect(IpAllowlist.parse("10.0.0.0/8").allows("::ffff:10.9.8.7")).toBe(true);
    expect(IpAllowlist.parse("10.0.0.0/8").allows("::ffff:a09:807")).toBe(true);
    expect(IpAllowlist.parse("10.0.0.0/8").allows("::ffff:11.9.8.7")).toBe(false);
    expect(IpAllowlist.parse("::ffff:10.0.0.0/104").allows("10.200.0.1")).toBe(true);
    expect(IpAllowlist.parse("::ffff:10.0.0.0/104").allows("11.0.0.1")).toBe(false);
    expect(IpAllowlist.parse("::ffff:0:0/96").allows("1.2.3.4")).toBe(true);
    // ::/0 is an IPv6 rule; it does not swallow IPv4 clients.
    expect(IpAllowlist.parse("::/0").allows("1.2.3.4")).toBe(false);
  });

  it.each(["10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/08", "10.0.0.0/-1", "10.0.0.0/8/8", "10.0.0", "example.com", "1.2.3.4-1.2.3.9", "*"])(
    "throws an Error naming the bad entry %j",
    (entry) => {
      expect(() => IpAllowlist.parse(`1.2.3.4, ${entry}`)).toThrow(entry);
    },
  );
});

/** Reference membership on bit strings. */
function bits(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(2).padStart(8, "0")).join("");
}
function refContains(net: Uint8Array, prefix: number, addr: Uint8Array): boolean {
  return bits(net).slice(0, prefix) === bits(addr).slice(0, prefix);
}
const v4Text = (b: number[]) => b.join(".");
const v6Text = (b: number[]) => Array.from({ length: 8 }, (_, i) => ((b[2 * i]! << 8) | b[2 * i + 1]!).toString(16)).join(":");

describe("CIDR membership agrees with a reference", () => {
  it("IPv4", () => {
    const addr = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 });
    fc.assert(
      fc.property(addr, fc.integer({ min: 0, max: 32 }), addr, fc.integer({ min: 0, max: 32 }), (net, prefix, client, flip) => {
        // Bias towards near misses: often derive the client from the network with one bit flipped.
        const c = flip < 32 && flip % 2 === 0 ? net.map((b, i) => (i === flip >> 3 ? b ^ (0x80 >> (flip & 7)) : b)) : client;
        const l = IpAllowlist.parse(`${v4Text(net)}/${prefix}`);
        expect(l.allows(v4Text(c))).toBe(refContains(Uint8Array.from(net), prefix, Uint8Array.from(c)));
        expect(l.allows(`::ffff:${v4Text(c)}`)).toBe(refContains(Uint8Array.from(net), prefix, Uint8Array.from(c)));
      }),
      { numRuns: 1000 },
    );
  });

  it("IPv6", () => {
    const addr = fc
      .array(fc.integer({ min: 0, max: 255 }), { minLength: 16, maxLength: 16 })
      .filter((b) => !(b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff));
    fc.assert(
      fc.property(addr, fc.integer({ min: 0, max: 128 }), addr, fc.integer({ min: 0, max: 255 }), (net, prefix, client, flip) => {
        const c = flip < 128 ? net.map((b, i) => (i === flip >> 3 ? b ^ (0x80 >> (flip & 7)) : b)) : client;
        fc.pre(!(c.slice(0, 10).every((x) => x === 0) && c[10] === 0xff && c[11] === 0xff));
        const l = IpAllowlist.parse([`${v6Text(net)}/${prefix}`]);
        expect(l.allows(v6Text(c))).toBe(refContains(Uint8Array.from(net), prefix, Uint8Array.from(c)));
        expect(Array.from(parseIp(v6Text(c))!.bytes)).toEqual(c);
      }),
      { numRuns: 1000 },
    );
  });

  it("IPv6 text forms round-trip through the platform URL parser", () => {
    const addr = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 16, maxLength: 16 });
    fc.assert(
      fc.property(addr, (b) => {
        const canonical = new URL(`http://[${v6Text(b)}]/`).hostname.slice(1, -1); // compressed form
        expect(bytesOf(canonical)).toEqual(b);
      }),
      { numRuns: 500 },
    );
  });
});

describe("isForbiddenEndpointHost", () => {
  it.each([
    "localhost",
    "LOCALHOST",
    "localhost.",
    "foo.localhost",
    "127.0.0.1",
    "127.1.2.3",
    "2130706433",
    "0x7f.1",
    "0x7f000001",
    "017700000001",
    "127.1",
    "0",
    "0.0.0.0",
    "10.1.2.3",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.0.1",
    "169.254.169.254",
    "0xa9fea9fe",
    "100.64.0.1",
    "100.100.100.200",
    "224.0.0.1",
    "255.255.255.255",
    "::1",
    "[::1]",
    "::",
    "[::]",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "[fe80::abcd]",
    "::ffff:127.0.0.1",
    "[::ffff:7f00:1]",
    "[::ffff:169.254.169.254]",
    "::ffff:10.0.0.1",
    "::127.0.0.1",
    "[::a9fe:a9fe]",
    "64:ff9b::a9fe:a9fe",
    "2002:a9fe:a9fe::1",
    "metadata",
    "metadata.google.internal",
    "METADATA.GOOGLE.INTERNAL.",
    "anything.internal",
    "instance-data",
    "ｌｏｃａｌｈｏｓｔ",
    "%6c%6f%63%61%6c%68%6f%73%74",
    "",
    "evil.com@127.0.0.1",
    "127.0.0.1/x",
    "127.0.0.1#x",
    "a b",
    "fe80::1%eth0",
    "[not an ip]",
  ])("refuses %j", (host) => {
    expect(isForbiddenEndpointHost(host)).toBe(true);
  });

  it.each([
    "acc.r2.cloudflarestorage.com",
    "s3.us-east-1.amazonaws.com",
    "minio.example.com",
    "8.8.8.8",
    "172.32.0.1",
    "172.15.255.255",
    "100.128.0.1",
    "169.255.0.1",
    "11.0.0.1",
    "2606:4700::1111",
    "[2606:4700::1111]",
    "::ffff:8.8.8.8",
    "localhost.example.com",
    "metadata.example.com",
  ])("accepts %j", (host) => {
    expect(isForbiddenEndpointHost(host)).toBe(false);
  });

  it("agrees with the private ranges on random IPv4 addresses, in every spelling", () => {
    const ranges: Array<[number[], number]> = [
      [[0, 0, 0, 0], 8],
      [[10, 0, 0, 0], 8],
      [[100, 64, 0, 0], 10],
      [[127, 0, 0, 0], 8],
      [[169, 254, 0, 0], 16],
      [[172, 16, 0, 0], 12],
      [[192, 0, 0, 0], 24],
      [[192, 168, 0, 0], 16],
      [[198, 18, 0, 0], 15],
      [[224, 0, 0, 0], 4],
      [[240, 0, 0, 0], 4],
    ];
    const addr = fc.oneof(
      fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }),
      fc
        .tuple(fc.constantFrom(...ranges), fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }))
        .map(([[net], r]) => [net[0]!, net[1]! | (r[1]! & 0x0f), r[2]!, r[3]!]),
    );
    fc.assert(
      fc.property(addr, (b) => {
        const expected = ranges.some(([net, p]) => refContains(Uint8Array.from(net), p, Uint8Array.from(b)));
        const n = ((b[0]! << 24) >>> 0) + (b[1]! << 16) + (b[2]! << 8) + b[3]!;
        for (const spelling of [v4Text(b), String(n), "0x" + n.toString(16), `::ffff:${v4Text(b)}`, `[::ffff:${v4Text(b)}]`]) {
          expect(isForbiddenEndpointHost(spelling)).toBe(expected);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe("isLoopbackHost", () => {
  it.each(["localhost", "127.0.0.1", "127.9.9.9", "::1", "[::1]", "a.localhost", "[::ffff:127.0.0.1]", "2130706433"])("%j is loopback", (h) => {
    expect(isLoopbackHost(h)).toBe(true);
  });
  it.each(["10.0.0.1", "example.com", "::2", "169.254.169.254", "localhost.example.com", "127.0.0.1@evil.com", ""])("%j is not", (h) => {
    expect(isLoopbackHost(h)).toBe(false);
  });
});
