/**
 * The error contract of SPEC.md ("Errors"): every failure is
 * `{"error": {"code", "message", "hint"?, "requestId"}}` with a fixed status per code.
 */
export const ERROR_STATUS = {
  invalid_request: 400,
  invalid_url: 400,
  invalid_key: 400,
  unsupported_host: 400,
  unauthorized: 401,
  ip_not_allowed: 403,
  scope_not_allowed: 403,
  invalid_link_signature: 403,
  link_expired: 403,
  integration_not_found: 404,
  no_default_integration: 404,
  invite_not_found: 404,
  not_found: 404,
  method_not_allowed: 405,
  rate_limited: 429,
  role_cannot_be_assumed: 502,
  upstream_error: 502,
  sts_unavailable: 503,
  internal_error: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly hint?: string,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.status = ERROR_STATUS[code];
  }
}

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
