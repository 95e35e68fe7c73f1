/** The admin JSON API (/admin/api), with the page's CSRF token on every state-changing call. */

const csrfMeta = document.querySelector('meta[name="csrf-token"]');
const CSRF = csrfMeta ? csrfMeta.getAttribute("content") || "" : "";

interface ErrorBody {
  error?: { code?: string; message?: string; hint?: string; requestId?: string };
}

/** A refused or failed call, with the API's error envelope. */
export class ApiFailure {
  readonly code: string;
  readonly message: string;
  readonly hint: string;
  readonly requestId: string;
  constructor(
    readonly status: number,
    body: ErrorBody | null,
  ) {
    const e = (body && body.error) || {};
    this.code = e.code || "http_" + status;
    this.message = e.message || "The request failed (HTTP " + status + ").";
    this.hint = e.hint || "";
    this.requestId = e.requestId || "";
  }
}

/** The JSON answer of a call (its shape is the route's: see public/openapi.json), or an ApiFailure. */
export async function api(method: string, path: string, body?: unknown): Promise<any> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (method !== "GET") headers["x-csrf-token"] = CSRF;
  const init: RequestInit = { method, credentials: "same-origin", headers };
  if (body !== undefined) {
    headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let res: Response;
  try {
    res = await fetch("/admin/api" + path, init);
  } catch (err) {
    throw new ApiFailure(0, { error: { message: "signpost did not answer: " + (err instanceof Error && err.message ? err.message : "network error") + "." } });
  }
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) throw new ApiFailure(res.status, data);
  return data;
}

/** What to tell the admin about a failure. */
export function describe(err: unknown): string {
  if (!(err instanceof ApiFailure)) return String(err instanceof Error && err.message ? err.message : err);
  if (err.status === 401) return "Your session has ended. Reload the page to log in again.";
  let s = err.message;
  if (err.hint) s += " " + err.hint;
  if (err.requestId) s += " (request " + err.requestId + ")";
  return s;
}
