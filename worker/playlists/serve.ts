/**
 * A `.m3u8` through /v1/assets or /v1/redirect (SPEC "HLS playlists"): signpost reads the
 * playlist with the integration's credentials (a presigned GET, as any redirect would hand
 * out) and answers it itself, every URI rewritten to an absolute signpost /v1/assets URL of
 * the same integration. A player then loads each segment through signpost's redirect, so
 * relative segment paths never resolve against a presigned URL (where they would be 403).
 *
 * - Relative URIs, and absolute ones naming the same bucket, are rewritten; absolute URIs
 *   elsewhere (a CDN, another bucket) are left as they are.
 * - Each rewritten key is checked against the scopes like any requested key: one outside them
 *   refuses the whole playlist with scope_not_allowed (a player gets a clear error up front
 *   rather than a playlist that fails half-way).
 * - With signed links, each URI carries the playlist link's own `exp` and a signature for its
 *   path, so none outlives the playlist link.
 * - Finished playlists are cached in the isolate for the signing window, never past the
 *   playlist's own presigned URL or signed link; live ones are not cached.
 */
import type { Background, Env } from "../env";
import { config } from "../config";
import { ApiError } from "../http/errors";
import { publicSafe } from "../http/public-error";
import { linkSignature } from "../http/link-signature";
import { outboundFetch } from "../lib/outbound";
import { readCapped } from "../http/body";
import { assertSafeKey, decodeKeySegments, encodeS3Key } from "../lib/object-key";
import type { Integration } from "../integrations/model";
import { parseObjectUrl, type ObjectKind } from "../providers/object-url";
import { providerScopes } from "../providers/settings";
import { windowMsFor, windowStart } from "../signing/window";
import { signObject, type SignRequest } from "../signing/sign-object";
import { maxTtlFor, requireScope } from "../providers/aws/sign";
import { HLS_CONTENT_TYPE, isGrowingPlaylist, looksLikeHlsPlaylist, playlistUris, rewritePlaylist } from "./hls";

export const MAX_PLAYLIST_BYTES = 2 * 1024 * 1024;
const FETCH_TIMEOUT_MS = 10_000;
const PLACEHOLDER_ORIGIN = "https://playlist.invalid";

export interface PlaylistRequest {
  /** The request's own origin: rewritten URIs are absolute on it. */
  origin: string;
  sign: SignRequest & { objectKind?: ObjectKind; account?: string };
  /** The signed link's `exp` (seconds, as sent), when the integration requires signed links. */
  linkExp?: string;
  /** The request's `ttl`, passed on to every rewritten URI. */
  ttl?: number;
}

interface CachedPlaylist {
  body: string;
  expiresAt: number;
}

// Finished playlists, per integration version, origin, object, link exp and window.
const CACHE = new Map<string, CachedPlaylist>();
const CACHE_MAX_CHARS = 16 * 1024 * 1024;
let cachedChars = 0;

function remember(id: string, v: CachedPlaylist): void {
  if (v.body.length > CACHE_MAX_CHARS / 4) return;
  CACHE.set(id, v);
  cachedChars += v.body.length;
  for (const [k, old] of CACHE) {
    if (cachedChars <= CACHE_MAX_CHARS) break;
    CACHE.delete(k);
    cachedChars -= old.body.length;
  }
}

function recall(id: string, now: number): CachedPlaylist | null {
  const v = CACHE.get(id);
  if (!v) return null;
  if (v.expiresAt > now) return v;
  CACHE.delete(id);
  cachedChars -= v.body.length;
  return null;
}

/** Test hook: forget the playlists cached in this isolate. */
export function forgetPlaylists(): void {
  CACHE.clear();
  cachedChars = 0;
}

export async function servePlaylist(
  env: Env,
  ctx: Background,
  integ: Integration,
  req: PlaylistRequest,
  head: boolean,
  extraHeaders: Record<string, string>,
  requestId: string,
): Promise<Response> {
  const { bucket, key } = req.sign;
  const now = Date.now();
  // The same window the signed URLs are aligned to (SPEC "Cacheable URLs"): min(60 s, TTL/4).
  const maxTtl = maxTtlFor(integ, config(env).defaultUrlTtl);
  const windowMs = windowMsFor(Math.min(req.ttl ?? maxTtl, maxTtl));
  const cacheId = [
    integ.id,
    integ.row.updatedAt,
    req.origin,
    req.sign.objectKind ?? "",
    req.sign.account ?? "",
    bucket,
    key,
    req.linkExp ?? "",
    req.ttl ?? "",
    windowStart(now, windowMs),
  ].join("\n");
  let cached = recall(cacheId, now);
  let live = false;
  if (!cached) {
    const signed = await signObject(env, ctx, integ, req.sign);
    const text = await fetchPlaylist(signed.url, `${bucket}/${key}`);
    const body = await rewrite(env, integ, req, text);
    live = isGrowingPlaylist(text);
    cached = { body, expiresAt: Math.min(windowStart(now, windowMs) + windowMs, signed.expiresAt) };
    if (!live) remember(cacheId, cached);
  }
  const maxAge = live ? 0 : Math.max(0, Math.floor((cached.expiresAt - now) / 1000));
  return new Response(head ? null : cached.body, {
    status: 200,
    headers: {
      ...extraHeaders,
      "content-type": HLS_CONTENT_TYPE,
      "cache-control": live ? "private, no-cache" : `private, max-age=${maxAge}`,
      "referrer-policy": "no-referrer",
      "x-request-id": requestId,
    },
  });
}

