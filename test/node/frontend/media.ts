/// <reference types="node" />
/**
 * Media the browser suite loads through signpost, made at test time: PNG images and a
 * deep-zoom (DZI) pyramid encoded here, an MP4 and an HLS rendition (fMP4 segments with an
 * EXT-X-MAP, a master playlist) made with Debian's ffmpeg.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { deflateSync } from "node:zlib";

const run = promisify(execFile);

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

export type Rgba = [number, number, number, number];

/** An RGBA PNG whose pixel (x, y) is `color(x, y)`. */
export function png(width: number, height: number, color: (x: number, y: number) => Rgba): Buffer {
  const raw = Buffer.alloc(height * (1 + width * 4));
  for (let y = 0; y < height; y++) {
    const row = y * (1 + width * 4);
    for (let x = 0; x < width; x++) raw.set(color(x, y), row + 1 + x * 4);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", new Uint8Array()),
  ]);
}

export interface DeepZoom {
  /** The `.dzi` descriptor's XML. */
  descriptor: string;
  width: number;
  height: number;
  tileSize: number;
  /** "level/x_y" → PNG bytes, every tile of every level. */
  tiles: Map<string, Buffer>;
}

/** A DZI pyramid (overlap 0) of a width × height image, each tile a flat colour. */
export function deepZoom(width: number, height: number, tileSize: number): DeepZoom {
  const maxLevel = Math.ceil(Math.log2(Math.max(width, height)));
  const tiles = new Map<string, Buffer>();
  for (let level = 0; level <= maxLevel; level++) {
    const scale = 2 ** (level - maxLevel);
    const w = Math.ceil(width * scale);
    const h = Math.ceil(height * scale);
    for (let x = 0; x * tileSize < w; x++) {
      for (let y = 0; y * tileSize < h; y++) {
        const tw = Math.min(tileSize, w - x * tileSize);
        const th = Math.min(tileSize, h - y * tileSize);
        const shade: Rgba = [(level * 23) % 256, (x * 80) % 256, (y * 80) % 256, 255];
        tiles.set(
          `${level}/${x}_${y}`,
          png(tw, th, () => shade),
        );
      }
    }
  }
  const descriptor =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Image xmlns="http://schemas.microsoft.com/deepzoom/2008" Format="png" Overlap="0" TileSize="${tileSize}">` +
    `<Size Width="${width}" Height="${height}"/></Image>`;
  return { descriptor, width, height, tileSize, tiles };
}

export interface Video {
  mp4: Buffer;
  /** File name → bytes: master.m3u8, index.m3u8, init.mp4, seg*.m4s. */
  hls: Map<string, Buffer>;
  /** Number of media segments in index.m3u8. */
  segments: number;
}

/** A 4-second H.264 test pattern as a seekable MP4 and as HLS (1-second fMP4 segments). */
export async function video(): Promise<Video> {
  const dir = await mkdtemp(join(tmpdir(), "signpost-media-"));
  try {
    const source = [
      "-hide_banner",
      "-loglevel",
      "error",
      "-f",
      "lavfi",
      "-i",
      "testsrc=size=160x120:rate=10",
      "-t",
      "4",
      "-pix_fmt",
      "yuv420p",
      "-c:v",
      "libx264",
      "-profile:v",
      "baseline",
      "-g",
      "10",
    ];
    await run("ffmpeg", [...source, "-movflags", "+faststart", join(dir, "clip.mp4")], { timeout: 30_000 });
    const hlsDir = join(dir, "hls");
    await run("mkdir", [hlsDir]);
    await run(
      "ffmpeg",
      [
        ...source,
        "-f",
        "hls",
        "-hls_time",
        "1",
        "-hls_playlist_type",
        "vod",
        "-hls_segment_type",
        "fmp4",
        "-hls_fmp4_init_filename",
        "init.mp4",
        "-hls_segment_filename",
        join(hlsDir, "seg%03d.m4s"),
        join(hlsDir, "index.m3u8"),
      ],
      { timeout: 30_000 },
    );
    const hls = new Map<string, Buffer>();
    for (const name of await readdir(hlsDir)) hls.set(name, await readFile(join(hlsDir, name)));
    hls.set("master.m3u8", Buffer.from("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-STREAM-INF:BANDWIDTH=300000,RESOLUTION=160x120\nindex.m3u8\n"));
    const segments = (
      hls
        .get("index.m3u8")!
        .toString("utf8")
        .match(/^#EXTINF/gm) ?? []
    ).length;
    return { mp4: await readFile(join(dir, "clip.mp4")), hls, segments };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
