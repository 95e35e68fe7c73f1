import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ApiError } from "../../../worker/http/errors";
import { isPlainHost, parseS3Url } from "../../../worker/aws/s3-url";
import { objectLocation } from "../../../worker/aws/s3-location";

function errorOf(fn: () => unknown): ApiError | null {
  try {
    fn();
    return null;
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
}

const CUSTOM = ["https://acc.r2.cloudflarestorage.com", "http://127.0.0.1:9000", "https://minio.example.com:8443/s3/"];

describe("parseS3Url: accepted forms", () => {
  it.each([
    // s3://
    ["s3://photos/cats/1.jpg", "photos", "cats/1.jpg", null],
    ["S3://photos/a%20b+c", "photos", "a%20b+c", null],
    ["s3://photos/a b?x=1#y", "photos", "a b?x=1#y", null],
    ["s3://my.photos//lead", "my.photos", "/lead", null],
    ["  s3://photos/k", "photos", "k", null],
    // virtual-hosted
    ["https://photos.s3.us-east-1.amazonaws.com/cats/1.jpg", "photos", "cats/1.jpg", "us-east-1"],
    ["http://photos.s3.us-east-1.amazonaws.com/cats/1.jpg", "photos", "cats/1.jpg", "us-east-1"],
    ["HTTPS://Photos.S3.US-EAST-1.AmazonAWS.com/Cats/1.jpg", "photos", "Cats/1.jpg", "us-east-1"],
    ["https://photos.s3.us-east-1.amazonaws.com:443/k", "photos", "k", "us-east-1"],
    ["https://photos.s3.us-east-1.amazonaws.com./k", "photos", "k", "us-east-1"],
    ["https://photos.s3.amazonaws.com/k", "photos", "k", null],
    ["https://photos.s3-eu-west-1.amazonaws.com/k", "photos", "k", "eu-west-1"],
    ["https://photos.s3-external-1.amazonaws.com/k", "photos", "k", "us-east-1"],
    ["https://photos.s3.dualstack.ap-south-1.amazonaws.com/k", "photos", "k", "ap-south-1"],
    ["https://photos.s3-fips.us-gov-west-1.amazonaws.com/k", "photos", "k", "us-gov-west-1"],
    ["https://photos.s3-fips.dualstack.us-east-2.amazonaws.com/k", "photos", "k", "us-east-2"],
    ["https://photos.s3-fips-us-gov-west-1.amazonaws.com/k", "photos", "k", "us-gov-west-1"],
    ["https://photos.s3-accelerate.amazonaws.com/k", "photos", "k", null],
    ["https://photos.s3-accelerate.dualstack.amazonaws.com/k", "photos", "k", null],
    ["https://photos.s3.cn-north-1.amazonaws.com.cn/k", "photos", "k", "cn-north-1"],
    ["https://photos.s3.dualstack.cn-northwest-1.amazonaws.com.cn/k", "photos", "k", "cn-northwest-1"],
    ["https://my.photos.s3.us-east-1.amazonaws.com/k", "my.photos", "k", "us-east-1"],
    ["https://s3.s3-bucket.s3.us-east-1.amazonaws.com/k", "s3.s3-bucket", "k", "us-east-1"],
    ["https://dualstack.s3.us-east-1.amazonaws.com/k", "dualstack", "k", "us-east-1"],
    // path-style
    ["https://s3.us-east-1.amazonaws.com/photos/cats/1.jpg", "photos", "cats/1.jpg", "us-east-1"],
    ["https://s3.amazonaws.com/photos/k", "photos", "k", null],
    ["https://s3-us-west-2.amazonaws.com/my.photos/k", "my.photos", "k", "us-west-2"],
    ["https://s3-external-1.amazonaws.com/photos/k", "photos", "k", "us-east-1"],
    ["https://s3.dualstack.eu-west-3.amazonaws.com/photos/k", "photos", "k", "eu-west-3"],
    ["https://s3-fips.us-east-1.amazonaws.com/photos/k", "photos", "k", "us-east-1"],
    ["https://s3.cn-north-1.amazonaws.com.cn/photos/k", "photos", "k", "cn-north-1"],
    ["http://s3.us-east-1.amazonaws.com/photos//k", "photos", "/k", "us-east-1"],
    // custom endpoints
    ["https://acc.r2.cloudflarestorage.com/photos/a/b", "photos", "a/b", null],
    ["https://ACC.r2.cloudflarestorage.com:443/photos/a", "photos", "a", null],
    ["http://127.0.0.1:9000/photos/k", "photos", "k", null],
    ["https://minio.example.com:8443/s3/photos/k", "photos", "k", null],
    // decoding, query and fragment
    ["https://photos.s3.us-east-1.amazonaws.com/a%20b+c%2Bd", "photos", "a b+c+d", "us-east-1"],
    ["https://photos.s3.us-east-1.amazonaws.com/a%2Fb", "photos", "a/b", "us-east-1"],
    ["https://photos.s3.us-east-1.amazonaws.com/%252e%252e/x", "photos", "%2e%2e/x", "us-east-1"],
    ["https://photos.s3.us-east-1.amazonaws.com/caf%C3%A9/é", "photos", "café/é", "us-east-1"],
    ["https://photos.s3.us-east-1.amazonaws.com/a b", "photos", "a b", "us-east-1"],
    ["https://photos.s3.us-east-1.amazonaws.com/...", "photos", "...", "us-east-1"],
    ["https://photos.s3.us-east-1.amazonaws.com/k#frag/../x", "photos", "k", "us-east-1"],
    ["https://photos.s3.us-east-1.amazonaws.com/k?", "photos", "k", "us-east-1"],
    ["https://photos.s3.us-east-1.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=abc&x-amz-security-token=t%2F&", "photos", "k", "us-east-1"],
    ["https://photos.s3.us-east-1.amazonaws.com/k?x-id=GetObject&X-Amz-Expires=900", "photos", "k", "us-east-1"],
    ["https://photos.s3.us-east-1.amazonaws.com/k   ", "photos", "k", "us-east-1"],
    [" \t https://photos.s3.us-east-1.amazonaws.com/k\n", "photos", "k", "us-east-1"],
  ])("%s", (url, bucket, key, region) => {
    expect(parseS3Url(url, { pathStyleOrigins: CUSTOM })).toEqual({ bucket, key, region });
  });
});

describe("parseS3Url: refused", () => {
  it.each([
    // not a URL / not one of ours
    ["", "invalid_url"],
    ["photos/k", "invalid_url"],
    ["ftp://photos/k", "invalid_url"],
    ["https:photos.s3.amazonaws.com/k", "invalid_url"],
    ["https:/photos.s3.amazonaws.com/k", "invalid_url"],
    ["https:///photos.s3.amazonaws.com/k", "invalid_url"],
    ["https://user:pw@photos.s3.amazonaws.com/k", "invalid_url"],
    ["https://photos.s3 .amazonaws.com/k", "invalid_url"],
    ["https://[::1/k", "invalid_url"],
    ["x".repeat(20000), "invalid_url"],
    // bad bucket names
    ["s3://Photos/k", "invalid_url"],
    ["s3://ab/k", "invalid_url"],
    ["s3:///k", "invalid_url"],
    ["https://my..photos.s3.us-east-1.amazonaws.com/k", "invalid_url"],
    ["https://xn--80ak6aa92e.s3.us-east-1.amazonaws.com/k", "invalid_url"],
    ["https://s3.us-east-1.amazonaws.com/My_Photos/k", "invalid_url"],
    ["https://s3.us-east-1.amazonaws.com/ph%6Ftos/k", "invalid_url"],
    ["https://s3.us-east-1.amazonaws.com/../k", "invalid_url"],
    ["https://s3.us-east-1.amazonaws.com/%2e%2e/k", "invalid_url"],
    // no key
    ["s3://photos", "invalid_url"],
    ["s3://photos/", "invalid_url"],
    ["https://photos.s3.us-east-1.amazonaws.com", "invalid_url"],
    ["https://photos.s3.us-east-1.amazonaws.com/", "invalid_url"],
    ["https://photos.s3.us-east-1.amazonaws.com?X-Amz-Date=1", "invalid_url"],
    ["https://s3.us-east-1.amazonaws.com/photos", "invalid_url"],
    ["https://s3.us-east-1.amazonaws.com/photos/", "invalid_url"],
    ["https://s3.us-east-1.amazonaws.com/", "invalid_url"],
    ["https://acc.r2.cloudflarestorage.com/photos", "invalid_url"],
    // query parameters that would change the object
    ["https://photos.s3.us-east-1.amazonaws.com/k?versionId=abc", "invalid_url"],
    ["https://photos.s3.us-east-1.amazonaws.com/k?X-Amz-Signature=x&versionId=abc", "invalid_url"],
    ["https://photos.s3.us-east-1.amazonaws.com/k?response-content-type=text/html", "invalid_url"],
    ["https://photos.s3.us-east-1.amazonaws.com/k?x-id=PutObject", "invalid_url"],
    ["https://photos.s3.us-east-1.amazonaws.com/k?x-amz-", "invalid_url"],
    ["https://s3.us-east-1.amazonaws.com/photos/k?partNumber=1", "invalid_url"],
    // text a browser would read differently
    ["https://photos.s3.us-east-1.amazonaws.com/a\\..\\b", "invalid_url"],
    ["https://photos.s3.us-east-1.amazonaws.com/a\tb", "invalid_url"],
    ["https://photos.s3.us-east-1.amazonaws.com/a\nb", "invalid_url"],
    ["https://photos.s3.us-east-1.amazonaws.com\\k", "invalid_url"],
    // custom endpoint outside its base path
    ["https://minio.example.com:8443/other/photos/k", "invalid_url"],
    // hosts that are not S3
    ["https://example.com/photos/k", "unsupported_host"],
    ["https://photos.example.com/k", "unsupported_host"],
    ["https://amazonaws.com/photos/k", "unsupported_host"],
    ["https://photos.s3.us-east-1.amazonaws.com.evil.com/k", "unsupported_host"],
    ["https://photos.s3.us-east-1.amazonaws.com:8443/k", "unsupported_host"],
    ["https://photos.s3-website-us-east-1.amazonaws.com/k", "unsupported_host"],
    ["https://photos.s3-website.us-east-1.amazonaws.com/k", "unsupported_host"],
    ["https://ap-111122223333.s3-accesspoint.us-east-1.amazonaws.com/k", "unsupported_host"],
    ["https://photos.s3.us-east-1.amazonaws.com.cn/k", "unsupported_host"],
    ["https://photos.s3.cn-north-1.amazonaws.com/k", "unsupported_host"],
    ["https://photos.s3.amazonaws.com.cn/k", "unsupported_host"],
    ["https://photos.s3.nowhere.amazonaws.com/k", "unsupported_host"],
    ["https://photos.s3.us-iso-east-1.amazonaws.com/k", "unsupported_host"],
    ["https://sts.amazonaws.com/photos/k", "unsupported_host"],
    ["https://ec2.us-east-1.amazonaws.com/photos/k", "unsupported_host"],
    ["https://127.0.0.1/photos/k", "unsupported_host"],
    ["http://127.0.0.1:9001/photos/k", "unsupported_host"],
    ["http://acc.r2.cloudflarestorage.com/photos/k", "unsupported_host"],
    // unsafe keys
    ["s3://photos/a/../b", "invalid_key"],
    ["s3://photos/.", "invalid_key"],
    ["s3://photos/k\ud800", "invalid_key"],
    ["https://photos.s3.us-east-1.amazonaws.com/a/../b", "invalid_key"],
    ["https://photos.s3.us-east-1.amazonaws.com/a/%2e%2E/b", "invalid_key"],
    ["https://photos.s3.us-east-1.amazonaws.com/a%2F..%2Fb", "invalid_key"],
    ["https://photos.s3.us-east-1.amazonaws.com/..", "invalid_key"],
    ["https://photos.s3.us-east-1.amazonaws.com/./k", "invalid_key"],
    ["https://photos.s3.us-east-1.amazonaws.com/%", "invalid_key"],
    ["https://photos.s3.us-east-1.amazonaws.com/%C3", "invalid_key"],
    ["https://photos.s3.us-east-1.amazonaws.com/k\ud800", "invalid_key"],
    ["https://photos.s3.us-east-1.amazonaws.com/" + "a".repeat(1025), "invalid_key"],
    ["https://s3.us-east-1.amazonaws.com/photos/a/../../b", "invalid_key"],
    ["https://acc.r2.cloudflarestorage.com/photos/%2e", "invalid_key"],
  ])("%j → %s", (url, code) => {
    const err = errorOf(() => parseS3Url(url, { pathStyleOrigins: CUSTOM }));
    expect(err?.code).toBe(code);
  });

  it("names the host in unsupported_host and lists the accepted forms", () => {
    const err = errorOf(() => parseS3Url("https://cdn.example.com/k"));
    expect(err?.message).toContain("cdn.example.com");
    expect(err?.hint).toContain("s3://");
    expect(err?.status).toBe(400);
  });

  it("does not match custom endpoints unless configured", () => {
    expect(errorOf(() => parseS3Url("https://acc.r2.cloudflarestorage.com/photos/k"))?.code).toBe("unsupported_host");
    expect(errorOf(() => parseS3Url("https://acc.r2.cloudflarestorage.com/photos/k", { pathStyleOrigins: ["not a url"] }))?.code).toBe("unsupported_host");
  });
});

const isClientError = (e: unknown): boolean => e instanceof ApiError && e.status >= 400 && e.status < 500;

describe("parseS3Url: properties", () => {
  it("returns or throws a 4xx ApiError for arbitrary strings", () => {
    const soup = fc.string({
      unit: fc.constantFrom("%", "2", "e", "E", "F", "/", ".", "\\", "?", "#", "&", "=", ":", "@", "[", "]", "s3", "https://", "a", "\ud800", "é", " ", "\t"),
      maxLength: 60,
    });
    const prefixed = fc
      .tuple(
        fc.constantFrom("s3://", "https://", "http://", "https://photos.s3.us-east-1.amazonaws.com/", "https://s3.amazonaws.com/", "http://127.0.0.1:9000/"),
        soup,
      )
      .map(([a, b]) => a + b);
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary", maxLength: 80 }), soup, prefixed), (input) => {
        try {
          const r = parseS3Url(input, { pathStyleOrigins: CUSTOM });
          expect(typeof r.bucket).toBe("string");
          expect(r.key.length).toBeGreaterThan(0);
        } catch (e) {
          expect(isClientError(e)).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("handles huge and hostile inputs quickly", () => {
    const inputs = [
      "https://photos.s3.us-east-1.amazonaws.com/" + "%".repeat(100_000),
      "https://photos.s3.us-east-1.amazonaws.com/" + "%2e/".repeat(3000),
      "https://" + "a.".repeat(50_000) + "s3.amazonaws.com/k",
      "s3://photos/" + "\ud800".repeat(100_000),
      "https://photos.s3.us-east-1.amazonaws.com/k?" + "&".repeat(15_000),
      "https://photos.s3.us-east-1.amazonaws.com/" + "é".repeat(3000),
    ];
    const t = performance.now();
    for (const input of inputs) {
      try {
        parseS3Url(input);
      } catch (e) {
        expect(isClientError(e)).toBe(true);
      }
    }
    expect(performance.now() - t).toBeLessThan(500);
  });

  it("never lets an attacker-chosen suffix escape the prefix or reach a key a browser rewrites", () => {
    const bucket = fc
      .stringMatching(/^[a-z0-9][a-z0-9-]{1,20}[a-z0-9]$/)
      .filter((b) => !b.startsWith("xn--") && !b.startsWith("sthree-") && !b.endsWith("-s3alias") && !b.endsWith("--ol-s3") && !b.endsWith("--x-s3"));
    const prefix = fc
      .array(fc.stringMatching(/^[a-zA-Z0-9_-]{1,8}$/), { minLength: 1, maxLength: 3 })
      .chain((segs) => fc.constantFrom(segs.join("/") + "/", segs.join("/")));
    const piece = fc.constantFrom(
      "..",
      ".",
      "%2e",
      "%2E",
      "%2e%2e",
      ".%2e",
      "%2F",
      "%2f",
      "%252e",
      "%252F",
      "/",
      "\\",
      "%5C",
      "．",
      "\u2024",
      "\uff0e\uff0e",
      "%EF%BC%8E",
      "a",
      "b",
      "%",
      "?",
      "#",
      "%3F",
      "%23",
      "+",
      " ",
      "%20",
      "%00",
      ";",
      "%u002e",
    );
    const suffix = fc.array(piece, { maxLength: 10 }).map((p) => p.join(""));
    let accepted = 0;
    fc.assert(
      fc.property(bucket, prefix, suffix, (b, p, s) => {
        let r;
        try {
          r = parseS3Url(`https://${b}.s3.us-east-1.amazonaws.com/${p}${s}`);
        } catch (e) {
          expect(isClientError(e)).toBe(true);
          return;
        }
        accepted++;
        expect(r.bucket).toBe(b);
        expect(r.key.startsWith(p)).toBe(true);
        for (const endpoint of [null, "https://acc.r2.cloudflarestorage.com/base"]) {
          const loc = objectLocation({ bucket: r.bucket, key: r.key, region: "us-east-1", endpoint });
          expect(new URL(loc.origin + loc.path).pathname).toBe(loc.path);
        }
      }),
      { numRuns: 2000 },
    );
    expect(accepted).toBeGreaterThan(200); // the property is not vacuous
  });

  it("takes the URL-parser-free path only for hosts the URL parser leaves unchanged", () => {
    const host = fc.string({
      unit: fc.constantFrom("a", "x", "n", "z", "0", "7", "f", "-", ".", "xn--", "0x", "s3", "A", "é", "%", "_"),
      minLength: 1,
      maxLength: 16,
    });
    let plain = 0;
    fc.assert(
      fc.property(host, (h) => {
        if (!isPlainHost(h)) return;
        plain++;
        expect(new URL(`https://${h}/`).hostname).toBe(h);
      }),
      { numRuns: 2000 },
    );
    expect(plain).toBeGreaterThan(100);
    for (const h of ["0x7f.1", "2130706433", "a.0x10", "a.1", "xn--a.com", "a..b", ".a", "a.", "A.com", ""]) expect(isPlainHost(h)).toBe(false);
  });

  it("round-trips every object location it produces", () => {
    const key = fc.string({ unit: "grapheme", minLength: 1, maxLength: 30 });
    fc.assert(
      fc.property(key, fc.constantFrom("photos", "my.photos"), fc.constantFrom("us-east-1", "cn-north-1", "us-gov-west-1"), (k, bucket, region) => {
        let loc;
        try {
          loc = objectLocation({ bucket, key: k, region });
        } catch {
          return;
        }
        expect(parseS3Url(loc.origin + loc.path)).toEqual({ bucket, key: k, region });
        expect(parseS3Url(`s3://${bucket}/${k}`)).toEqual({ bucket, key: k, region: null });
      }),
      { numRuns: 500 },
    );
  });
});
