/**
 * The OpenAPI 3.1 document, built from the zod schemas in worker/schemas/ with zod's own
 * `toJSONSchema` (JSON Schema 2020-12, which OpenAPI 3.1 uses as is). Each surface
 * (surfaces/*.ts, listed in surfaces.ts) describes its routes; this file turns them into
 * paths, named component schemas, security schemes and one error response per error code.
 */
import * as z from "zod/mini";
import { ERROR_STATUS, type ErrorCode } from "../../worker/http/errors";

type Json = Record<string, unknown>;

/** A named schema: it becomes components/schemas/{name}, referenced from the operation. */
export interface Named {
  name: string;
  schema: z.ZodMiniType;
  /** Adjusts the generated JSON Schema where zod cannot say it (rarely needed). */
  patch?: (json: Json) => void;
}

export interface Success {
  description: string;
  /** JSON body. */
  json?: Named;
  /** Another media type (HTML pages, HLS playlists), described in prose. */
  media?: string;
  headers?: Record<string, string>;
}

export type Auth = "none" | "api" | "admin" | "admin-page";

export interface Operation {
  method: "get" | "head" | "post" | "patch" | "delete";
  /** OpenAPI path template: /v1/integrations/{id}/objects. */
  path: string;
  summary: string;
  description?: string;
  auth: Auth;
  /** Descriptions of the path parameters, by name. */
  params?: Record<string, string>;
  /** A zod object whose fields are the query parameters. */
  query?: z.ZodMiniType;
  body?: Named & { required?: boolean };
  /** Form fields of an HTML form post (the admin login), described in prose. */
  form?: string;
  responses: Record<number, Success>;
  errors: readonly ErrorCode[];
}

export interface Surface {
  name: string;
  description: string;
  operations: Operation[];
}

export interface DocumentInfo {
  version: string;
  /** Every error code with its status (SPEC "Errors"). */
  errors?: Readonly<Record<string, number>>;
}

const ERROR_TEXT: Partial<Record<string, string>> = {
  invalid_request: "The request is malformed: the message names the field and what is wrong with it.",
  invalid_url: "The object URL cannot be parsed.",
  invalid_key: "The object key is empty or one that a URL parser would rewrite (`.`/`..` segments).",
  unsupported_host: "The URL's host is not a storage service signpost signs for.",
  unauthorized: "Missing or wrong credentials (API token, admin token, session or Access JWT).",
  ip_not_allowed: "The client IP is outside ALLOWED_IPS or the integration's ipAllowlist (fail closed when unknown).",
  scope_not_allowed: "The object or prefix is outside the integration's scopes, or the API token is not limited to this integration.",
  invalid_link_signature: "The integration requires signed asset links and `sig` is missing or wrong.",
  link_expired: "The signed link's `exp` has passed.",
  integration_not_found: "No integration with this id.",
  no_default_integration: "`default` was named and no integration is the default.",
  not_found: "No such route or resource.",
  invite_not_found: "Unknown, expired or revoked invite token.",
  method_not_allowed: "The route exists but not for this method; the Allow header lists the ones it has.",
  rate_limited: "Too many requests (or failures) from this client IP; see Retry-After.",
  role_cannot_be_assumed: "The bucket owner's role (or grant) refuses signpost; the hint says what to change.",
  upstream_error: "The storage service answered with an error (e.g. listing without s3:ListBucket).",
  sts_unavailable: "The cloud's token service is unavailable and no cached credentials can sign; see Retry-After.",
  internal_error: "An unexpected error; quote the requestId. Never carries a secret or a stack.",
};

const RETRY_AFTER = new Set(["rate_limited", "sts_unavailable"]);

const SECURITY: Record<Auth, Json[] | undefined> = {
  none: [],
  api: [{ apiToken: [] }],
  admin: [{ adminToken: [] }, { adminSession: [] }, { accessJwt: [] }],
  "admin-page": undefined,
};

/** JSON Schema of a zod schema, without the `$schema` header (the document is the context). */
function jsonSchema(schema: z.ZodMiniType, io: "input" | "output"): Json {
  const out = z.toJSONSchema(schema, { io, target: "draft-2020-12" }) as Json;
  delete out.$schema;
  // Answers may gain fields in later versions: clients must not reject unknown ones.
  if (io === "output") openObjects(out);
  return out;
}

function openObjects(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(openObjects);
  if (!node || typeof node !== "object") return;
  const o = node as Json;
  if (o.additionalProperties === false) delete o.additionalProperties;
  Object.values(o).forEach(openObjects);
}

function pathParams(path: string): string[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
}

function errorComponent(code: string, status: number): Json {
  const headers = RETRY_AFTER.has(code) ? { "Retry-After": { $ref: "#/components/headers/Retry-After" } } : undefined;
  return {
    description: `${status} \`${code}\`: ${ERROR_TEXT[code] ?? code}`,
    ...(headers ? { headers } : {}),
    content: {
      "application/json": {
        schema: {
          allOf: [{ $ref: "#/components/schemas/ErrorResponse" }, { properties: { error: { properties: { code: { const: code } } } } }],
        },
      },
    },
  };
}

