/**
 * The answer for one object of /v1/assets and /v1/redirect: an HLS playlist is served
 * rewritten (200), anything else is a 302 to its presigned URL. Usage is counted either way.
 */
import type { Ctx } from "../http/context";
import type { Integration } from "../integrations/model";
import { noteUsage } from "../integrations/usage";
import { signObject } from "../signing/sign-object";
import { redirectResponse } from "../signing/redirect-response";
import { isHlsPlaylistKey } from "../playlists/hls";
import { servePlaylist, type PlaylistRequest } from "../playlists/serve";

/** `linkExp`: the signed link's `exp` as sent, for the playlist's rewritten links. */
export async function objectResponse(c: Ctx, integ: Integration, request: PlaylistRequest["sign"], linkExp?: string): Promise<Response> {
  if (isHlsPlaylistKey(request.key)) {
    const playlist: PlaylistRequest = { origin: new URL(c.req.url).origin, sign: request, linkExp, ttl: request.ttl };
    const res = await servePlaylist(c.env, c.executionCtx, integ, playlist, c.req.method === "HEAD", {}, c.get("requestId"));
    noteUsage(c.env, c.executionCtx, integ.id);
    return res;
  }
  const signed = await signObject(c.env, c.executionCtx, integ, request);
  noteUsage(c.env, c.executionCtx, integ.id);
  if (signed.shortened) c.set("degraded", true);
  return redirectResponse(signed, c.get("requestId"), {});
}