async function fetchPlaylist(url: string, name: string): Promise<string> {
  let res: Response;
  try {
    res = await outboundFetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  } catch {
    throw publicSafe(new ApiError("upstream_error", `Storage did not answer for the playlist ${name}.`, "Try again in a moment."));
  }
  if (res.status === 404) {
    await res.body?.cancel();
    throw new ApiError("not_found", `The playlist ${name} does not exist.`);
  }
  if (!res.ok) {
    await res.body?.cancel();
    // S3 answers 403 for a missing key when the role may not list the bucket.
    const why = res.status === 403 ? ": it does not exist, or the integration may not read it" : "";
    throw publicSafe(
      new ApiError(
        "upstream_error",
        `Storage answered HTTP ${res.status} for the playlist ${name}${why}.`,
        "An administrator can run the integration's checks (get_object) to see why.",
      ),
    );
  }
  const tooBig = () =>
    publicSafe(new ApiError("upstream_error", `The playlist ${name} is larger than ${MAX_PLAYLIST_BYTES} bytes.`, "Split it into smaller variant playlists."));
  const bytes = await readCapped(res, MAX_PLAYLIST_BYTES);
  if (!bytes) throw tooBig();
  const text = new TextDecoder().decode(bytes);
  if (!looksLikeHlsPlaylist(text))
    throw publicSafe(new ApiError("upstream_error", `The object ${name} is not an HLS playlist (it does not start with #EXTM3U).`));
  return text;
}

/** The object a playlist URI names, when it is in the playlist's own bucket; null otherwise. */
function sameBucketKey(uri: string, req: PlaylistRequest, pathStyleOrigins: string[]): string | null {
  const { bucket, key } = req.sign;
  let resolved: URL;
  try {
    resolved = new URL(uri, `${PLACEHOLDER_ORIGIN}/${encodeS3Key(key)}`);
  } catch {
    return null;
  }
  if (resolved.origin === PLACEHOLDER_ORIGIN && /^[A-Za-z][A-Za-z0-9+.-]*:/.test(uri) === false) return decodeKeySegments(resolved.pathname.slice(1));
  try {
    const t = parseObjectUrl(resolved.protocol === "https:" || resolved.protocol === "http:" ? `${resolved.origin}${resolved.pathname}` : uri, {
      pathStyleOrigins,
    });
    const kind = req.sign.objectKind ?? t.kind;
    if (t.kind !== kind || t.bucket !== bucket || (req.sign.account !== undefined && t.account !== req.sign.account)) return null;
    return t.key;
  } catch {
    return null;
  }
}

async function rewrite(env: Env, integ: Integration, req: PlaylistRequest, text: string): Promise<string> {
  const cfg = config(env);
  const pathStyleOrigins = [cfg.s3Endpoint, integ.row.endpoint].filter((o): o is string => !!o);
  const { bucket } = req.sign;
  const scopes = providerScopes(integ);
  const replacements = new Map<string, string>();
  for (const uri of playlistUris(text)) {
    let key: string | null;
    try {
      key = sameBucketKey(uri, req, pathStyleOrigins);
      if (key !== null) assertSafeKey(key);
    } catch (e) {
      throw publicSafe(
        new ApiError(
          "upstream_error",
          `The playlist ${bucket}/${req.sign.key} names "${uri.slice(0, 200)}", which is not a usable object key: ${e instanceof ApiError ? e.message : "unreadable"}`,
        ),
      );
    }
    if (key === null) continue;
    try {
      requireScope(scopes, bucket, key);
    } catch {
      throw new ApiError(
        "scope_not_allowed",
        `The playlist ${bucket}/${req.sign.key} names ${bucket}/${key.slice(0, 200)}, which this integration may not read.`,
        "Add a scope that covers every segment and variant playlist, or keep them next to the playlist.",
      );
    }
    const path = `/v1/assets/${encodeURIComponent(integ.id)}/${encodeURIComponent(bucket)}/${encodeS3Key(key)}`;
    const query: string[] = [];
    if (req.ttl !== undefined) query.push(`ttl=${req.ttl}`);
    if (req.linkExp !== undefined) query.push(`exp=${req.linkExp}`, `sig=${await linkSignature(env.LINK_SIGNING_KEY!, path, req.linkExp)}`);
    replacements.set(uri, `${req.origin}${path}${query.length > 0 ? `?${query.join("&")}` : ""}`);
  }
  return rewritePlaylist(text, (uri) => replacements.get(uri) ?? null);
}
