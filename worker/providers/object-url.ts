/**
 * The object named by a `/v1/redirect?url=` or `/v1/sign` URL, whatever the storage: S3 forms
 * first (so path-style URLs on an integration's or the operator's endpoint keep meaning S3,
 * e.g. GCS interoperability at https://storage.googleapis.com), then Cloud Storage
 * (`gs://`, `https://storage.googleapis.com/…`, `https://{bucket}.storage.googleapis.com/…`),
 * then Azure Blob (`az://`, `https://{account}.blob.core.windows.net/…`). A host nobody knows
 * keeps the S3 parser's `unsupported_host`.
 */
import { ApiError } from "../http/errors";
import { parseS3Url, type ParseS3UrlOptions } from "../aws/s3-url";
import { parseGcsUrl } from "../gcp/gcs-url";
import { parseAzureBlobUrl } from "../azure/blob-url";

export type ObjectKind = "s3" | "gcs" | "azure";

export interface ObjectTarget {
  kind: ObjectKind;
  /** S3/GCS bucket, or Azure container. */
  bucket: string;
  /** Object key / blob name, unencoded. */
  key: string;
  /** S3 only: the region the host names, if any. */
  region: string | null;
  /** Azure only: the storage account the URL names. */
  account?: string;
}

const GCS_HOST = /^(?:storage\.googleapis\.com|storage\.cloud\.google\.com|[^/?#@:]+\.storage\.googleapis\.com)$/;
const AZURE_HOST = /^[^/?#@:]+\.blob\.core\.windows\.net$/;

function trimControls(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && s.charCodeAt(a) <= 0x20) a++;
  while (b > a && s.charCodeAt(b - 1) <= 0x20) b--;
  return s.slice(a, b);
}

function schemeOf(s: string): string {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(s);
  return m ? m[1]!.toLowerCase() : "";
}

function gcs(input: string): ObjectTarget {
  const t = parseGcsUrl(input);
  return { kind: "gcs", bucket: t.bucket, key: t.key, region: null };
}

function azure(input: string): ObjectTarget {
  const t = parseAzureBlobUrl(input);
  return { kind: "azure", bucket: t.container, key: t.blob, region: null, account: t.account };
}

/** Parses any supported object URL; throws only ApiErrors with 4xx codes. */
export function parseObjectUrl(raw: string, opts?: ParseS3UrlOptions): ObjectTarget {
  if (typeof raw !== "string" || raw.length === 0) return s3(raw, opts);
  const input = trimControls(raw);
  const scheme = schemeOf(input);
  if (scheme === "gs") return gcs("gs" + input.slice(2));
  if (scheme === "az") return azure("az" + input.slice(2));
  try {
    return s3(raw, opts);
  } catch (err) {
    if (!(err instanceof ApiError) || err.code !== "unsupported_host" || scheme !== "https") throw err;
    const host = (/^https:\/\/([^/?#]*)/i.exec(input)?.[1] ?? "").toLowerCase();
    if (GCS_HOST.test(host)) return gcs(input);
    if (AZURE_HOST.test(host)) return azure(input);
    throw err;
  }
}

function s3(input: string, opts?: ParseS3UrlOptions): ObjectTarget {
  const t = parseS3Url(input, opts);
  return { kind: "s3", bucket: t.bucket, key: t.key, region: t.region };
}

/** The accepted forms, for hints. */
export const ACCEPTED_URL_FORMS =
  "Pass ?url=https://{bucket}.s3.{region}.amazonaws.com/{key}, s3://{bucket}/{key}, gs://{bucket}/{key}, https://storage.googleapis.com/{bucket}/{key}, az://{account}/{container}/{blob} or https://{account}.blob.core.windows.net/{container}/{blob}.";
