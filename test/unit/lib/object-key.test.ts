import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ApiError } from "../../../worker/http/errors";
import { MAX_KEY_BYTES, assertSafeKey, decodeKeySegments, encodeS3Key, uriEncode } from "../../../worker/lib/object-key";

function errorCode(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (e) {
    if (e instanceof ApiError) return e.code;
    throw e;
  }
}

/** Reference: encodeURIComponent plus the characters it leaves alone but S3 encodes. */
function referenceEncode(s: string, keepSlash: boolean): string {
  const enc = encodeURIComponent(s).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
  return keepSlash ? enc.replace(/%2F/g, "/") : enc;
}

/** A key that assertSafeKey accepts. */
const safeKey = fc
  .array(
    fc.oneof(
      fc.string({ unit: "grapheme", maxLength: 8 }),
      fc.string({ unit: "binary", maxLength: 8 }),
      fc.constantFrom("", "...", ".a", "a.", "%", "%2e", "+", " "),
    ),
    {
      minLength: 1,
      maxLength: 6,
    },
  )
  .map((segs) => segs.join("/"))
  .filter((k) => errorCode(() => assertSafeKey(k)) === null);

describe("encodeS3Key", () => {
  it.each([
    ["photos/2024/cat.jpg", "photos/2024/cat.jpg"],
    ["a b", "a%20b"],
    ["a+b", "a%2Bb"],
    ["!'()*", "%21%27%28%29%2A"],
    ["~-._", "~-._"],
    ["é", "%C3%A9"],
    ["日本", "%E6%97%A5%E6%9C%AC"],
    ["😀", "%F0%9F%98%80"],
    ["a%2Fb", "a%252Fb"],
    ["a\\b", "a%5Cb"],
    ["a?b#c", "a%3Fb%23c"],
    ["\n\t\0", "%0A%09%00"],
    ["\u007f", "%7F"],
    ["//x//", "//x//"],
    ["\uffff", "%EF%BF%BF"],
  ])("%j → %s", (key, expected) => {
    expect(encodeS3Key(key)).toBe(expected);
  });

  it("returns the very same string when nothing needs encoding", () => {
    const k = "a/b/c-d_e.f~g";
    expect(encodeS3Key(k)).toBe(k);
  });

  it.each(["\ud800", "a\udc00b", "x\ud83d", "\ude00\ud83d"])("refuses the lone surrogate in %j", (key) => {
    expect(errorCode(() => encodeS3Key(key))).toBe("invalid_key");
  });

  it("agrees with an encodeURIComponent-based reference", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 40 }), (s) => {
        expect(encodeS3Key(s)).toBe(referenceEncode(s, true));
        expect(uriEncode(s)).toBe(referenceEncode(s, false));
      }),
      { numRuns: 500 },
    );
  });
});

describe("uriEncode", () => {
  it("encodes the slash too", () => {
    expect(uriEncode("a/b c+d=e&f")).toBe("a%2Fb%20c%2Bd%3De%26f");
    expect(uriEncode("AKIA/20240101/us-east-1/s3/aws4_request")).toBe("AKIA%2F20240101%2Fus-east-1%2Fs3%2Faws4_request");
    expect(uriEncode("plain-._~")).toBe("plain-._~");
  });
  it("refuses lone surrogates as an invalid request", () => {
    expect(errorCode(() => uriEncode("\ud800"))).toBe("invalid_request");
  });
});

