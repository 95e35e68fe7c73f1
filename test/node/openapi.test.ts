/**
 * GET /openapi.json: generated from the zod schemas that validate the requests
 * (scripts/openapi/), committed as public/openapi.json and served by the Worker.
 * Checks: the committed file is what the generator writes now (no drift); a maintained
 * OpenAPI 3.1 validator accepts it; every route of the Worker's Hono app and every error code
 * of the SPEC is in it; the local stack serves it.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Validator } from "@seriousme/openapi-schema-validator";
import { app } from "../../worker/index";
import { ERROR_STATUS } from "../../worker/http/errors";
import { CLIENT_TYPES_PATH, DOCUMENT_PATH, ROOT, openapiDocument, serialise } from "../../scripts/openapi/generate";
import { clientTypes } from "../../scripts/openapi/client-types";
import { startLocalStack, type LocalStack } from "../../scripts/local-stack";

type Doc = { openapi: string; paths: Record<string, Record<string, any>>; components: { responses: Record<string, any>; schemas: Record<string, any> } };
const committed = readFileSync(DOCUMENT_PATH, "utf8");
const doc = JSON.parse(committed) as Doc;
const METHODS = ["get", "head", "post", "put", "patch", "delete"];

/** The codes of the SPEC's "Errors" table, with their status. */
function specErrors(): Record<string, number> {
  const spec = readFileSync(join(ROOT, "..", "shared", "SPEC.md"), "utf8");
  const section = spec.slice(spec.indexOf("## Errors"), spec.indexOf("\n## ", spec.indexOf("## Errors") + 1) >>> 0 || undefined);
  const out: Record<string, number> = {};
  for (const m of section.matchAll(/^\| (\d{3}) \| (.+) \|$/gm)) {
    for (const code of m[2]!.matchAll(/`([a-z_]+)`/g)) out[code[1]!] = Number(m[1]);
  }
  return out;
}

describe("the OpenAPI document", () => {
  it("is what `npm run openapi` generates from the schemas now (no drift)", async () => {
    expect(serialise(await openapiDocument()), "public/openapi.json is stale: run npm run openapi").toBe(committed);
    expect(clientTypes(doc), "clients/typescript/types.ts is stale: run npm run openapi").toBe(readFileSync(CLIENT_TYPES_PATH, "utf8"));
  });

  it("is a valid OpenAPI 3.1 document", async () => {
    expect(doc.openapi).toBe("3.1.0");
    const res = await new Validator().validate(structuredClone(doc));
    expect(res.errors ?? [], JSON.stringify(res.errors ?? null).slice(0, 2000)).toEqual([]);
    expect(res.valid).toBe(true);
  });

  it("describes every route of the Worker", () => {
    const routes = app.routes.filter((r) => r.method !== "ALL");
    expect(routes.length).toBeGreaterThan(20);
    const missing: string[] = [];
    for (const r of routes) {
      const method = r.method.toLowerCase();
      const template = r.path.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
      const paths = template.endsWith("/*")
        ? Object.keys(doc.paths).filter((p) => p.startsWith(template.slice(0, -1)) && p.length > template.length - 1)
        : [template].filter((p) => doc.paths[p]);
      if (!paths.some((p) => doc.paths[p]![method])) missing.push(`${r.method} ${r.path}`);
    }
    expect(missing).toEqual([]);
  });

  it("documents every error code of the SPEC and of the Worker, with its status", () => {
    const spec = existsSync(join(ROOT, "..", "shared", "SPEC.md")) ? specErrors() : {};
    expect(Object.keys(spec).length === 0 || Object.keys(spec).length >= 18).toBe(true);
    for (const [code, status] of Object.entries({ ...spec, ...ERROR_STATUS })) {
      const response = doc.components.responses[code];
      expect(response, code).toBeDefined();
      expect(response.description.startsWith(`${status} \`${code}\``), code).toBe(true);
      expect(response.content["application/json"].schema.allOf[1].properties.error.properties.code.const).toBe(code);
    }
    expect(doc.components.schemas.ErrorCode.enum).toEqual(expect.arrayContaining(Object.keys(ERROR_STATUS)));
  });

  it("generates request bodies from the validating schemas", () => {
    const sign = doc.components.schemas.SignRequest;
    expect(sign.required).toEqual(["urls"]);
    expect(sign.additionalProperties).toBe(false);
    expect(sign.properties.urls).toMatchObject({ type: "array", minItems: 1, maxItems: 1000, items: { type: "string" } });
    const create = doc.components.schemas.CreateIntegration;
    expect(create.properties.provider.enum).toEqual(["aws_role", "aws_keys", "gcs", "azure"]);
    expect(create.properties.urlTtlSeconds).toMatchObject({ type: "integer", minimum: 60, maximum: 86400 });
    const every = Object.values(doc.paths).flatMap((item) => METHODS.map((m) => item[m]).filter(Boolean));
    for (const op of every) expect(op.responses["500"], op.operationId).toEqual({ $ref: "#/components/responses/internal_error" });
  });
});

describe("GET /openapi.json on the local stack", () => {
  let stack: LocalStack | undefined;
  afterAll(async () => {
    await stack?.stop();
  });

  it("serves the committed document", async () => {
    stack = await startLocalStack();
    const res = await fetch(`${stack.url}/openapi.json`, { signal: AbortSignal.timeout(10_000) });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await res.json()).toEqual(doc);
  }, 120_000);
});
