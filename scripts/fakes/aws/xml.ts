/** The XML answers of STS and S3: namespaces, escaping, success and error documents. */
import { base64, randomChars } from "./encoding";
import type { AwsError } from "./errors";

const STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/";
export const S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/";

export function escapeXml(s: string): string {
  const named: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };
  return s.replace(/[&<>"'\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, (c) => named[c] ?? `&#x${c.charCodeAt(0).toString(16).toUpperCase()};`);
}

export function stsOk(action: string, inner: string): Response {
  const body = `<${action}Response xmlns="${STS_NS}">\n  <${action}Result>\n    ${inner}\n  </${action}Result>\n  <ResponseMetadata>\n    <RequestId>${crypto.randomUUID()}</RequestId>\n  </ResponseMetadata>\n</${action}Response>\n`;
  return new Response(body, { status: 200, headers: { "content-type": "text/xml", "x-amzn-requestid": crypto.randomUUID() } });
}

export function stsError(e: AwsError): Response {
  const requestId = crypto.randomUUID();
  const body =
    `<ErrorResponse xmlns="${STS_NS}">\n  <Error>\n    <Type>${e.status >= 500 ? "Receiver" : "Sender"}</Type>\n` +
    `    <Code>${e.code}</Code>\n    <Message>${escapeXml(e.message)}</Message>\n  </Error>\n  <RequestId>${requestId}</RequestId>\n</ErrorResponse>\n`;
  return new Response(body, { status: e.status, headers: { "content-type": "text/xml", "x-amzn-requestid": requestId } });
}

export function s3Response(status: number, body: string | Uint8Array | null, headers: Record<string, string> = {}): Response {
  const h = new Headers(headers);
  h.set("x-amz-request-id", randomChars(16, "0123456789ABCDEF"));
  if (typeof body === "string" && !h.has("content-type")) h.set("content-type", "application/xml");
  return new Response(body, { status, headers: h });
}

export function s3Error(e: AwsError, head: boolean, extraHeaders: Record<string, string> = {}): Response {
  const requestId = randomChars(16, "0123456789ABCDEF");
  const extra = Object.entries(e.extra)
    .map(([k, v]) => `<${k}>${escapeXml(v)}</${k}>`)
    .join("");
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${e.code}</Code><Message>${escapeXml(e.message)}</Message>${extra}<RequestId>${requestId}</RequestId><HostId>${base64(crypto.getRandomValues(new Uint8Array(48)))}</HostId></Error>`;
  const headers = new Headers({ ...extraHeaders, ...e.headers, "x-amz-request-id": requestId });
  if (!head) headers.set("content-type", "application/xml");
  return new Response(head ? null : body, { status: e.status, headers });
}
