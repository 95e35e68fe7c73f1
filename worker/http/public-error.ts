/**
 * What an unauthenticated /v1 caller learns when signing fails upstream: the code and a
 * generic message, never the cloud's own words (ARNs, account ids, service account emails,
 * tenant ids), the External ID or the fix. The detail goes to the structured log (message
 * only, no hint, no secret) under the request id; admins see it in validation results and
 * the admin API.
 */
import { ApiError, type ErrorCode } from "./errors";

const GENERIC: Partial<Record<ErrorCode, { message: string; hint: string }>> = {
  role_cannot_be_assumed: {
    message: "This integration cannot sign right now: signpost could not get access to the bucket.",
    hint: "An administrator can see why by running the integration's checks on the admin page; quote the requestId.",
  },
  upstream_error: {
    message: "The storage service answered with an error.",
    hint: "If it persists, an administrator can look the requestId up in signpost's logs.",
  },
  sts_unavailable: {
    message: "The cloud's credential service is unavailable; try again shortly.",
    hint: "Retry after the number of seconds in Retry-After.",
  },
};

const SAFE = new WeakSet<ApiError>();

/** Marks an error whose message was written for the public (it names no upstream detail). */
export function publicSafe(err: ApiError): ApiError {
  SAFE.add(err);
  return err;
}

/** The error as a public /v1 caller may see it; logs the withheld detail. */
export function publicError(err: ApiError, requestId: string): ApiError {
  const generic = GENERIC[err.code];
  if (!generic || SAFE.has(err)) return err;
  console.warn(JSON.stringify({ level: "warn", event: "v1_error", requestId, code: err.code, status: err.status, detail: err.message }));
  return new ApiError(err.code, generic.message, generic.hint, err.headers);
}
