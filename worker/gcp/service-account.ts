/**
 * signpost's own Google identity: the JSON key file of its service account, stored in the
 * secret GCP_SERVICE_ACCOUNT_KEY (the file as is, or its base64). Every problem is reported
 * by naming the field that is wrong; no message ever quotes the secret's content.
 */
import { ApiError } from "../lib/errors";
import { base64Decode } from "../lib/bytes";
import { pemToDer } from "./jwt";

export const GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token";

export interface ServiceAccountKey {
  clientEmail: string;
  privateKeyId: string;
  /** PKCS#8 DER of `private_key`. */
  privateKeyDer: Uint8Array;
  /** OAuth token endpoint the JWT is sent to (and its `aud`). */
  tokenUri: string;
  projectId: string | null;
}

const SECRET = "GCP_SERVICE_ACCOUNT_KEY";
const HINT = `Create a JSON key for signpost's Google service account (IAM & Admin → Service accounts → Keys → Add key → JSON) and store the whole file with \`wrangler secret put ${SECRET}\`.`;
const EMAIL = /^[^\s@/]+@[^\s@/]+\.[^\s@/]+$/;

function invalid(what: string): ApiError {
  return new ApiError("internal_error", `signpost is misconfigured: ${SECRET} ${what}.`, HINT);
}

function decodeJson(raw: string): unknown {
  const text = raw.trim();
  try {
    return JSON.parse(text.startsWith("{") ? text : new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(base64Decode(text)));
  } catch {
    // The parser's own message can quote the input, i.e. the private key: never pass it on.
    return undefined;
  }
}

function stringField(obj: Record<string, unknown>, name: string): string | null {
  const v = obj[name];
  return typeof v === "string" && v.length > 0 ? v : null;
}

/** Parses and validates the key file; throws `internal_error` naming what is wrong. */
export function parseServiceAccountKey(raw: string | undefined): ServiceAccountKey {
  if (!raw || !raw.trim()) throw invalid("is not set");
  const obj = decodeJson(raw);
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) throw invalid("is not a JSON key file (nor the base64 of one)");
  const f = obj as Record<string, unknown>;

  const type = stringField(f, "type");
  if (type !== "service_account") {
    const shown = type && /^[a-z_]{1,40}$/.test(type) ? `"${type}"` : "missing";
    throw invalid(`has "type" ${shown}; a service account key ("type": "service_account") is required`);
  }
  const clientEmail = stringField(f, "client_email");
  if (!clientEmail || !EMAIL.test(clientEmail)) throw invalid(`has no valid "client_email"`);
  const privateKeyId = stringField(f, "private_key_id");
  if (!privateKeyId) throw invalid(`has no "private_key_id"`);

  const pem = stringField(f, "private_key");
  if (!pem) throw invalid(`has no "private_key"`);
  if (pem.includes("-----BEGIN RSA PRIVATE KEY-----")) {
    throw invalid(`has a PKCS#1 "private_key" (BEGIN RSA PRIVATE KEY); Google key files carry PKCS#8 (BEGIN PRIVATE KEY)`);
  }
  if (pem.includes("-----BEGIN ENCRYPTED PRIVATE KEY-----")) throw invalid(`has an encrypted "private_key"; an unencrypted PKCS#8 key is required`);
  const privateKeyDer = pemToDer(pem, "PRIVATE KEY");
  if (!privateKeyDer) throw invalid(`has a "private_key" that is not a PEM "BEGIN PRIVATE KEY" block`);

  let tokenUri = GOOGLE_TOKEN_URI;
  const t = f.token_uri;
  if (t !== undefined) {
    let u: URL | null = null;
    try {
      u = typeof t === "string" ? new URL(t) : null;
    } catch {
      u = null;
    }
    if (!u || u.protocol !== "https:" || u.username || u.password) throw invalid(`has a "token_uri" that is not an https URL`);
    tokenUri = u.href;
  }
  return { clientEmail, privateKeyId, privateKeyDer, tokenUri, projectId: stringField(f, "project_id") };
}
