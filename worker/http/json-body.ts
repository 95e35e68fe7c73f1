/**
 * The one reader of JSON request bodies: Content-Type must be application/json, the body is
 * read with a byte cap (http/body.ts), and the value is checked against a zod schema of
 * worker/schemas/ (parseInput's messages name the field), so a route gets typed input or a 400.
 */
import type * as z from "zod/mini";
import type { Context } from "hono";
import { ApiError } from "./errors";
import { readCapped } from "./body";
import { parseInput, type ParseOptions } from "../schemas/parse";

const MAX_BODY = 256 * 1024;

export interface JsonBodyOptions<T> extends ParseOptions {
  /** A request without Content-Type counts as `{}` (POSTs whose fields are all optional). */
  optional?: boolean;
  /** Checks the value instead of parseInput, for input with rules beyond its schema. */
  parse?: (schema: z.ZodMiniType<T>, value: unknown) => T;
}

/** The parsed JSON value, unchecked: for a caller that screens it before its schema. */
export async function jsonBody(c: Context): Promise<unknown>;
/** The body checked against `schema`, or the 400 for its first problem. */
export async function jsonBody<T>(c: Context, schema: z.ZodMiniType<T>, opts?: JsonBodyOptions<T>): Promise<T>;
export async function jsonBody<T>(c: Context, schema?: z.ZodMiniType<T>, opts: JsonBodyOptions<T> = {}): Promise<unknown> {
  const type = c.req.header("content-type");
  const value = opts.optional && !type ? {} : await readJson(c.req.raw, type ?? "");
  if (!schema) return value;
  return opts.parse ? opts.parse(schema, value) : parseInput(schema, value, opts);
}

async function readJson(req: Request, type: string): Promise<unknown> {
  if (!/^application\/json\b/i.test(type)) throw new ApiError("invalid_request", "Send a JSON body with Content-Type: application/json.");
  const bytes = await readCapped(req, MAX_BODY);
  if (bytes === null) throw new ApiError("invalid_request", `The body is larger than ${MAX_BODY} bytes.`);
  const text = new TextDecoder().decode(bytes);
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError("invalid_request", "The body is not valid JSON.");
  }
}
