/**
 * Real frontends through the redirect, in Debian's Chromium: the page on one origin, signpost
 * (`wrangler dev`) on a second, the fake bucket on a third, applying CORS as S3 does, with the
 * rules signpost itself generates (fetched from the admin API). Each client a labeling tool
 * uses — <img>, <img crossorigin> + getImageData, fetch(), <video> seek, hls.js, OpenSeadragon —
 * loads assets through /v1/assets, with plain links (the `default` integration) and with
 * signed links (an integration that requires them). The old rules (the page's origin only)
 * are shown to fail. A failure says what the browser saw: each request with its status or
 * network error and the Origin it sent, and the console's CORS messages.
 */
import { randomBytes } from "node:crypto";

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Browser, type Page } from "playwright-core";
import { launchChromium } from "./browser";
import { startLocalStack, type LocalStack } from "../../scripts/local-stack";
import { encodeKey, signAssetLink } from "../../clients/sign-link";
import { deepZoom, png, video, type DeepZoom, type Video } from "./frontend/media";
import { startPageServer, type PageServer } from "./frontend/page";

const BUCKET = "frontend-media";
const LINK_SIGNING_KEY = randomBytes(32).toString("hex");
const READER = {
  arn: "arn:aws:iam::777788889999:user/frontend-reader",
  accessKeyId: "AKIAFRONTENDREADER01",
  secretAccessKey: randomBytes(30).toString("base64"),
};
const RED: [number, number, number, number] = [255, 0, 0, 255];

let stack: LocalStack;
let pageServer: PageServer;
let browser: Browser;
let signpost: string;
let signedId: string;
let plainId: string;
let media: Video;
let dzi: DeepZoom;
let generatedRules: unknown;

async function admin(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${signpost}${path}`, {
    method,
    headers: { authorization: `Bearer ${stack.adminToken}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

async function fakeControl(method: string, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${stack.fakeAws.url}/__fake/${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  });
  if (!res.ok) throw new Error(`fake ${path}: ${res.status} ${await res.text()}`);
}

const setBucketCors = (rules: unknown) => fakeControl("PUT", `cors/${BUCKET}`, rules);

/** A plain link through the default integration, or a signed link minted as a backend would. */
async function link(mode: "plain" | "signed", key: string): Promise<string> {
  if (mode === "plain") return `${signpost}/v1/assets/default/${BUCKET}/${encodeKey(key)}`;
  return signAssetLink({ baseUrl: signpost, integration: signedId, bucket: BUCKET, key, ttlSeconds: 600, secret: LINK_SIGNING_KEY });
}

