import { describe, expect, it } from "vitest";
import { ApiError } from "../../../worker/http/errors";
import { blobUrl, isValidContainerName, parseAzureBlobUrl } from "../../../worker/azure/blob-url";

function code(input: string): string {
  try {
    parseAzureBlobUrl(input);
    return "ok";
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return (err as ApiError).code;
  }
}

describe("parseAzureBlobUrl", () => {
  it("reads https and az:// URLs", () => {
    expect(parseAzureBlobUrl("https://acct01.blob.core.windows.net/images/a/b.jpg")).toEqual({ account: "acct01", container: "images", blob: "a/b.jpg" });
    expect(parseAzureBlobUrl("HTTPS://ACCT01.Blob.Core.Windows.Net/images/a/B.jpg")).toEqual({ account: "acct01", container: "images", blob: "a/B.jpg" });
    expect(parseAzureBlobUrl("az://acct01/images/a/b.jpg")).toEqual({ account: "acct01", container: "images", blob: "a/b.jpg" });
    expect(parseAzureBlobUrl("https://acct01.blob.core.windows.net/$web/index.html").container).toBe("$web");
  });

  it("percent-decodes https paths once; + is a plus; az:// names are literal", () => {
    expect(parseAzureBlobUrl("https://acct01.blob.core.windows.net/images/with%20space/a+b%2Bc").blob).toBe("with space/a+b+c");
    expect(parseAzureBlobUrl("https://acct01.blob.core.windows.net/images/%25252F").blob).toBe("%252F");
    expect(parseAzureBlobUrl("https://acct01.blob.core.windows.net/images/%C3%BC/%F0%9F%98%80").blob).toBe("ü/😀");
    expect(parseAzureBlobUrl("https://acct01.blob.core.windows.net/images/double//slash").blob).toBe("double//slash");
    expect(parseAzureBlobUrl("az://acct01/images/with%20space #?").blob).toBe("with%20space #?");
  });

  it("drops SAS parameters of an earlier URL and refuses any other", () => {
    expect(parseAzureBlobUrl("https://acct01.blob.core.windows.net/images/k?sv=2022-11-02&sr=b&sp=r&sig=abc%2B")).toEqual({
      account: "acct01",
      container: "images",
      blob: "k",
    });
    expect(code("https://acct01.blob.core.windows.net/images/k?snapshot=2024-01-01T00:00:00Z")).toBe("invalid_url");
    expect(code("https://acct01.blob.core.windows.net/images/k?comp=list")).toBe("invalid_url");
  });

  it("refuses . and .. segments, empty and malformed names", () => {
    for (const u of [
      "https://acct01.blob.core.windows.net/images/a/../b",
      "https://acct01.blob.core.windows.net/images/a/%2E/b",
      "https://acct01.blob.core.windows.net/images/a%2F..%2Fb",
      "az://acct01/images/a/../b",
      "https://acct01.blob.core.windows.net/images/",
      "https://acct01.blob.core.windows.net/images",
      "https://acct01.blob.core.windows.net/images/%zz",
      "az://acct01/images/",
    ]) {
      expect(code(u), u).toBe("invalid_key");
    }
  });

  it("refuses bad accounts, containers, fragments, ports and other hosts", () => {
    expect(code("https://Acct_01.blob.core.windows.net/images/k")).toBe("invalid_url");
    expect(code("https://acct01.blob.core.windows.net/Images/k")).toBe("invalid_url");
    expect(code("https://acct01.blob.core.windows.net/a--b/k")).toBe("invalid_url");
    expect(code("https://acct01.blob.core.windows.net/images/k#f")).toBe("invalid_url");
    expect(code("https://acct01.blob.core.windows.net:443/images/k")).toBe("invalid_url");
    expect(code("https://u@acct01.blob.core.windows.net/images/k")).toBe("invalid_url");
    expect(code("az://acct01/images")).toBe("invalid_url");
    expect(code("https://acct01.dfs.core.windows.net/images/k")).toBe("unsupported_host");
    expect(code("https://acct01.blob.core.windows.net.evil.test/images/k")).toBe("unsupported_host");
  });
});

describe("blobUrl", () => {
  it("encodes every byte outside A-Z a-z 0-9 - . _ ~ and /", () => {
    expect(blobUrl("acct01", "images", "a b/+!'()*~._-/ü😀")).toBe(
      "https://acct01.blob.core.windows.net/images/a%20b/%2B%21%27%28%29%2A~._-/%C3%BC%F0%9F%98%80",
    );
    expect(blobUrl("acct01", "images", "k", "http://127.0.0.1:10000/")).toBe("http://127.0.0.1:10000/acct01/images/k");
  });

  it("container names", () => {
    for (const ok of ["abc", "a-b-c", "a".repeat(63), "$root", "$logs"]) expect(isValidContainerName(ok), ok).toBe(true);
    for (const bad of ["ab", "-abc", "abc-", "a--b", "ABC", "a".repeat(64), "$other"]) expect(isValidContainerName(bad), bad).toBe(false);
  });
});
