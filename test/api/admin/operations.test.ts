/** The admin page's Operations section: the 24-hour SVG chart, the last error with its request id, the status history. */
import { afterEach, beforeEach, expect, it } from "vitest";
import { createRoleIntegration, newWorld, type World } from "../../support/harness";

// The rules signpost generates: the frontend and `null` (what browsers send after the redirect).
const CORS = [{ AllowedOrigins: ["https://label.example.com", "null"], AllowedMethods: ["GET", "HEAD"], AllowedHeaders: ["*"] }];

let w: World;
beforeEach(async () => {
  w = await newWorld();
  w.fake.addBucket({ name: "media-bucket", region: "us-east-1", cors: CORS, objects: { "a.txt": "A" } });
});
afterEach(() => w.close());

async function page(): Promise<string> {
  const res = await w.call("/admin", { headers: { authorization: `Bearer ${w.env.ADMIN_TOKEN}` } });
  expect(res.status).toBe(200);
  return res.text();
}

function section(html: string, id: string): string {
  const start = html.indexOf(`data-integration="${id}"`);
  expect(start).toBeGreaterThan(0);
  return html.slice(start, html.indexOf("</article>", start));
}

it("charts the last 24 hours of redirects and errors per integration, with the last error's request id and the status history", async () => {
  const { id } = await createRoleIntegration(w, { name: "Acme <script>alert(1)</script>" });
  const quiet = await createRoleIntegration(w, { name: "Quiet", roleName: "quiet" });
  await w.admin("POST", `/admin/api/integrations/${id}/validate`, {});
  for (let i = 0; i < 3; i++) expect((await w.call(`/v1/assets/${id}/media-bucket/a.txt`)).status).toBe(302);
  const failed = await w.call(`/v1/assets/${id}/other-bucket/a.txt`);
  expect(failed.status).toBe(403);
  const html = await page();
  expect(html).not.toContain("<script>alert(1)");
  const mine = section(html, id);
  expect(mine).toMatch(/<svg class="ops-chart"[^>]*data-redirects="3"[^>]*data-errors="1"/);
  expect(mine).toContain('class="r"');
  expect(mine).toContain('class="e"');
  expect(mine).toContain(`<code>scope_not_allowed</code> (403)`);
  expect(mine).toContain(failed.headers.get("x-request-id")!);
  expect(mine).toMatch(/unchecked → <strong>valid<\/strong> <span class="muted">\(manual\)<\/span>/);
  const other = section(html, quiet.id);
  expect(other).toMatch(/data-redirects="0"[^>]*data-errors="0"/);
  expect(other).not.toContain("<rect");
  expect(other).toContain("No error recorded.");
});