// Presigned URLs and link signatures stay out of test output.
const redact = (s: string) => s.replace(/\?[^\s'"]*/g, "?…");

/** Which of the three origins a host:port is, for readable logs. */
function who(host: string): string {
  if (signpost.endsWith(host)) return `signpost (${host})`;
  if (stack.fakeAws.url.endsWith(host)) return `bucket (${host})`;
  return host;
}

/**
 * A fresh browser context (no cached images, preflights or redirects) and a log of what it saw:
 * each response with its status and Access-Control-Allow-Origin, the Origin header each
 * request really carried (DevTools protocol, after redirects), each failed load with its
 * CORS error, and console errors.
 */
async function freshPage(lib: string | null): Promise<{ page: Page; seen: () => string; close: () => Promise<void> }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const lines: string[] = [];
  const urls = new Map<string, string>();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  cdp.on("Network.requestWillBeSent", (e) => urls.set(e.requestId, `${e.request.method} ${redact(e.request.url)}`));
  cdp.on("Network.requestWillBeSentExtraInfo", (e) => {
    const h = Object.fromEntries(Object.entries(e.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
    if (!h.host || h.host === new URL(pageServer.origin).host) return;
    lines.push(`request to ${who(h.host)} sent Origin: ${h.origin ?? "(none)"}${h.range ? `, Range: ${h.range}` : ""}`);
  });
  cdp.on("Network.loadingFailed", (e) => {
    const cors = e.corsErrorStatus
      ? ` — CORS error: ${e.corsErrorStatus.corsError}${e.corsErrorStatus.failedParameter ? ` (${e.corsErrorStatus.failedParameter})` : ""}`
      : "";
    lines.push(`${urls.get(e.requestId) ?? "request"} ✗ ${e.errorText}${e.blockedReason ? ` (blocked: ${e.blockedReason})` : ""}${cors}`);
  });
  page.on("response", (res) => {
    const r = res.request();
    if (r.url().startsWith(pageServer.origin)) return;
    lines.push(
      `${r.method()} ${redact(r.url())} → HTTP ${res.status()} (Access-Control-Allow-Origin: ${res.headers()["access-control-allow-origin"] ?? "none"})`,
    );
  });
  page.on("console", (m) => {
    if (m.type() === "error") lines.push(`console: ${redact(m.text())}`);
  });
  page.on("pageerror", (e) => lines.push(`pageerror: ${e.message}`));
  await page.goto(`${pageServer.origin}/${lib ? `?lib=${lib}` : ""}`);
  return { page, seen: () => lines.join("\n  "), close: () => context.close() };
}

interface Outcome {
  ok: boolean;
  detail: string;
  [k: string]: unknown;
}

/** Runs `cases.{name}(...args)` in a fresh page; the result and what the browser saw. */
async function inBrowser(name: string, ...args: unknown[]): Promise<{ r: Outcome; seen: string }> {
  const p = await freshPage(name === "hls" ? "hls" : name.startsWith("osd") ? "openseadragon" : null);
  try {
    const r = await p.page.evaluate<Outcome>(`window.cases.${name}(${args.map((a) => JSON.stringify(a)).join(", ")})`);
    return { r, seen: p.seen() };
  } finally {
    await p.close();
  }
}

const report = (what: string, o: { r: Outcome; seen: string }) => `${what}: ${o.r.detail}\n  what the browser saw:\n  ${o.seen || "(no requests)"}`;

beforeAll(async () => {
  dzi = deepZoom(600, 400, 256);
  [media, pageServer] = await Promise.all([video(), startPageServer()]);
  [stack, browser] = await Promise.all([startLocalStack({ extraVars: { CORS_ORIGINS: pageServer.origin, LINK_SIGNING_KEY } }), launchChromium()]);
  signpost = `http://127.0.0.1:${stack.port}`;

  const objects: Record<string, { base64: string; contentType: string }> = {
    "images/red.png": { base64: png(32, 32, () => RED).toString("base64"), contentType: "image/png" },
    "video/clip.mp4": { base64: media.mp4.toString("base64"), contentType: "video/mp4" },
    "deep/slide.dzi": { base64: Buffer.from(dzi.descriptor).toString("base64"), contentType: "application/xml" },
  };
  for (const [name, bytes] of media.hls)
    objects[`video/hls/${name}`] = { base64: bytes.toString("base64"), contentType: name.endsWith(".m3u8") ? "application/vnd.apple.mpegurl" : "video/mp4" };
  for (const [tile, bytes] of dzi.tiles) objects[`deep/slide_files/${tile}.png`] = { base64: bytes.toString("base64"), contentType: "image/png" };
  await fakeControl("POST", "principals", {
    ...READER,
    policy: {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Action: ["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"],
          Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`],
        },
      ],
    },
  });
  await fakeControl("POST", "buckets", { name: BUCKET, region: "us-east-1", objects });

  const keys = { provider: "aws_keys", accessKeyId: READER.accessKeyId, secretAccessKey: READER.secretAccessKey, region: "us-east-1", scopes: [BUCKET] };
  const plain = await admin("POST", "/admin/api/integrations", { name: "plain links", ...keys });
  plainId = plain.id;
  signedId = (await admin("POST", "/admin/api/integrations", { name: "signed links", ...keys, requireSignedLinks: true })).id;
  expect(plain.isDefault).toBe(true);
  // The bucket gets exactly what signpost generates for the owner to paste.
  generatedRules = plain.corsConfiguration;
  await setBucketCors(generatedRules);
}, 110_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await stack?.stop();
  await pageServer?.close();
});

describe.each(["plain", "signed"] as const)("through the redirect with %s links", (mode) => {
  it("<img>", async () => {
    const o = await inBrowser("img", await link(mode, "images/red.png"));
    expect(o.r.ok, report("<img>", o)).toBe(true);
  });

  it("<img crossorigin> + canvas getImageData", async () => {
    const o = await inBrowser("imgCanvas", await link(mode, "images/red.png"), 5, 5);
    expect(o.r.ok, report("getImageData", o)).toBe(true);
    expect(o.r.pixel).toEqual(RED);
  });

  it("fetch() bytes", async () => {
    const o = await inBrowser("fetchBytes", await link(mode, "video/clip.mp4"));
    expect(o.r.ok, report("fetch()", o)).toBe(true);
    expect(o.r.length).toBe(media.mp4.length);
    expect(o.r.head).toEqual(Array.from(media.mp4.subarray(0, 8)));
  });

  it("<video> seek (Range requests through the 302)", async () => {
    const o = await inBrowser("videoSeek", await link(mode, "video/clip.mp4"), 3);
    expect(o.r.ok, report("<video> seek", o)).toBe(true);
    expect(o.seen).toContain("HTTP 206");
  });

  it("hls.js: master and media playlists rewritten, every fragment loaded, no fatal error", async () => {
    const o = await inBrowser("hls", await link(mode, "video/hls/master.m3u8"));
    expect(o.r.ok, report("hls.js", o)).toBe(true);
    expect(o.r.fragments).toBe(media.segments);
  });

  it("OpenSeadragon on a DZI with several tiles", async () => {
    const o =
      mode === "plain"
        ? await inBrowser("osd", await link(mode, "deep/slide.dzi"))
        : await inBrowser(
            "osdSigned",
            await link(mode, "deep/slide.dzi"),
            Object.fromEntries(await Promise.all([...dzi.tiles.keys()].map(async (t) => [t, await link(mode, `deep/slide_files/${t}.png`)]))),
          );
    expect(o.r.ok, report("OpenSeadragon", o)).toBe(true);
    expect(o.r.tiles as number).toBeGreaterThanOrEqual(6);
  });
});

describe("the old rules (the page's origin only)", () => {
  it("fail in the browser (Origin: null after the redirect) and fail the cors check; the generated rules pass both", async () => {
    const pageOnly = {
      CORSRules: [
        {
          AllowedOrigins: [pageServer.origin],
          AllowedMethods: ["GET", "HEAD"],
          AllowedHeaders: ["*"],
          ExposeHeaders: ["ETag", "Content-Length", "Content-Type", "Content-Range", "Accept-Ranges"],
          MaxAgeSeconds: 3600,
        },
      ],
    };
    await setBucketCors(pageOnly);
    try {
      const canvas = await inBrowser("imgCanvas", await link("plain", "images/red.png"), 5, 5);
      expect(canvas.r.ok, report("getImageData should fail on the old rules", canvas)).toBe(false);
      expect(canvas.seen).toContain(`request to bucket (${new URL(stack.fakeAws.url).host}) sent Origin: null`);
      expect(canvas.seen).toContain("CORS error: MissingAllowOriginHeader");
      const fetched = await inBrowser("fetchBytes", await link("plain", "images/red.png"));
      expect(fetched.r.ok, report("fetch() should fail on the old rules", fetched)).toBe(false);
      expect(fetched.r.detail).toContain("Failed to fetch");
      // The page's own origin works directly on a presigned URL: the old rules were not wrong, just incomplete.
      const cors = (await admin("POST", `/admin/api/integrations/${plainId}/validate`, { sampleKey: "images/red.png" })).checks.find(
        (c: { name: string }) => c.name === "cors",
      );
      expect(cors.status).toBe("fail");
      expect(cors.message).toContain("from Origin: null answered");
      expect(cors.hint).toContain("put-bucket-cors");
    } finally {
      await setBucketCors(generatedRules);
    }
    const cors = (await admin("POST", `/admin/api/integrations/${plainId}/validate`, { sampleKey: "images/red.png" })).checks.find(
      (c: { name: string }) => c.name === "cors",
    );
    expect(cors.status, cors.message).toBe("pass");
  });
});
