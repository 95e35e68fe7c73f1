/**
 * Bearer API tokens for the server-side /v1 APIs. Tokens are looked up by hash and memoised
 * briefly (a revoked token stops working within seconds, in every isolate).
 */
import type { Background, Env } from "../env";
import { ApiError } from "./errors";
import { timingSafeEqualStr } from "./timing-safe";
import { db } from "../store/db";
import { findTokenByHash, hashToken, touchToken, type TokenRow } from "../store/tokens";

const FRESH_MS = 5_000;
const MEMO = new Map<string, { row: TokenRow | null; at: number }>();
const TOUCHED = new Map<string, number>();

export interface ApiCaller {
  tokenId: string;
  /** Empty = every integration. */
  integrations: string[];
}

export function forgetTokens(): void {
  MEMO.clear();
}

export async function requireApiToken(env: Env, ctx: Background, req: Request): Promise<ApiCaller> {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.get("authorization") ?? "");
  if (!m) throw new ApiError("unauthorized", "An API token is required.", "Send Authorization: Bearer {api token}; create tokens on the admin page.");
  const hash = await hashToken(m[1]!);
  let hit = MEMO.get(hash);
  if (!hit || Date.now() - hit.at > FRESH_MS) {
    hit = { row: await findTokenByHash(db(env.DB), hash), at: Date.now() };
    if (MEMO.size > 1000) MEMO.clear();
    MEMO.set(hash, hit);
  }
  if (!hit.row) {
    if (env.ADMIN_TOKEN && timingSafeEqualStr(m[1]!, env.ADMIN_TOKEN)) {
      throw new ApiError(
        "unauthorized",
        "This is the admin token, not an API token.",
        "The admin token only works on /admin. Create an API token on the admin page (or POST /admin/api/tokens) and send that instead.",
      );
    }
    throw new ApiError("unauthorized", "The API token is not valid (unknown or revoked).");
  }
  const row = hit.row;
  const now = Date.now();
  if (now - (TOUCHED.get(row.id) ?? 0) > 60_000) {
    TOUCHED.set(row.id, now);
    ctx.waitUntil(touchToken(db(env.DB), row.id, now).catch(() => undefined));
  }
  return { tokenId: row.id, integrations: JSON.parse(row.integrations) as string[] };
}

export function requireTokenFor(caller: ApiCaller, integrationId: string): void {
  if (caller.integrations.length > 0 && !caller.integrations.includes(integrationId)) {
    throw new ApiError("scope_not_allowed", `This API token is not allowed to use integration ${integrationId}.`, "Use a token created for this integration.");
  }
}