describe("decodeKeySegments", () => {
  it.each([
    ["a/b/c.jpg", "a/b/c.jpg"],
    ["a%20b", "a b"],
    ["a+b", "a+b"],
    ["a%2Bb", "a+b"],
    ["a%2Fb", "a/b"],
    ["a%2fb", "a/b"],
    ["%252e", "%2e"],
    ["%2e%2E", ".."],
    ["%C3%A9", "é"],
    ["é", "é"],
    ["a b", "a b"],
    ["%F0%9F%98%80", "😀"],
    ["😀", "😀"],
    ["%EF%BB%BFbom", "\ufeffbom"],
    ["%EF%BF%BD", "\ufffd"],
    ["%00%0A", "\0\n"],
    ["", ""],
    ["//", "//"],
  ])("%j → %j", (raw, key) => {
    expect(decodeKeySegments(raw)).toBe(key);
  });

  it.each([
    ["%", "lone percent"],
    ["a%2", "truncated escape"],
    ["%zz", "non-hex escape"],
    ["%G0", "non-hex escape"],
    ["%C3", "truncated UTF-8"],
    ["%C3%28", "invalid continuation"],
    ["%C0%AF", "overlong slash"],
    ["%ED%A0%80", "encoded surrogate"],
    ["%FF", "invalid byte"],
    ["\ud800", "lone surrogate"],
    ["a\\b", "raw backslash"],
    ["a\tb", "raw tab"],
    ["a\nb", "raw newline"],
    ["a\u007fb", "raw DEL"],
    ["a".repeat(MAX_KEY_BYTES * 3 + 1), "too long"],
  ])("refuses %j (%s)", (raw) => {
    expect(errorCode(() => decodeKeySegments(raw))).toBe("invalid_key");
  });

  it("inverts encodeS3Key on every safe key, and the encoding uses only URL-safe characters", () => {
    fc.assert(
      fc.property(safeKey, (k) => {
        const enc = encodeS3Key(k);
        expect(enc).toMatch(/^[A-Za-z0-9\-._~/%]*$/);
        expect(decodeKeySegments(enc)).toBe(k);
      }),
      { numRuns: 1000 },
    );
  });

  it("decodes like decodeURIComponent whenever that succeeds on a well-formed key", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom("a", "/", "%", "2", "e", "F", "C", "3", "A", "9", "+", " ", "é"), maxLength: 20 }), (raw) => {
        let expected: string | null;
        try {
          expected = decodeURIComponent(raw);
        } catch {
          expected = null;
        }
        const code = errorCode(() => decodeKeySegments(raw));
        if (expected === null) expect(code).toBe("invalid_key");
        else expect(decodeKeySegments(raw)).toBe(expected);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("assertSafeKey", () => {
  it.each([
    "a",
    "a/b",
    "a/b/",
    "/a",
    "a//b",
    "...",
    ".a/b.",
    "a/.../b",
    "..a",
    "a..",
    "．．/x",
    "\u2024\u2024",
    "%2e%2e",
    "\n",
    "\ufffd",
    "a".repeat(1024),
    "é".repeat(512),
  ])("accepts %j", (key) => {
    expect(() => assertSafeKey(key)).not.toThrow();
  });

  it.each([
    ["", "empty"],
    [".", "dot"],
    ["..", "dot dot"],
    ["./a", "leading dot"],
    ["a/.", "trailing dot"],
    ["a/..", "trailing dot dot"],
    ["a/../b", "inner dot dot"],
    ["../secret", "leading dot dot"],
    ["a/./b", "inner dot"],
    ["a".repeat(1025), "1025 bytes"],
    ["é".repeat(513), "1026 bytes"],
    ["😀".repeat(257), "1028 bytes"],
    ["a\ud800", "lone surrogate"],
  ])("refuses %j (%s)", (key) => {
    expect(errorCode(() => assertSafeKey(key))).toBe("invalid_key");
  });

  it("catches dot segments hidden behind escapes once decoded", () => {
    for (const raw of ["%2e%2E", "a%2F..%2Fb", "a/%2e/b", ".%2e/x", "x/%2E."]) {
      expect(errorCode(() => assertSafeKey(decodeKeySegments(raw)))).toBe("invalid_key");
    }
  });

  it("accepts exactly the keys whose encoded URL path no browser rewrites", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(".", "..", "a", "", "...", "%2e", "é"), { minLength: 1, maxLength: 5 }), (segs) => {
        const key = segs.join("/");
        const safe = errorCode(() => assertSafeKey(key)) === null;
        const path = "/" + encodeS3Key(key);
        const unchanged = new URL("https://b.s3.us-east-1.amazonaws.com" + path).pathname === path;
        if (key !== "") expect(safe).toBe(unchanged);
      }),
      { numRuns: 300 },
    );
  });
});
