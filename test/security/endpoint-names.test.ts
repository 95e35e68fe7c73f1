/**
 * Endpoint names that are internal without any DNS lookup are refused: reserved suffixes,
 * names that always resolve to loopback, and wildcard-DNS names that spell a private or
 * metadata address (nip.io, sslip.io and the like). What DNS could still do is the
 * operator's to contain (README "Security model").
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isForbiddenEndpointHost } from "../../worker/http/ip/endpoint-policy";
import { errorOf, newWorld, type World } from "../support/harness";

const REFUSED = [
  "localhost",
  "api.localhost",
  "metadata.google.internal",
  "storage.corp.internal",
  "nas.local",
  "box.localdomain",
  "router.home.arpa",
  "localtest.me",
  "minio.localtest.me",
  "lvh.me",
  "x.lvh.me",
  "169.254.169.254.nip.io",
  "app.169.254.169.254.nip.io",
  "10.0.0.1.sslip.io",
  "minio.192.168.1.20.nip.io",
  "169-254-169-254.nip.io",
  "magic-127-0-0-1.sslip.io",
  "app-10-1-2-3.example.com",
  "0a000001.nip.io",
  "a9fea9fe.sslip.io",
  "--1.sslip.io",
  "fd00--1.sslip.io",
  "127.0.0.1.example.com",
];

const ACCEPTED = [
  "0123456789abcdef0123456789abcdef.r2.cloudflarestorage.com",
  "s3.us-east-1.amazonaws.com",
  "minio.example.net",
  "8.8.8.8.nip.io",
  "52-95-110-1.sslip.io",
  "s3.us-west-004.backblazeb2.com",
  "storage.googleapis.com",
  "deadbeef.example.com",
  "localhost.example.com",
  "local.example.com",
];

describe("endpoint names", () => {
  it.each(REFUSED)("refuses %j", (host) => {
    expect(isForbiddenEndpointHost(host)).toBe(true);
  });

  it.each(ACCEPTED)("accepts %j", (host) => {
    expect(isForbiddenEndpointHost(host)).toBe(false);
  });

  describe("through the admin API", () => {
    let w: World;
    beforeEach(async () => {
      w = await newWorld();
    });
    afterEach(() => w.close());

    it("refuses such endpoints with 400 invalid_request, on create and on PATCH", async () => {
      const base = { name: "e", provider: "aws_keys", accessKeyId: "AKIACOMPATUSER000001", secretAccessKey: "compat-secret-0123456789" };
      for (const host of ["169.254.169.254.nip.io", "metadata.google.internal", "minio.localtest.me", "10-0-0-1.sslip.io"]) {
        const res = await w.admin("POST", "/admin/api/integrations", { ...base, endpoint: `https://${host}` });
        expect(res.status, host).toBe(400);
        const err = await errorOf(res);
        expect(err.code).toBe("invalid_request");
        expect(err.message).toContain("endpoint");
      }
      const ok = await w.admin("POST", "/admin/api/integrations", { ...base, endpoint: "https://minio.example.net" });
      expect(ok.status).toBe(201);
      const { id } = (await ok.json()) as { id: string };
      const patched = await w.admin("PATCH", `/admin/api/integrations/${id}`, { endpoint: "https://169-254-169-254.nip.io" });
      expect(patched.status).toBe(400);
    });
  });
});
