/**
 * The error contract of SPEC.md ("Errors"): every failure is
 * `{"error": {"code", "message", "hint"?, "requestId"}}` with a fixed status per code.
 */
import { ApiError, type ErrorCode } from "../lib/errors";

export { ApiError, ERROR_STATUS, type ErrorCode } from "../lib/errors";

/** The `{code, message, hint?}` body part, without the request id (used per URL in /v1/sign). */
export function errorBody(err: ApiError): { code: ErrorCode; message: string; hint?: string } {
  return err.hint ? { code: err.code, message: err.message, hint: err.hint } : { code: err.code, message: err.message };
}

export function errorResponse(err: ApiError, requestId: string, extraHeaders?: HeadersInit): Response {
  const headers = new Headers(extraHeaders);
  headers.set("content-type", "application/json; charset=utf-8");
  headers.set("cache-control", "no-store");
  headers.set("x-request-id", requestId);
  for (const [k, v] of Object.entries(err.headers ?? {})) headers.set(k, v);
  return new Response(JSON.stringify({ error: { ...errorBody(err), requestId } }), { status: err.status, headers });
}

/** Anything that is not an ApiError becomes a 500 that says nothing about its cause. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  return new ApiError("internal_error", "Internal error. Quote the requestId when reporting it.");
}
