import { ApiError } from "./errors";
import type { IpAllowlist } from "./ip/allowlist";

/** Cloudflare sets CF-Connecting-IP in production; nothing else is trusted. */
export function clientIp(req: Request): string | null {
  return req.headers.get("cf-connecting-ip");
}

/** Fail closed: with a non-empty allowlist, a missing or unparsable client IP is refused. */
export function requireAllowedIp(list: IpAllowlist, ip: string | null, which: string): void {
  if (list.isEmpty || list.allows(ip)) return;
  throw new ApiError(
    "ip_not_allowed",
    ip ? `Client IP ${ip.slice(0, 64)} is not allowed by ${which}.` : `The client IP is unknown, and ${which} only allows listed addresses.`,
    `Ask the operator to add your address to ${which}.`,
  );
}
