import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ApiError } from "../../../worker/http/errors";
import { isValidBucketName, isVirtualHostable } from "../../../worker/aws/bucket";
import { bucketLocation, objectLocation } from "../../../worker/aws/s3-location";

function errorCode(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (e) {
    if (e instanceof ApiError) return e.code;
    throw e;
  }
}

describe("bucket names", () => {
  it.each(["abc", "my-bucket", "my.bucket.name", "a1b", "123", "b".repeat(63), "a-b-c", "xn-a", "bucket-s3alias-x", "1.2.3", "1.2.3.4.5", "1.2.3.a"])(
    "%j is valid",
    (name) => {
      expect(isValidBucketName(name)).toBe(true);
    },
  );

  it.each([
    "",
    "ab",
    "b".repeat(64),
    "My-Bucket",
    "my_bucket",
    "-bucket",
    "bucket-",
    ".bucket",
    "bucket.",
    "my..bucket",
    "192.168.1.1",
    "10.0.0.255",
    "xn--bucket",
    "sthree-bucket",
    "amzn-s3-demo-bucket",
    "bucket-s3alias",
    "bucket--ol-s3",
    "bucket.mrap",
    "bucket--x-s3",
    "bucket--table-s3",
    "my bucket",
    "bücket",
    "a/b",
    "evil.com/x",
    "bucket:443",
  ])("%j is invalid", (name) => {
    expect(isValidBucketName(name)).toBe(false);
  });

  it("virtual hosting needs a valid name without dots", () => {
    expect(isVirtualHostable("my-bucket")).toBe(true);
    expect(isVirtualHostable("my.bucket")).toBe(false);
    expect(isVirtualHostable("My-Bucket")).toBe(false);
  });
});

describe("objectLocation", () => {
  it.each([
    [{ bucket: "photos", key: "cats/1.jpg", region: "us-east-1" }, "https://photos.s3.us-east-1.amazonaws.com", "/cats/1.jpg"],
    [{ bucket: "photos", key: "a b+c", region: "eu-west-1" }, "https://photos.s3.eu-west-1.amazonaws.com", "/a%20b%2Bc"],
    [{ bucket: "photos", key: "/lead//x/", region: "us-west-2" }, "https://photos.s3.us-west-2.amazonaws.com", "//lead//x/"],
    [{ bucket: "photos", key: "k", region: "cn-north-1" }, "https://photos.s3.cn-north-1.amazonaws.com.cn", "/k"],
    [{ bucket: "photos", key: "k", region: "us-gov-west-1" }, "https://photos.s3.us-gov-west-1.amazonaws.com", "/k"],
    [{ bucket: "my.photos", key: "a/é", region: "us-east-1" }, "https://s3.us-east-1.amazonaws.com", "/my.photos/a/%C3%A9"],
    [{ bucket: "my.photos", key: "k", region: "cn-northwest-1" }, "https://s3.cn-northwest-1.amazonaws.com.cn", "/my.photos/k"],
    [{ bucket: "photos", key: "k!", region: "auto", endpoint: "https://acc.r2.cloudflarestorage.com" }, "https://acc.r2.cloudflarestorage.com", "/photos/k%21"],
    [{ bucket: "photos", key: "k", region: "us-east-1", endpoint: "http://127.0.0.1:9000" }, "http://127.0.0.1:9000", "/photos/k"],
    [{ bucket: "photos", key: "k", region: "us-east-1", endpoint: "http://127.0.0.1:9000/" }, "http://127.0.0.1:9000", "/photos/k"],
    [{ bucket: "photos", key: "k", region: "garage", endpoint: "https://s3.example.com:8443/storage/" }, "https://s3.example.com:8443", "/storage/photos/k"],
    [{ bucket: "photos", key: "k", region: "us-east-1", endpoint: "https://S3.Example.com:443/base" }, "https://s3.example.com", "/base/photos/k"],
    [{ bucket: "my.photos", key: "k", region: "us-east-1", endpoint: null }, "https://s3.us-east-1.amazonaws.com", "/my.photos/k"],
  ])("%j", (ref, origin, path) => {
    const loc = objectLocation(ref);
    expect(loc).toEqual({ origin, host: new URL(origin).host, path });
    expect(new URL(loc.origin + loc.path).pathname).toBe(loc.path);
  });

  it.each([
    [{ bucket: "Bad_Bucket", key: "k", region: "us-east-1" }, "invalid_request"],
    [{ bucket: "evil.com/x", key: "k", region: "us-east-1" }, "invalid_request"],
    [{ bucket: "photos", key: "k", region: "evil.com/" }, "invalid_request"],
    [{ bucket: "photos", key: "k", region: "auto" }, "invalid_request"],
    [{ bucket: "photos", key: "k", region: "us-east-1", endpoint: "not a url" }, "invalid_request"],
    [{ bucket: "photos", key: "k", region: "us-east-1", endpoint: "ftp://x.example" }, "invalid_request"],
    [{ bucket: "photos", key: "k", region: "us-east-1", endpoint: "https://u:p@x.example" }, "invalid_request"],
    [{ bucket: "photos", key: "", region: "us-east-1" }, "invalid_key"],
    [{ bucket: "photos", key: "a/../b", region: "us-east-1" }, "invalid_key"],
    [{ bucket: "photos", key: ".", region: "us-east-1", endpoint: "https://x.example" }, "invalid_key"],
    [{ bucket: "photos", key: "\ud800", region: "us-east-1" }, "invalid_key"],
  ])("refuses %j with %s", (ref, code) => {
    expect(errorCode(() => objectLocation(ref))).toBe(code);
  });

  it("every accepted key is requested by a browser exactly as signed", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme", maxLength: 30 }),
        fc.constantFrom("photos", "my.photos"),
        fc.constantFrom(null, "https://acc.r2.cloudflarestorage.com", "http://127.0.0.1:9000/base"),
        (key, bucket, endpoint) => {
          let loc;
          try {
            loc = objectLocation({ bucket, key, region: "us-east-1", endpoint });
          } catch (e) {
            expect((e as ApiError).code).toBe("invalid_key");
            return;
          }
          expect(new URL(loc.origin + loc.path).pathname).toBe(loc.path);
          expect(new URL(loc.origin + loc.path).origin).toBe(loc.origin);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("bucketLocation", () => {
  it.each([
    [{ bucket: "photos", region: "us-east-1" }, "https://photos.s3.us-east-1.amazonaws.com", "/"],
    [{ bucket: "my.photos", region: "eu-west-1" }, "https://s3.eu-west-1.amazonaws.com", "/my.photos/"],
    [{ bucket: "photos", region: "cn-north-1" }, "https://photos.s3.cn-north-1.amazonaws.com.cn", "/"],
    [{ bucket: "photos", region: "auto", endpoint: "https://acc.r2.cloudflarestorage.com" }, "https://acc.r2.cloudflarestorage.com", "/photos/"],
    [{ bucket: "photos", region: "us-east-1", endpoint: "http://localhost:9000/base/" }, "http://localhost:9000", "/base/photos/"],
  ])("%j", (ref, origin, path) => {
    expect(bucketLocation(ref)).toEqual({ origin, host: new URL(origin).host, path });
  });

  it("refuses bad buckets and regions", () => {
    expect(errorCode(() => bucketLocation({ bucket: "x", region: "us-east-1" }))).toBe("invalid_request");
    expect(errorCode(() => bucketLocation({ bucket: "photos", region: "nowhere" }))).toBe("invalid_request");
  });
});