export function buildDocument(surfaces: readonly Surface[], info: DocumentInfo): Json {
  const errorStatus: Readonly<Record<string, number>> = info.errors ?? ERROR_STATUS;
  const schemas: Record<string, Json> = {};
  const define = (named: Named, io: "input" | "output"): Json => {
    const json = jsonSchema(named.schema, io);
    named.patch?.(json);
    const existing = schemas[named.name];
    if (existing && JSON.stringify(existing) !== JSON.stringify(json)) throw new Error(`Two different schemas are named ${named.name}.`);
    schemas[named.name] = json;
    return { $ref: `#/components/schemas/${named.name}` };
  };

  const paths: Record<string, Record<string, Json>> = {};
  for (const surface of surfaces) {
    for (const op of surface.operations) {
      const parameters: Json[] = pathParams(op.path).map((name) => {
        const description = op.params?.[name];
        if (!description) throw new Error(`${op.method.toUpperCase()} ${op.path}: path parameter {${name}} is not described.`);
        return { name, in: "path", required: true, description, schema: { type: "string" } };
      });
      if (op.query) {
        const q = jsonSchema(op.query, "input");
        const required = new Set((q.required as string[] | undefined) ?? []);
        for (const [name, schema] of Object.entries((q.properties ?? {}) as Record<string, Json>)) {
          const { description, ...rest } = schema;
          parameters.push({ name, in: "query", required: required.has(name), ...(description ? { description } : {}), schema: rest });
        }
      }

      const responses: Record<string, Json> = {};
      for (const [status, s] of Object.entries(op.responses)) {
        const headers = s.headers
          ? Object.fromEntries(Object.entries(s.headers).map(([h, d]) => [h, { description: d, schema: { type: "string" } }]))
          : undefined;
        const content = s.json
          ? { "application/json": { schema: define(s.json, "output") } }
          : s.media
            ? { [s.media]: { schema: { type: "string" } } }
            : undefined;
        responses[status] = { description: s.description, ...(headers ? { headers } : {}), ...(content ? { content } : {}) };
      }
      const byStatus = new Map<number, string[]>();
      for (const code of new Set<string>([...op.errors, "internal_error"])) {
        const status = errorStatus[code];
        if (status === undefined) throw new Error(`${op.method.toUpperCase()} ${op.path}: unknown error code ${code}.`);
        byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
      }
      for (const [status, codes] of [...byStatus].sort((a, b) => a[0] - b[0])) {
        if (codes.length === 1) {
          responses[String(status)] = { $ref: `#/components/responses/${codes[0]}` };
          continue;
        }
        const retry = codes.some((c) => RETRY_AFTER.has(c));
        responses[String(status)] = {
          description: `One of: ${codes.map((c) => `\`${c}\``).join(", ")} (see components/responses).`,
          ...(retry ? { headers: { "Retry-After": { $ref: "#/components/headers/Retry-After" } } } : {}),
          content: {
            "application/json": {
              schema: { allOf: [{ $ref: "#/components/schemas/ErrorResponse" }, { properties: { error: { properties: { code: { enum: codes } } } } }] },
            },
          },
        };
      }

      const operation: Json = {
        tags: [surface.name],
        summary: op.summary,
        ...(op.description ? { description: op.description } : {}),
        operationId: `${op.method}${op.path.replace(/\{([^}]+)\}/g, "By-$1").replace(/[^A-Za-z0-9]+(.)?/g, (_m, ch: string | undefined) => (ch ? ch.toUpperCase() : ""))}`,
        ...(SECURITY[op.auth] ? { security: SECURITY[op.auth] } : {}),
        ...(parameters.length ? { parameters } : {}),
        ...(op.body ? { requestBody: { required: op.body.required ?? true, content: { "application/json": { schema: define(op.body, "input") } } } } : {}),
        ...(op.form
          ? { requestBody: { required: true, description: op.form, content: { "application/x-www-form-urlencoded": { schema: { type: "object" } } } } }
          : {}),
        responses,
      };
      const item = (paths[op.path] ??= {});
      if (item[op.method]) throw new Error(`${op.method.toUpperCase()} ${op.path} is described twice.`);
      item[op.method] = operation;
    }
  }

  const codes = Object.keys(errorStatus);
  return {
    openapi: "3.1.0",
    info: {
      title: "signpost",
      version: info.version,
      summary: "Delegated-access signing proxy: 302 redirects to short-lived presigned URLs for objects in your users' own buckets.",
      license: { name: "MIT", identifier: "MIT" },
    },
    tags: surfaces.map((s) => ({ name: s.name, description: s.description })),
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b))),
    components: {
      securitySchemes: {
        apiToken: { type: "http", scheme: "bearer", description: "An API token (POST /admin/api/tokens); may be limited to some integrations." },
        adminToken: { type: "http", scheme: "bearer", description: "ADMIN_TOKEN." },
        adminSession: { type: "apiKey", in: "cookie", name: "signpost_session", description: "The admin page's session cookie (POST /admin/login)." },
        accessJwt: {
          type: "apiKey",
          in: "header",
          name: "Cf-Access-Jwt-Assertion",
          description: "A Cloudflare Access JWT, when ACCESS_TEAM_DOMAIN and ACCESS_AUD are set.",
        },
      },
      headers: {
        "Retry-After": { description: "Seconds to wait before retrying.", schema: { type: "string" } },
        "X-Request-Id": { description: "The request's tracking id (equals error.requestId).", schema: { type: "string" } },
      },
      schemas: {
        ErrorCode: { type: "string", enum: codes },
        ErrorResponse: {
          type: "object",
          required: ["error"],
          properties: {
            error: {
              type: "object",
              required: ["code", "message", "requestId"],
              properties: {
                code: { $ref: "#/components/schemas/ErrorCode" },
                message: { type: "string" },
                hint: { type: "string", description: "What to change, when there is something to change." },
                requestId: { type: "string", description: "Equals the X-Request-Id header: the tracking ID a user quotes." },
              },
            },
          },
        },
        ...Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b))),
      },
      responses: Object.fromEntries(codes.map((code) => [code, errorComponent(code, errorStatus[code]!)])),
    },
  };
}
