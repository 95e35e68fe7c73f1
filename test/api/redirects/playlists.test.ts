/** HLS playlists through /v1/assets and /v1/redirect: 200, every URI rewritten to a signpost URL of the same integration. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { linkSignature, signAssetLink } from "../../../clients/sign-link";
import { forgetPlaylists, MAX_PLAYLIST_BYTES } from "../../../worker/playlists/serve";
import type { IamPolicy } from "../../../scripts/fakes/aws";
import { BASE, createRoleIntegration, errorOf, follow, newWorld, testEnv, type World } from "../../support/harness";

const BUCKET = "media-bucket";
const ALL_S3: IamPolicy = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }] };

const MASTER = [
  "#EXTM3U",
  '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="English",DEFAULT=YES,URI="audio/en.m3u8"',
  '#EXT-X-STREAM-INF:BANDWIDTH=800000,AUDIO="aud"',
  "low/index.m3u8",
  '#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=100000,URI="low/iframes.m3u8"',
  "# a comment stays",
  "",
].join("\n");

const MEDIA = [
  "#EXTM3U",
  "#EXT-X-VERSION:7",
  "#EXT-X-TARGETDURATION:4",
  '#EXT-X-MAP:URI="../shared/init 1.mp4"',
  `#EXT-X-KEY:METHOD=AES-128,URI="https://${BUCKET}.s3.us-east-1.amazonaws.com/video/keys/k%2B1.bin",IV=0x00000000000000000000000000000001`,
  "#EXTINF:4.0,",
  "seg%20000.m4s",
  "#EXTINF:4.0,",
  `s3://${BUCKET}/video/low/seg 001.m4s`,
  "#EXTINF:4.0,",
  "https://cdn.example.net/elsewhere/seg002.m4s",
  "#EXTINF:4.0,",
  "/video/low/seg003.m4s?cache=1",
  "#EXT-X-ENDLIST",
  "",
].join("\n");

let w: World;
let id: string;

beforeEach(async () => {
  w = await newWorld();
  forgetPlaylists();
  w.fake.addBucket({
    name: BUCKET,
    region: "us-east-1",
    objects: {
      "video/master.m3u8": MASTER,
      "video/low/index.m3u8": MEDIA,
      "video/low/seg 000.m4s": "segment 0",
      "video/low/seg 001.m4s": "segment 1",
      "video/low/seg003.m4s": "segment 3",
      "video/shared/init 1.mp4": "init",
      "video/keys/k+1.bin": "key",
      "video/audio/en.m3u8": "#EXTM3U\n#EXTINF:4,\nen0.aac\n#EXT-X-ENDLIST\n",
      "video/low/iframes.m3u8": "#EXTM3U\n#EXT-X-ENDLIST\n",
      "video/outside.m3u8": "#EXTM3U\n#EXTINF:4,\n../private/seg.ts\n#EXT-X-ENDLIST\n",
      "video/live.m3u8": "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\nlow/seg%20000.m4s\n",
      "video/not-a-playlist.m3u8": "<html>nope</html>",
      "video/huge.m3u8": "#EXTM3U\n" + "#EXTINF:1,\nseg.ts\n".repeat(Math.ceil(MAX_PLAYLIST_BYTES / 17)),
      "private/seg.ts": "secret",
    },
  });
  ({ id } = await createRoleIntegration(w, { scopes: [`${BUCKET}/video/`], policy: ALL_S3 }));
});
afterEach(() => w.close());

const asset = (key: string) => `${BASE}/v1/assets/${id}/${BUCKET}/${key}`;
const getObjectCalls = (key: string) => w.fake.calls.filter((c) => c.action === "GetObject" && c.path.endsWith(key)).length;

describe("HLS playlists", () => {
  it("answers a master playlist 200 with variant, EXT-X-MEDIA and I-frame URIs rewritten", async () => {
    const res = await w.call(`/v1/assets/${id}/${BUCKET}/video/master.m3u8`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/vnd.apple.mpegurl");
    expect(res.headers.get("x-request-id")).toBeTruthy();
    expect(await res.text()).toBe(
      [
        "#EXTM3U",
        `#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="English",DEFAULT=YES,URI="${asset("video/audio/en.m3u8")}"`,
        '#EXT-X-STREAM-INF:BANDWIDTH=800000,AUDIO="aud"',
        asset("video/low/index.m3u8"),
        `#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=100000,URI="${asset("video/low/iframes.m3u8")}"`,
        "# a comment stays",
        "",
      ].join("\n"),
    );
  });

  it("rewrites segments, EXT-X-MAP and EXT-X-KEY (relative, root-relative, s3:// and https in the same bucket); leaves other hosts alone", async () => {
    const res = await w.call(`/v1/assets/${id}/${BUCKET}/video/low/index.m3u8`);
    expect(res.status).toBe(200);
    const lines = (await res.text()).split("\n");
    expect(lines).toContain(`#EXT-X-MAP:URI="${asset("video/shared/init%201.mp4")}"`);
    expect(lines).toContain(`#EXT-X-KEY:METHOD=AES-128,URI="${asset("video/keys/k%2B1.bin")}",IV=0x00000000000000000000000000000001`);
    expect(lines).toContain(asset("video/low/seg%20000.m4s"));
    expect(lines).toContain(asset("video/low/seg%20001.m4s"));
    expect(lines).toContain("https://cdn.example.net/elsewhere/seg002.m4s");
    expect(lines).toContain(asset("video/low/seg003.m4s"));
    expect(lines).toContain("#EXT-X-ENDLIST");
    // Every rewritten URI leads, through signpost's redirect, to the object it named.
    const expected: Record<string, string> = {
      "init%201.mp4": "init",
      "k%2B1.bin": "key",
      "seg%20000.m4s": "segment 0",
      "seg%20001.m4s": "segment 1",
      "seg003.m4s": "segment 3",
    };
    for (const [tail, bytes] of Object.entries(expected)) {
      const url = lines.map((l) => /URI="([^"]+)"/.exec(l)?.[1] ?? l).find((l) => l.startsWith(BASE) && l.endsWith(tail))!;
      expect(await (await follow(await w.call(url))).text(), url).toBe(bytes);
    }
  });

  it("works through /v1/redirect the same way, and for HEAD", async () => {
    const res = await w.call(`/v1/redirect?url=${encodeURIComponent(`s3://${BUCKET}/video/master.m3u8`)}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/vnd.apple.mpegurl");
    expect(await res.text()).toContain(asset("video/low/index.m3u8"));
    const head = await w.call(`/v1/assets/${id}/${BUCKET}/video/master.m3u8`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-type")).toBe("application/vnd.apple.mpegurl");
    expect(await head.text()).toBe("");
  });

  it("refuses a playlist that names a key outside the scopes with scope_not_allowed", async () => {
    const res = await w.call(`/v1/assets/${id}/${BUCKET}/video/outside.m3u8`);
    expect(res.status).toBe(403);
    const e = await errorOf(res);
    expect(e.code).toBe("scope_not_allowed");
    expect(e.message).toContain(`${BUCKET}/private/seg.ts`);
  });

  it("answers 502 upstream_error for a playlist over 2 MiB, for an object that is not a playlist, and for one storage refuses", async () => {
    const huge = await w.call(`/v1/assets/${id}/${BUCKET}/video/huge.m3u8`);
    expect(huge.status).toBe(502);
    expect((await errorOf(huge)).code).toBe("upstream_error");
    const html = await w.call(`/v1/assets/${id}/${BUCKET}/video/not-a-playlist.m3u8`);
    expect(html.status).toBe(502);
    expect((await errorOf(html)).message).toContain("#EXTM3U");
    const missing = await w.call(`/v1/assets/${id}/${BUCKET}/video/missing.m3u8`);
    // signpost's session policy has no s3:ListBucket, so S3 answers 403 for a missing key.
    expect(missing.status).toBe(502);
    expect((await errorOf(missing)).message).toContain(
      "HTTP 403 for the playlist media-bucket/video/missing.m3u8: it does not exist, or the integration may not read it",
    );
  });

  it("reads a finished playlist once per signing window; a live one every time", async () => {
    for (let i = 0; i < 3; i++) expect((await w.call(`/v1/assets/${id}/${BUCKET}/video/master.m3u8`)).status).toBe(200);
    expect(getObjectCalls("/video/master.m3u8")).toBe(1);
    const cached = await w.call(`/v1/assets/${id}/${BUCKET}/video/master.m3u8`);
    expect(Number(/^private, max-age=(\d+)$/.exec(cached.headers.get("cache-control")!)![1])).toBeLessThanOrEqual(60);
    for (let i = 0; i < 2; i++) {
      const live = await w.call(`/v1/assets/${id}/${BUCKET}/video/live.m3u8`);
      expect(live.headers.get("cache-control")).toBe("private, no-cache");
      expect(await live.text()).toContain(asset("video/low/seg%20000.m4s"));
    }
    expect(getObjectCalls("/video/live.m3u8")).toBe(2);
  });

  it("leaves other objects as 302s", async () => {
    expect((await w.call(`/v1/assets/${id}/${BUCKET}/video/low/seg003.m4s`)).status).toBe(302);
  });
});

describe("HLS playlists with signed links", () => {
  it("gives every rewritten URI the playlist link's exp and its own valid signature", async () => {
    const signed = await createRoleIntegration(w, { name: "signed", scopes: [`${BUCKET}/video/`], policy: ALL_S3, fields: { requireSignedLinks: true } });
    const link = await signAssetLink({
      baseUrl: BASE,
      integration: signed.id,
      bucket: BUCKET,
      key: "video/low/index.m3u8",
      ttlSeconds: 300,
      secret: testEnv.LINK_SIGNING_KEY!,
    });
    const exp = new URL(link).searchParams.get("exp")!;
    const res = await w.call(link);
    expect(res.status).toBe(200);
    const urls = (await res.text())
      .split("\n")
      .map((l) => /URI="([^"]+)"/.exec(l)?.[1] ?? l)
      .filter((l) => l.startsWith(BASE));
    expect(urls.length).toBe(5);
    for (const u of urls) {
      const url = new URL(u);
      expect(url.searchParams.get("exp")).toBe(exp);
      expect(url.searchParams.get("sig")).toBe(await linkSignature(testEnv.LINK_SIGNING_KEY!, url.pathname, Number(exp)));
      const hop = await w.call(u);
      expect(hop.status, u).toBe(302);
      const loc = new URL(hop.headers.get("location")!);
      const d = loc.searchParams.get("X-Amz-Date")!;
      const signedAt = Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8), +d.slice(9, 11), +d.slice(11, 13), +d.slice(13, 15));
      expect(signedAt + Number(loc.searchParams.get("X-Amz-Expires")) * 1000).toBeLessThanOrEqual(Number(exp) * 1000);
    }
    // The playlist itself still needs its signature, and a URI's signature covers only its own path.
    expect((await w.call(`/v1/assets/${signed.id}/${BUCKET}/video/low/index.m3u8`)).status).toBe(403);
    const other = new URL(urls[0]!);
    other.pathname = other.pathname.replace(/[^/]+$/, "seg003.m4s");
    expect((await errorOf(await w.call(other.href))).code).toBe("invalid_link_signature");
  });
});
