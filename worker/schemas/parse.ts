/**
 * Parsing request input with the zod schemas of worker/schemas/: the first problem becomes a
 * 400 that names the field ("urls: must be an array of 1..1000 URLs."), unknown fields are
 * refused (a misspelt field silently ignored is a silent wrong answer).
 */
import * as z from "zod/mini";
import { en } from "zod/locales";
import { ApiError, type ErrorCode } from "../http/errors";

// zod/mini keeps the bundle small (the classic API is ~90 KiB gzip); English messages only.
z.config(en());

export interface ParseOptions {
  /** Error code per top-level field whose problems are not `invalid_request` (e.g. `key` → `invalid_key`). */
  codes?: Record<string, ErrorCode>;
}

function acceptedKeys(schema: z.ZodMiniType): string[] {
  const shape = (schema._zod.def as { shape?: Record<string, unknown> }).shape;
  return shape ? Object.keys(shape) : [];
}

/** Validated input, or the ApiError for its first problem (unknown fields first). */
export function parseInput<T>(schema: z.ZodMiniType<T>, value: unknown, opts: ParseOptions = {}): T {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new ApiError("invalid_request", "The body must be a JSON object.");
  }
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues;
  const issue = issues.find((i) => i.code === "unrecognized_keys") ?? issues[0]!;
  if (issue.code === "unrecognized_keys") {
    const at = issue.path.length ? `${issue.path.join(".")}.` : "";
    const accepted = issue.path.length ? "" : ` (accepted: ${acceptedKeys(schema).join(", ")})`;
    throw new ApiError("invalid_request", `${at}${issue.keys[0]}: unknown field${accepted}.`);
  }
  const field = issue.path.join(".") || "body";
  const code = opts.codes?.[String(issue.path[0])] ?? "invalid_request";
  throw new ApiError(code, `${field}: ${issue.message.replace(/\.$/, "")}.`);
}

/** The first value of each query parameter the schema names (others are ignored, as browsers add their own). */
export function queryInput<T>(schema: z.ZodMiniType<T>, url: string): T {
  const params = new URL(url).searchParams;
  const picked: Record<string, string> = {};
  for (const k of acceptedKeys(schema)) {
    const v = params.get(k);
    if (v !== null) picked[k] = v;
  }
  return parseInput(schema, picked);
}
