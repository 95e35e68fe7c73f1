/**
 * The floor for `npm run bench`: a module Worker that does nothing but answer the constant
 * 302 signpost's warm redirect answers — a Location of the same shape and length (a path-style
 * presigned GET with a session token) and the same response headers (cache-control,
 * referrer-policy, x-request-id). Run by its own `wrangler dev` (bench/wrangler.bare.toml), in
 * the same runtime and with the same compatibility date as signpost, so that
 * signpost ÷ bare is the cost of signpost's own code.
 */
const TOKEN =
  "IQoJb3JpZ2luX2VjE%2BP%2F%2F%2F%2F%2F%2F%2F%2F%2F%2FwEaCXVzLWVhc3QtMSJ" +
  "Hn3x0c2lnbnBvc3QtYmVuY2gtYmFyZS13b3JrZXItc2Vzc2lvbi10b2tlbi1wYWRkaW5n".repeat(5) +
  "q7Qm%2FVb9Zt%2B1lX8sJp0Dw3uYc6Kf4Ra2Ne5Hi7Tg1Ly9Mo0Sb3Xd8Wv6Cn4Ej2Au5Gk7Pq%3D";

const LOCATION =
  "http://127.0.0.1:4599/demo-bucket/hello.txt" +
  "?X-Amz-Algorithm=AWS4-HMAC-SHA256" +
  "&X-Amz-Credential=ASIAQ7BENCHBAREWORKER%2F20261122%2Fus-east-1%2Fs3%2Faws4_request" +
  "&X-Amz-Date=20261122T104500Z" +
  "&X-Amz-Expires=960" +
  `&X-Amz-Security-Token=${TOKEN}` +
  "&X-Amz-SignedHeaders=host" +
  "&X-Amz-Signature=4b0d6a3f1c9e8b7a6d5c4b3a29180f7e6d5c4b3a2918f7e6d5c4b3a2918f7e6d";

export default {
  fetch(): Response {
    return new Response(null, {
      status: 302,
      headers: {
        location: LOCATION,
        "cache-control": "private, max-age=959",
        "referrer-policy": "no-referrer",
        "x-request-id": "req_bench0bare0302",
      },
    });
  },
} satisfies ExportedHandler;
