/**
 * The error codes of SPEC.md ("Errors") with their fixed statuses, and the ApiError every
 * layer throws. Kept free of HTTP plumbing so the cloud clients can throw it too; the JSON
 * response form lives in worker/http/errors.ts.
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

/** `sts_unavailable` (503) with Retry-After: the provider's identity service is down or throttling. */
export function providerUnavailable(what: string, retryAfterSeconds = 5): ApiError {
  return new ApiError("sts_unavailable", `${what}; try again shortly.`, undefined, { "retry-after": String(retryAfterSeconds) });
}
