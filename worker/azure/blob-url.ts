/**
 * Azure Blob Storage object references: parsing `https://{account}.blob.core.windows.net/
 * {container}/{blob}` and `az://{account}/{container}/{blob}`, naming rules, and the blob
 * URL signpost signs. Blob names follow the S3 key rules of SPEC "Keys in paths": https
 * paths are percent-decoded once, `az://` names are taken literally, and names are encoded
 * like S3 keys (every UTF-8 byte outside A-Z a-z 0-9 - . _ ~ and `/`).
 */
import { ApiError } from "../lib/errors";
import { decodeKeySegments, encodeS3Key } from "../lib/object-key";

export interface AzureBlobRef {
  account: string;
  container: string;
  /** Blob name, unencoded. */
  blob: string;
}

const HOST_SUFFIX = ".blob.core.windows.net";
/** Longest blob name, in characters. */
export const MAX_BLOB_NAME = 1024;

/** Query parameters of a SAS (and response overrides): dropped from a pasted URL, signpost signs afresh. */
const SAS_PARAMS = new Set([
  "sv",
  "ss",
  "srt",
  "sp",
  "st",
  "se",
  "sip",
  "spr",
  "sig",
  "si",
  "sr",
  "sdd",
  "ses",
  "skoid",
  "sktid",
  "skt",
  "ske",
  "sks",
  "skv",
  "saoid",
  "suoid",
  "scid",
  "sduoid",
  "skdutid",
  "rscc",
  "rscd",
  "rsce",
  "rscl",
  "rsct",
]);

export function isValidStorageAccountName(name: string): boolean {
  return /^[a-z0-9]{3,24}$/.test(name);
}

/** 3-63 lowercase letters, digits and single hyphens, starting and ending alphanumeric; or a system container. */
export function isValidContainerName(name: string): boolean {
  if (name === "$root" || name === "$web" || name === "$logs") return true;
  return /^[a-z0-9](?:[a-z0-9]|-(?!-)){1,61}[a-z0-9]$/.test(name);
}

/**
 * Refuses blob names that cannot be signed: empty, longer than 1024 characters, or with a
 * `.`/`..` segment (URL parsers remove those, so the URL would fetch another blob).
 */
export function assertBlobName(blob: string): void {
  if (blob.length === 0) throw new ApiError("invalid_key", "The blob name is empty.", "Name a blob, not a container.");
  if (blob.length > MAX_BLOB_NAME) throw new ApiError("invalid_key", `The blob name is longer than ${MAX_BLOB_NAME} characters.`);
  for (const segment of blob.split("/")) {
    if (segment === "." || segment === "..") {
      throw new ApiError(
        "invalid_key",
        `The blob name holds a "${segment}" path segment, which URL parsers would rewrite into a different name.`,
        "Blobs whose names contain /./ or /../ segments cannot be served through signed URLs; rename them.",
      );
    }
  }
}

/** `invalid_url` when the names come from a pasted URL, `invalid_request` otherwise (as for S3 buckets). */
function assertNames(account: string, container: string, code: "invalid_url" | "invalid_request"): void {
  if (!isValidStorageAccountName(account)) throw new ApiError(code, "Invalid storage account name.", "Account names are 3-24 lowercase letters and digits.");
  if (!isValidContainerName(container))
    throw new ApiError(code, "Invalid container name.", "Container names are 3-63 lowercase letters, digits and single hyphens.");
}

/**
 * The https URL of a blob (no query): `https://{account}.blob.core.windows.net/{container}/
 * {encoded blob}`, or path-style `{endpoint}/{account}/{container}/{encoded blob}` on an
 * endpoint override. Throws `invalid_request` (account or container name) or `invalid_key`.
 */
export function blobUrl(account: string, container: string, blob: string, endpoint?: string | null): string {
  assertNames(account, container, "invalid_request");
  assertBlobName(blob);
  return `${blobServiceUrl(account, endpoint)}/${container}/${encodeS3Key(blob)}`;
}

/**
 * The blob service URL of an account: `https://{account}.blob.core.windows.net`, or the
 * endpoint override with `{account}` replaced (AZURE_ENDPOINT_URL_BLOB); an override without
 * `{account}` is path-style, `{endpoint}/{account}`, as Azurite serves it.
 */
export function blobServiceUrl(account: string, endpoint?: string | null): string {
  if (!endpoint) return `https://${account}${HOST_SUFFIX}`;
  const base = endpoint.replace(/\/+$/, "");
  return base.includes("{account}") ? base.replaceAll("{account}", account) : `${base}/${account}`;
}

function checkQuery(query: string): void {
  for (const part of query.split("&")) {
    if (part === "") continue;
    const name = part.split("=", 1)[0]!;
    if (SAS_PARAMS.has(name)) continue;
    let shown = name;
    try {
      shown = decodeURIComponent(name);
    } catch {
      // shown raw
    }
    throw new ApiError(
      "invalid_url",
      `The query parameter "${shown.slice(0, 40)}" is not supported in a blob URL.`,
      "Pass the blob URL without a query (snapshots and versions cannot be signed).",
    );
  }
}

/**
 * Account, container and blob of a blob URL. Throws `invalid_url` (malformed, fragment,
 * userinfo, port, bad account or container name, unsupported query parameter),
 * `unsupported_host` (not `*.blob.core.windows.net`) or `invalid_key` (bad escapes, empty,
 * `.`/`..` segments, too long).
 */
export function parseAzureBlobUrl(input: string): AzureBlobRef {
  if (/^az:\/\//i.test(input)) {
    const parts = /^az:\/\/([^/]*)\/([^/]*)\/([\s\S]*)$/i.exec(input);
    if (!parts) throw new ApiError("invalid_url", "Use az://account/container/blob.");
    const [, account, container, blob] = parts as unknown as [string, string, string, string];
    assertNames(account, container, "invalid_url");
    assertBlobName(blob); // literal, like s3:// keys
    encodeS3Key(blob); // refuses lone surrogates
    return { account, container, blob };
  }
  // Parsed by hand: WHATWG URL parsing would already have removed `.`/`..` segments.
  const m = /^https:\/\/([^/?#]*)\/([^/?#]*)(?:\/([^?#]*))?(?:\?([^#]*))?(#[\s\S]*)?$/i.exec(input);
  if (!m || /[\s\x00-\x1f\x7f]/.test(m[1]!)) throw new ApiError("invalid_url", "Not an az:// or https:// blob URL.");
  const [, authority, container, rawBlob, query, fragment] = m as unknown as [
    string,
    string,
    string,
    string | undefined,
    string | undefined,
    string | undefined,
  ];
  if (fragment !== undefined) throw new ApiError("invalid_url", "The URL has a fragment (#…).", "Percent-encode # in blob names as %23.");
  if (authority.includes("@") || authority.includes(":")) throw new ApiError("invalid_url", "The URL must not carry credentials or a port.");
  const host = authority.toLowerCase();
  if (!host.endsWith(HOST_SUFFIX)) throw new ApiError("unsupported_host", `${host.slice(0, 100)} is not an Azure Blob Storage host.`);
  const account = host.slice(0, -HOST_SUFFIX.length);
  checkQuery(query ?? "");
  assertNames(account, container, "invalid_url");
  if (rawBlob === undefined) throw new ApiError("invalid_key", "The URL names a container but no blob.");
  const blob = decodeKeySegments(rawBlob);
  assertBlobName(blob);
  return { account, container, blob };
}
