/**
 * Read-only user delegation SAS for one blob, service version 2022-11-02, computed locally:
 * HMAC-SHA256 keyed with the user delegation key, no network per URL.
 *
 * String-to-sign of a user delegation SAS for versions 2020-12-06 up to 2025-07-05 (24 lines,
 * empty where a field is not used): sp, st, se, canonicalized resource
 * (`/blob/{account}/{container}/{blob}`, unencoded), skoid, sktid, skt, ske, sks, skv,
 * saoid, suoid, scid, sip, spr, sv, sr, snapshot time, ses, rscc, rscd, rsce, rscl, rsct.
 */
import { ApiError } from "../lib/errors";
import { base64Decode, base64Encode } from "../lib/bytes";
import { blobUrl } from "./blob-url";

export const SAS_VERSION = "2022-11-02";
/** `st` is set this far before the signing time, so clock skew cannot make a fresh URL "not yet valid". */
export const SAS_START_BACKDATE_MS = 5 * 60_000;

/** A user delegation key exactly as Get User Delegation Key returned it. */
export interface UserDelegationKey {
  signedOid: string;
  signedTid: string;
  /** ISO 8601 as returned; copied verbatim into `skt` and the string-to-sign. */
  signedStart: string;
  signedExpiry: string;
  signedService: string;
  signedVersion: string;
  /** Base64 HMAC key. */
  value: string;
}

export interface BlobSasFields {
  account: string;
  container: string;
  /** Blob name, unencoded. */
  blob: string;
  /** Epoch ms of `st` and `se` (whole seconds are used). */
  startsOn: number;
  expiresOn: number;
  /** `rsct` / `rscd`: response header overrides. */
  contentType?: string;
  contentDisposition?: string;
}

/** 2024-01-31T09:00:00Z: the SAS time format (no fractional seconds). */
export function sasTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function blobSasStringToSign(key: UserDelegationKey, f: BlobSasFields): string {
  return [
    "r",
    sasTime(f.startsOn),
    sasTime(f.expiresOn),
    `/blob/${f.account}/${f.container}/${f.blob}`,
    key.signedOid,
    key.signedTid,
    key.signedStart,
    key.signedExpiry,
    key.signedService,
    key.signedVersion,
    "", // saoid: signedAuthorizedUserObjectId
    "", // suoid: signedUnauthorizedUserObjectId
    "", // scid: signedCorrelationId
    "", // sip
    "https",
    SAS_VERSION,
    "b",
    "", // snapshot time
    "", // ses: encryption scope
    "", // rscc
    f.contentDisposition ?? "",
    "", // rsce
    "", // rscl
    f.contentType ?? "",
  ].join("\n");
}

// Importing the HMAC key once per user delegation key, not once per URL.
const hmacKeys = new Map<string, Promise<CryptoKey>>();

function hmacKey(value: string): Promise<CryptoKey> {
  let k = hmacKeys.get(value);
  if (!k) {
    let raw: Uint8Array;
    try {
      raw = base64Decode(value);
    } catch {
      throw new ApiError("upstream_error", "The user delegation key is not base64.");
    }
    k = crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    if (hmacKeys.size >= 256) hmacKeys.delete(hmacKeys.keys().next().value!);
    hmacKeys.set(value, k);
  }
  return k;
}

/**
 * The SAS query string (`sv=…&sig=…`), parameters in the order Azure's SDKs write them,
 * values encoded with encodeURIComponent as they do.
 */
export async function blobSasQuery(key: UserDelegationKey, f: BlobSasFields): Promise<string> {
  const sig = base64Encode(new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKey(key.value), new TextEncoder().encode(blobSasStringToSign(key, f)))));
  const params: Array<[string, string | undefined]> = [
    ["sv", SAS_VERSION],
    ["spr", "https"],
    ["st", sasTime(f.startsOn)],
    ["se", sasTime(f.expiresOn)],
    ["skoid", key.signedOid],
    ["sktid", key.signedTid],
    ["skt", key.signedStart],
    ["ske", key.signedExpiry],
    ["sks", key.signedService],
    ["skv", key.signedVersion],
    ["sr", "b"],
    ["sp", "r"],
    ["rscd", f.contentDisposition],
    ["rsct", f.contentType],
    ["sig", sig],
  ];
  return params
    .filter((p): p is [string, string] => p[1] !== undefined && p[1] !== "")
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join("&");
}

export interface BlobSasRequest {
  account: string;
  container: string;
  blob: string;
  /** Epoch ms the URL is signed at (pass the cache window's start). */
  signingTime: number;
  /** Requested lifetime from signingTime. */
  expiresSeconds: number;
  contentType?: string;
  contentDisposition?: string;
  /** Blob endpoint override (emulators): `{endpoint}/{account}/{container}/{blob}`. */
  blobEndpoint?: string | null;
}

export interface BlobSasUrl {
  url: string;
  /** Epoch ms of `se`. */
  expiresAt: number;
  /** True when the key expires first and `se` was brought forward to the key's expiry. */
  shortened: boolean;
}

/**
 * A read-only SAS URL for one blob. Never valid longer than its key: `se` is at most the
 * key's SignedExpiry, and `st` never before its SignedStart. Throws `invalid_request`
 * (account or container name), `invalid_key` (blob name), `sts_unavailable` (the key has
 * already expired: it could not be renewed) or `upstream_error` (the key is unreadable).
 */
export async function signBlobSasUrl(key: UserDelegationKey, r: BlobSasRequest): Promise<BlobSasUrl> {
  const keyStart = Date.parse(key.signedStart);
  const keyExpiry = Date.parse(key.signedExpiry);
  if (!Number.isFinite(keyStart) || !Number.isFinite(keyExpiry)) throw new ApiError("upstream_error", "The user delegation key has unreadable validity times.");
  const requested = Math.floor((r.signingTime + r.expiresSeconds * 1000) / 1000) * 1000;
  const startsOn = Math.max(r.signingTime - SAS_START_BACKDATE_MS, Math.ceil(keyStart / 1000) * 1000);
  const expiresOn = Math.min(requested, Math.floor(keyExpiry / 1000) * 1000);
  if (expiresOn <= startsOn || expiresOn <= r.signingTime) {
    throw new ApiError("sts_unavailable", "The user delegation key has expired and could not be renewed; try again shortly.", undefined, {
      "retry-after": "5",
    });
  }
  const base = blobUrl(r.account, r.container, r.blob, r.blobEndpoint);
  const query = await blobSasQuery(key, { ...r, startsOn, expiresOn });
  return { url: `${base}?${query}`, expiresAt: expiresOn, shortened: expiresOn < requested };
}
