"""Tests of signpost_client.py: offline ones always, the rest against a running signpost.

`npm test` runs them against the local stack (test/node/clients.test.ts sets the SIGNPOST_*
variables below); by hand: `python3 -m unittest discover -s clients/python -v`.
"""

import json
import os
import time
import unittest
import urllib.request

import signpost_client as sp
from signpost_client import SignpostClient, encode_key, link_signature, sign_asset_link

ENV = os.environ
LIVE = "SIGNPOST_URL" in ENV
# Loopback only: no proxy from the environment gets in the way.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def fetch(url: str) -> bytes:
    with OPENER.open(url, timeout=10) as res:
        return res.read()


class OfflineTest(unittest.TestCase):
    def test_encode_key_matches_signpost_decoding(self):
        self.assertEqual(encode_key("a b+c/ü(1)*!'~.-_"), "a%20b%2Bc/%C3%BC%281%29%2A%21%27~.-_")

    def test_link_signature_is_the_spec_hmac(self):
        # hex(HMAC-SHA256("k", "GET\n/v1/assets/i/b/k\n1700000000")), computed with openssl.
        self.assertEqual(link_signature("k", "/v1/assets/i/b/k", 1700000000), "408c17128534c7057da1792e46ad4e22621c41043b43c775e1079dddbcdad2b3")
        self.assertRegex(link_signature("k", "/p", 1), r"^[0-9a-f]{64}$")

    def test_signed_link_shape(self):
        url = sign_asset_link("https://s.example/", "int_1", "bkt", "dir/a b.jpg", 600, "secret", now=1000)
        path = "/v1/assets/int_1/bkt/dir/a%20b.jpg"
        self.assertEqual(url, "https://s.example{}?exp=1600&sig={}".format(path, link_signature("secret", path, 1600)))

    def test_every_error_code_has_its_class(self):
        for code, cls in sp.ERRORS.items():
            err = sp.error_from(400, json.dumps({"error": {"code": code, "message": "m", "requestId": "req_1"}}).encode(), {})
            self.assertIsInstance(err, cls)
            self.assertEqual((err.code, err.request_id), (code, "req_1"))
        self.assertEqual(len(sp.ERRORS), 18)

    def test_repr_hides_the_token(self):
        self.assertNotIn("tok-secret", repr(SignpostClient("https://s.example", "tok-secret")))


@unittest.skipUnless(LIVE, "SIGNPOST_URL is not set: no signpost to test against")
class LiveTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.client = SignpostClient(ENV["SIGNPOST_URL"], ENV["SIGNPOST_API_TOKEN"], timeout=20, opener=OPENER)
        cls.integration = ENV["SIGNPOST_INTEGRATION"]
        cls.bucket = ENV["SIGNPOST_BUCKET"]
        cls.objects = json.loads(ENV["SIGNPOST_OBJECTS"])

    def test_batch_sign_with_a_per_url_error(self):
        keys = sorted(self.objects)[:3]
        results = self.client.sign(["s3://{}/{}".format(self.bucket, k) for k in keys] + ["ftp://nope"], integration=self.integration, ttl=300)
        self.assertEqual(len(results), len(keys) + 1)
        for key, r in zip(keys, results):
            self.assertIn("signedUrl", r, r)
            self.assertEqual(fetch(r["signedUrl"]).decode(), self.objects[key])
        self.assertEqual(results[-1]["error"]["code"], "invalid_url")

    def test_listing_iterates_over_every_page(self):
        first, cursor = self.client.list_page(self.integration, limit=2)
        self.assertEqual(len(first), 2)
        self.assertIsNotNone(cursor)
        listed = list(self.client.list_objects(self.integration, page_size=2))
        keys = [o["key"] for o in listed]
        self.assertEqual(sorted(k for k in keys if k in self.objects), sorted(self.objects))
        obj = next(o for o in listed if o["key"] in self.objects)
        self.assertEqual(fetch(obj["url"]).decode(), self.objects[obj["key"]])

    def test_upload_then_read_back(self):
        key = "{}py-{}.json".format(ENV["SIGNPOST_UPLOAD_PREFIX"], time.time_ns())
        body = json.dumps({"labels": ["cat"], "from": "python"}).encode()
        presigned = self.client.upload(self.integration, key, body, "application/json")
        self.assertEqual(presigned["method"], "PUT")
        signed = self.client.sign(["s3://{}/{}".format(self.bucket, key)], integration=self.integration)[0]
        self.assertEqual(fetch(signed["signedUrl"]), body)

    def test_signed_asset_links(self):
        integration, bucket, secret = ENV["SIGNPOST_SIGNED_INTEGRATION"], ENV["SIGNPOST_SIGNED_BUCKET"], ENV["SIGNPOST_LINK_SIGNING_KEY"]
        key = sorted(json.loads(ENV["SIGNPOST_SIGNED_OBJECTS"]))[0]
        link = sign_asset_link(ENV["SIGNPOST_URL"], integration, bucket, key, 600, secret)
        self.assertEqual(fetch(self.client.resolve(link)).decode(), json.loads(ENV["SIGNPOST_SIGNED_OBJECTS"])[key])
        with self.assertRaises(sp.InvalidLinkSignature) as wrong:
            self.client.resolve(sign_asset_link(ENV["SIGNPOST_URL"], integration, bucket, key, 600, secret + "x"))
        self.assertEqual(wrong.exception.status, 403)
        self.assertTrue(wrong.exception.request_id)
        with self.assertRaises(sp.LinkExpired):
            self.client.resolve(sign_asset_link(ENV["SIGNPOST_URL"], integration, bucket, key, 60, secret, now=int(time.time()) - 3600))

    def test_typed_errors_keep_the_request_id(self):
        with self.assertRaises(sp.Unauthorized) as bad_token:
            SignpostClient(ENV["SIGNPOST_URL"], "not-a-token", opener=OPENER).sign(["s3://{}/x".format(self.bucket)])
        self.assertEqual(bad_token.exception.status, 401)
        self.assertTrue(bad_token.exception.request_id.startswith("req_"), bad_token.exception.request_id)
        with self.assertRaises(sp.IntegrationNotFound):
            next(self.client.list_objects("int_does_not_exist"))
        with self.assertRaises(sp.InvalidRequest) as empty:
            self.client.sign([])
        self.assertIn("urls", empty.exception.message)
        with self.assertRaises(sp.ScopeNotAllowed) as outside:
            self.client.presign_upload(self.integration, "not-exports/x.json", "application/json")
        self.assertTrue(outside.exception.hint)
        with self.assertRaises(sp.InvalidKey):
            self.client.presign_upload(self.integration, "", "application/json")


if __name__ == "__main__":
    unittest.main()
