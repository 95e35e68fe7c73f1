/// <reference types="node" />
/**
 * The labeling frontend of the browser suite: a page server on its own 127.0.0.1 port (its own
 * origin), serving hls.js and OpenSeadragon from node_modules and `cases.js`, the client code
 * a labeling tool runs against signpost. Each case resolves to `{ ok, detail }` and never
 * rejects, so the test can report what the browser saw.
 */
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { ROOT } from "../../../scripts/wrangler-process";

const ASSETS: Record<string, string> = {
  "/hls.min.js": join(ROOT, "node_modules/hls.js/dist/hls.min.js"),
  "/openseadragon.min.js": join(ROOT, "node_modules/openseadragon/build/openseadragon/openseadragon.min.js"),
};

/** The page; `?lib=hls` or `?lib=openseadragon` adds that library (each case loads only what it uses). */
function index(lib: string | null): string {
  const script =
    lib && ASSETS[`/${lib === "hls" ? "hls" : "openseadragon"}.min.js`] ? `<script src="/${lib === "hls" ? "hls" : "openseadragon"}.min.js"></script>` : "";
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>labeling frontend</title>${script}<script src="/cases.js"></script></head>
<body><div id="osd" style="width:600px;height:400px"></div></body></html>`;
}

// Client code, as a labeling tool would write it.
const CASES = String.raw`
const TIMEOUT_MS = 20000;
function settle(run) {
  return new Promise((resolve) => {
    let done = false;
    const finish = (r) => { if (!done) { done = true; resolve(r); } };
    setTimeout(() => finish({ ok: false, detail: "timed out after " + TIMEOUT_MS + " ms" }), TIMEOUT_MS);
    try { run(finish); } catch (e) { finish({ ok: false, detail: "threw " + e.name + ": " + e.message }); }
  });
}
window.cases = {
  img(url) {
    return settle((finish) => {
      const img = new Image();
      img.onload = () => finish({ ok: img.naturalWidth > 0, detail: "loaded " + img.naturalWidth + "x" + img.naturalHeight });
      img.onerror = () => finish({ ok: false, detail: "<img> error event" });
      img.src = url;
    });
  },
  imgCanvas(url, x, y) {
    return settle((finish) => {
      const img = new Image();
      img.crossOrigin = "anonymous";
      img.onload = () => {
        const canvas = document.createElement("canvas");
        canvas.width = img.naturalWidth;
        canvas.height = img.naturalHeight;
        const ctx = canvas.getContext("2d");
        ctx.drawImage(img, 0, 0);
        try {
          finish({ ok: true, pixel: Array.from(ctx.getImageData(x, y, 1, 1).data), detail: "getImageData worked" });
        } catch (e) {
          finish({ ok: false, detail: "getImageData threw " + e.name + ": " + e.message });
        }
      };
      img.onerror = () => finish({ ok: false, detail: "<img crossorigin> error event (the browser refused the image)" });
      img.src = url;
    });
  },
  async fetchBytes(url) {
    try {
      const res = await fetch(url);
      const bytes = new Uint8Array(await res.arrayBuffer());
      return { ok: res.ok, status: res.status, length: bytes.length, head: Array.from(bytes.slice(0, 8)), detail: "HTTP " + res.status + ", " + bytes.length + " bytes" };
    } catch (e) {
      return { ok: false, detail: "fetch() threw " + e.name + ": " + e.message };
    }
  },
  videoSeek(url, to) {
    return settle((finish) => {
      const v = document.createElement("video");
      v.muted = true;
      v.preload = "auto";
      v.addEventListener("loadedmetadata", () => { v.currentTime = to; });
      v.addEventListener("seeked", () => finish({ ok: Math.abs(v.currentTime - to) < 0.5 && v.duration > to, currentTime: v.currentTime, duration: v.duration, detail: "seeked to " + v.currentTime + " of " + v.duration }));
      v.addEventListener("error", () => finish({ ok: false, detail: "<video> error " + (v.error && v.error.code) + ": " + (v.error && v.error.message) }));
      v.src = url;
      document.body.append(v);
    });
  },
  hls(url) {
    return settle((finish) => {
      if (!Hls.isSupported()) return finish({ ok: false, detail: "hls.js: MediaSource unsupported" });
      const v = document.createElement("video");
      v.muted = true;
      document.body.append(v);
      const hls = new Hls({ maxBufferLength: 60 });
      const loaded = new Set();
      const errors = [];
      let expected = null;
      const check = () => {
        if (expected !== null && loaded.size === expected) finish({ ok: errors.length === 0, fragments: loaded.size, errors, detail: loaded.size + " of " + expected + " fragments loaded" + (errors.length ? "; errors: " + errors.join(", ") : "") });
      };
      hls.on(Hls.Events.LEVEL_LOADED, (_, d) => { expected = d.details.fragments.length; check(); });
      hls.on(Hls.Events.FRAG_LOADED, (_, d) => { if (typeof d.frag.sn === "number") loaded.add(d.frag.sn); check(); });
      hls.on(Hls.Events.ERROR, (_, d) => {
        const what = d.type + "/" + d.details + (d.response ? " (HTTP " + d.response.code + ")" : "") + (d.url ? " " + d.url.split("?")[0] : "");
        errors.push(what);
        if (d.fatal) finish({ ok: false, fragments: loaded.size, errors, detail: "fatal hls.js error " + what + " after " + loaded.size + " fragments" });
      });
      hls.loadSource(url);
      hls.attachMedia(v);
    });
  },
  osd(tileSource) {
    return settle((finish) => {
      const failures = [];
      let loaded = 0;
      document.getElementById("osd").replaceChildren();
      const viewer = OpenSeadragon({ element: document.getElementById("osd"), tileSources: tileSource, crossOriginPolicy: "Anonymous", drawer: "canvas", showNavigationControl: false, animationTime: 0, immediateRender: true });
      viewer.addHandler("tile-loaded", () => { loaded++; });
      viewer.addHandler("tile-load-failed", (e) => failures.push("tile " + e.tile.level + "/" + e.tile.x + "_" + e.tile.y + ": " + e.message));
      viewer.addHandler("open-failed", (e) => finish({ ok: false, detail: "OpenSeadragon open-failed: " + e.message }));
      viewer.world.addHandler("add-item", (e) => {
        e.item.addHandler("fully-loaded-change", (ev) => {
          if (!ev.fullyLoaded) return;
          let readable = "yes";
          try { viewer.drawer.canvas.getContext("2d").getImageData(0, 0, 1, 1); } catch (err) { readable = "no (" + err.message + ")"; }
          finish({ ok: failures.length === 0 && readable === "yes", tiles: loaded, detail: loaded + " tiles loaded, canvas readable: " + readable + (failures.length ? "; failed: " + failures.join("; ") : "") });
        });
      });
    });
  },
  async osdSigned(descriptorUrl, tileUrls) {
    try {
      const res = await fetch(descriptorUrl);
      if (!res.ok) return { ok: false, detail: "descriptor HTTP " + res.status };
      const xml = new DOMParser().parseFromString(await res.text(), "application/xml");
      const image = xml.documentElement;
      const size = image.getElementsByTagName("Size")[0];
      return await window.cases.osd({
        width: Number(size.getAttribute("Width")),
        height: Number(size.getAttribute("Height")),
        tileSize: Number(image.getAttribute("TileSize")),
        tileOverlap: Number(image.getAttribute("Overlap")),
        getTileUrl: (level, x, y) => tileUrls[level + "/" + x + "_" + y],
      });
    } catch (e) {
      return { ok: false, detail: "descriptor fetch() threw " + e.name + ": " + e.message };
    }
  },
};
`;

export interface PageServer {
  origin: string;
  close(): Promise<void>;
}

export async function startPageServer(): Promise<PageServer> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://page.invalid");
    const path = url.pathname;
    const send = (status: number, type: string, body: string | Buffer) => {
      res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
      res.end(body);
    };
    if (path === "/") return send(200, "text/html; charset=utf-8", index(url.searchParams.get("lib")));
    if (path === "/cases.js") return send(200, "text/javascript", CASES);
    const file = ASSETS[path];
    if (!file) return send(404, "text/plain", "not found");
    readFile(file).then(
      (b) => send(200, "text/javascript", b),
      () => send(500, "text/plain", "unreadable"),
    );
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
