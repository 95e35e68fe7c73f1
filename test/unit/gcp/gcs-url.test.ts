import { describe, expect, it } from "vitest";
import { ApiError } from "../../../worker/http/errors";
import { isValidGcsBucketName, parseGcsUrl } from "../../../worker/gcp/gcs-url";

function code(input: string): string {
  try {
    parseGcsUrl(input);
    return "ok";
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return (err as ApiError).code;
  }
}

describe("parseGcsUrl", () => {
  it("reads gs://, path-style, console and virtual-hosted URLs", () => {
    expect(parseGcsUrl("gs://my-bucket/a/b.jpg")).toEqual({ bucket: "my-bucket", key: "a/b.jpg" });
    expect(parseGcsUrl("https://storage.googleapis.com/my-bucket/a/b.jpg")).toEqual({ bucket: "my-bucket", key: "a/b.jpg" });
    expect(parseGcsUrl("https://storage.cloud.google.com/my-bucket/a/b.jpg")).toEqual({ bucket: "my-bucket", key: "a/b.jpg" });
    expect(parseGcsUrl("https://my-bucket.storage.googleapis.com/a/b.jpg")).toEqual({ bucket: "my-bucket", key: "a/b.jpg" });
    expect(parseGcsUrl("HTTPS://My-Bucket.Storage.GoogleAPIs.com/a/B.jpg")).toEqual({ bucket: "my-bucket", key: "a/B.jpg" });
    expect(parseGcsUrl("https://storage.googleapis.com/media.example.com/x")).toEqual({ bucket: "media.example.com", key: "x" });
  });

  it("percent-decodes https paths exactly once; + is a plus; gs:// keys are literal", () => {
    expect(parseGcsUrl("https://storage.googleapis.com/b-1/with%20space/a+b%2Bc.txt").key).toBe("with space/a+b+c.txt");
    expect(parseGcsUrl("https://storage.googleapis.com/b-1/%25252F").key).toBe("%252F");
    expect(parseGcsUrl("https://storage.googleapis.com/b-1/a%2Fb").key).toBe("a/b");
    expect(parseGcsUrl("https://storage.googleapis.com/b-1/%C3%BC%E6%97%A5/%F0%9F%98%80").key).toBe("ü日/😀");
    expect(parseGcsUrl("https://storage.googleapis.com/b-1/double//slash").key).toBe("double//slash");
    expect(parseGcsUrl("gs://b-1/with%20space/a+b #?.txt").key).toBe("with%20space/a+b #?.txt");
  });

  it("refuses . and .. segments however they are spelled", () => {
    for (const u of [
      "https://storage.googleapis.com/b-1/a/../b",
      "https://storage.googleapis.com/b-1/a/./b",
      "https://storage.googleapis.com/b-1/a/%2e%2E/b",
      "https://storage.googleapis.com/b-1/a%2F..%2Fb",
      "https://b-1.storage.googleapis.com/..",
      "gs://b-1/a/../b",
      "gs://b-1/.",
    ]) {
      expect(code(u), u).toBe("invalid_key");
    }
  });

  it("refuses empty, malformed and CR/LF keys", () => {
    expect(code("https://storage.googleapis.com/b-1/")).toBe("invalid_key");
    expect(code("https://storage.googleapis.com/b-1")).toBe("invalid_key");
    expect(code("gs://b-1")).toBe("invalid_key");
    expect(code("gs://b-1/")).toBe("invalid_key");
    expect(code("https://storage.googleapis.com/b-1/%zz")).toBe("invalid_key");
    expect(code("https://storage.googleapis.com/b-1/%C3")).toBe("invalid_key");
    expect(code("https://storage.googleapis.com/b-1/a%0Ab")).toBe("invalid_key");
    expect(code("https://storage.googleapis.com/b-1/" + "x".repeat(1025))).toBe("invalid_key");
  });

  it("drops X-Goog-* parameters of an earlier signed URL and refuses any other", () => {
    expect(parseGcsUrl("https://storage.googleapis.com/b-1/k?X-Goog-Algorithm=GOOG4-RSA-SHA256&x-goog-signature=ab")).toEqual({ bucket: "b-1", key: "k" });
    expect(parseGcsUrl("https://storage.googleapis.com/b-1/k?")).toEqual({ bucket: "b-1", key: "k" });
    expect(code("https://storage.googleapis.com/b-1/k?generation=123")).toBe("invalid_url");
    expect(code("https://storage.googleapis.com/b-1/k?response-content-type=text/html")).toBe("invalid_url");
  });

  it("refuses fragments, credentials, ports, bad buckets and other hosts", () => {
    expect(code("https://storage.googleapis.com/b-1/k#frag")).toBe("invalid_url");
    expect(code("https://user@storage.googleapis.com/b-1/k")).toBe("invalid_url");
    expect(code("https://storage.googleapis.com:8443/b-1/k")).toBe("invalid_url");
    expect(code("https://storage.googleapis.com/Bad_Bucket/k")).toBe("invalid_url");
    expect(code("gs://goog-bucket/k")).toBe("invalid_url");
    expect(code("http://storage.googleapis.com/b-1/k")).toBe("invalid_url");
    expect(code("https://b-1.s3.amazonaws.com/k")).toBe("unsupported_host");
    expect(code("https://storage.googleapis.com.evil.test/b-1/k")).toBe("unsupported_host");
    expect(code("https://.storage.googleapis.com/k")).toBe("unsupported_host");
    expect(code("not a url")).toBe("invalid_url");
  });
});

describe("isValidGcsBucketName", () => {
  it("follows Cloud Storage naming rules", () => {
    for (const ok of ["abc", "my_bucket-1", "a".repeat(63), "media.example.com", `${"a".repeat(63)}.b`]) expect(isValidGcsBucketName(ok), ok).toBe(true);
    for (const bad of ["ab", "a".repeat(64), "-abc", "abc-", "Abc", "goog-x", "192.168.1.1", "a..b", `${"a".repeat(64)}.b`, "a b"]) {
      expect(isValidGcsBucketName(bad), bad).toBe(false);
    }
  });
});
