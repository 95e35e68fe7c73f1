/**
 * HLS playlist text: where its URIs are, and the same playlist with each one replaced.
 * URIs are the non-tag lines (segments, variant playlists) and the `URI="..."` attribute of
 * any tag (EXT-X-MAP, EXT-X-KEY, EXT-X-MEDIA, EXT-X-I-FRAME-STREAM-INF, EXT-X-SESSION-KEY,
 * EXT-X-PART, EXT-X-PRELOAD-HINT, ...). Comments and blank lines are kept as they are.
 */

export const HLS_CONTENT_TYPE = "application/vnd.apple.mpegurl";

const URI_ATTRIBUTE = /([:,]\s*URI=)"([^"]*)"/g;

export function isHlsPlaylistKey(key: string): boolean {
  return /\.m3u8$/i.test(key);
}

export function looksLikeHlsPlaylist(text: string): boolean {
  return /^\uFEFF?#EXTM3U\b/.test(text.trimStart());
}

/** A playlist that may still grow (live or event without an end): it must not be cached. */
export function isGrowingPlaylist(text: string): boolean {
  return /#EXTINF/.test(text) && !/^#EXT-X-ENDLIST\b/m.test(text);
}

/** Every URI the playlist names, in order, each once. */
export function playlistUris(text: string): string[] {
  const uris = new Set<string>();
  for (const line of text.split(/\r?\n/)) {
    const t = line.trim();
    if (t === "") continue;
    if (t.startsWith("#")) {
      if (t.startsWith("#EXT")) for (const m of t.matchAll(URI_ATTRIBUTE)) uris.add(m[2]!);
    } else uris.add(t);
  }
  return [...uris];
}

/** The playlist with every URI replaced by `replace(uri)`; `null` keeps that URI unchanged. */
export function rewritePlaylist(text: string, replace: (uri: string) => string | null): string {
  return text
    .split(/\r?\n/)
    .map((line) => {
      const t = line.trim();
      if (t === "") return line;
      if (t.startsWith("#")) {
        if (!t.startsWith("#EXT")) return line;
        return line.replace(URI_ATTRIBUTE, (whole, head: string, uri: string) => {
          const r = replace(uri);
          return r === null ? whole : `${head}"${r}"`;
        });
      }
      return replace(t) ?? line;
    })
    .join("\n");
}
