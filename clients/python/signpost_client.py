"""A client for signpost's server-side APIs, for labeling backends in Python.

Standard library only (Python >= 3.9): copy this file into your backend.

    from signpost_client import SignpostClient, sign_asset_link

    client = SignpostClient("https://signpost.example.com", api_token=os.environ["SIGNPOST_API_TOKEN"])
    results = client.sign(["s3://acme-media/images/cat.jpg"], ttl=600)      # batch signing
    for obj in client.list_objects(integration_id, prefix="images/"):       # every page
        print(obj["key"], obj["url"])
    client.upload(integration_id, "exports/run-1.json", b"{}", "application/json")

    url = sign_asset_link("https://signpost.example.com", integration_id, "acme-media",
                          "images/cat 1.jpg", ttl_seconds=600, secret=os.environ["LINK_SIGNING_KEY"])

Errors from signpost raise a subclass of SignpostError named after the code
(``IntegrationNotFound`` for ``integration_not_found``...), with ``code``, ``message``,
``hint``, ``status`` and ``request_id`` (the tracking id to quote).
"""

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Dict, Iterator, List, Optional, Tuple, Type

__all__ = [
    "SignpostClient",
    "SignpostError",
    "StorageError",
    "encode_key",
    "link_signature",
    "sign_asset_link",
]

_KEY_SAFE = "-._~/"


def encode_key(key: str) -> str:
    """The key as it appears in a /v1/assets path: UTF-8, every byte outside A-Z a-z 0-9 - . _ ~ and / percent-encoded."""
    return urllib.parse.quote(key, safe=_KEY_SAFE)


def link_signature(secret: str, path: str, exp: int) -> str:
    """hex(HMAC-SHA256(secret, "GET\\n" + path + "\\n" + exp)), path exactly as sent (percent-encoded)."""
    message = "GET\n{}\n{}".format(path, exp).encode("utf-8")
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign_asset_link(
    base_url: str,
    integration: str,
    bucket: str,
    key: str,
    ttl_seconds: int,
    secret: str,
    now: Optional[int] = None,
) -> str:
    """A signed /v1/assets link, usable for ttl_seconds; the presigned URL it leads to never outlives it."""
    exp = int(time.time() if now is None else now) + int(ttl_seconds)
    path = "/v1/assets/{}/{}/{}".format(urllib.parse.quote(integration, safe="-._~"), bucket, encode_key(key))
    return "{}{}?exp={}&sig={}".format(base_url.rstrip("/"), path, exp, link_signature(secret, path, exp))


class SignpostError(Exception):
    """An error answer from signpost: {"error": {"code", "message", "hint"?, "requestId"}}."""

    code = "error"

    def __init__(self, status: int, code: str, message: str, hint: Optional[str] = None, request_id: Optional[str] = None, retry_after: Optional[int] = None):
        super().__init__("{} ({}): {}{}".format(code, status, message, " [requestId {}]".format(request_id) if request_id else ""))
        self.status = status
        self.code = code
        self.message = message
        self.hint = hint
        self.request_id = request_id
        self.retry_after = retry_after


class StorageError(Exception):
    """The bucket refused a presigned request (e.g. the PUT of an upload)."""

    def __init__(self, status: int, body: str):
        super().__init__("the storage service answered HTTP {}: {}".format(status, body[:300]))
        self.status = status
        self.body = body


# One exception class per error code of signpost (SPEC "Errors"); retry_after is set on 429 and 503.
class InvalidRequest(SignpostError):
    """400 `invalid_request`."""

    code = "invalid_request"


class InvalidUrl(SignpostError):
    """400 `invalid_url`."""

    code = "invalid_url"


class InvalidKey(SignpostError):
    """400 `invalid_key`."""

    code = "invalid_key"


class UnsupportedHost(SignpostError):
    """400 `unsupported_host`."""

    code = "unsupported_host"


class Unauthorized(SignpostError):
    """401 `unauthorized`."""

    code = "unauthorized"


class IpNotAllowed(SignpostError):
    """403 `ip_not_allowed`."""

    code = "ip_not_allowed"


class ScopeNotAllowed(SignpostError):
    """403 `scope_not_allowed`."""

    code = "scope_not_allowed"


class InvalidLinkSignature(SignpostError):
    """403 `invalid_link_signature`."""

    code = "invalid_link_signature"


class LinkExpired(SignpostError):
    """403 `link_expired`."""

    code = "link_expired"


class IntegrationNotFound(SignpostError):
    """404 `integration_not_found`."""

    code = "integration_not_found"


class NoDefaultIntegration(SignpostError):
    """404 `no_default_integration`."""

    code = "no_default_integration"


class NotFound(SignpostError):
    """404 `not_found`."""

    code = "not_found"


class InviteNotFound(SignpostError):
    """404 `invite_not_found`."""

    code = "invite_not_found"


class RateLimited(SignpostError):
    """429 `rate_limited`."""

    code = "rate_limited"


class RoleCannotBeAssumed(SignpostError):
    """502 `role_cannot_be_assumed`."""

    code = "role_cannot_be_assumed"


class UpstreamError(SignpostError):
    """502 `upstream_error`."""

    code = "upstream_error"


class StsUnavailable(SignpostError):
    """503 `sts_unavailable`."""

    code = "sts_unavailable"


class InternalError(SignpostError):
    """500 `internal_error`."""

    code = "internal_error"


ERRORS: Dict[str, Type[SignpostError]] = {cls.code: cls for cls in (
    InvalidRequest,
    InvalidUrl,
    InvalidKey,
    UnsupportedHost,
    Unauthorized,
    IpNotAllowed,
    ScopeNotAllowed,
    InvalidLinkSignature,
    LinkExpired,
    IntegrationNotFound,
    NoDefaultIntegration,
    NotFound,
    InviteNotFound,
    RateLimited,
    RoleCannotBeAssumed,
    UpstreamError,
    StsUnavailable,
    InternalError,
)}
__all__ += [cls.__name__ for cls in ERRORS.values()]


def error_from(status: int, body: bytes, headers: Any) -> SignpostError:
    """The typed exception for an error response (unknown codes become SignpostError)."""
    try:
        err = json.loads(body.decode("utf-8"))["error"]
        code, message = str(err["code"]), str(err["message"])
        hint, request_id = err.get("hint"), err.get("requestId")
    except (ValueError, KeyError, TypeError):
        code, message, hint = "unexpected_response", body[:300].decode("utf-8", "replace") or "HTTP {}".format(status), None
        request_id = headers.get("x-request-id") if headers is not None else None
    retry = headers.get("retry-after") if headers is not None else None
    cls = ERRORS.get(code, SignpostError)
    return cls(status, code, message, hint, request_id, int(retry) if retry and retry.isdigit() else None)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: D401 - urllib's signature
        return None


class SignpostClient:
    """signpost's /v1 APIs with an API token (created on the admin page or POST /admin/api/tokens)."""

    def __init__(self, base_url: str, api_token: str, timeout: float = 30.0, opener: Optional[urllib.request.OpenerDirector] = None):
        self.base_url = base_url.rstrip("/")
        self._token = api_token
        self.timeout = timeout
        self._opener = opener or urllib.request.build_opener()

    def __repr__(self) -> str:  # never shows the token
        return "SignpostClient({!r})".format(self.base_url)

    def _request(self, method: str, path: str, body: Optional[Dict[str, Any]] = None, query: Optional[Dict[str, Any]] = None) -> Any:
        url = self.base_url + path
        if query:
            url += "?" + urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})
        data = None if body is None else json.dumps(body).encode("utf-8")
        req = urllib.request.Request(url, data=data, method=method)
        req.add_header("Authorization", "Bearer " + self._token)
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with self._opener.open(req, timeout=self.timeout) as res:
                return json.loads(res.read().decode("utf-8"))
        except urllib.error.HTTPError as e:
            raise error_from(e.code, e.read(), e.headers) from None

    def sign(self, urls: List[str], integration: Optional[str] = None, ttl: Optional[int] = None) -> List[Dict[str, Any]]:
        """POST /v1/sign (up to 1000 URLs): one result per URL, in order, with ``signedUrl`` or ``error``."""
        body: Dict[str, Any] = {"urls": list(urls)}
        if integration is not None:
            body["integration"] = integration
        if ttl is not None:
            body["ttl"] = ttl
        return self._request("POST", "/v1/sign", body)["results"]

    def list_page(self, integration: str, prefix: str = "", cursor: Optional[str] = None, limit: Optional[int] = None) -> Tuple[List[Dict[str, Any]], Optional[str]]:
        """One page of GET /v1/integrations/{id}/objects: (objects, cursor); cursor is None on the last page."""
        page = self._request(
            "GET",
            "/v1/integrations/{}/objects".format(urllib.parse.quote(integration, safe="")),
            query={"prefix": prefix or None, "cursor": cursor, "limit": limit},
        )
        return page["objects"], page["cursor"]

    def list_objects(self, integration: str, prefix: str = "", page_size: Optional[int] = None) -> Iterator[Dict[str, Any]]:
        """Every object under the prefix, page after page: {key, size, lastModified, etag, url}."""
        cursor: Optional[str] = None
        while True:
            objects, cursor = self.list_page(integration, prefix, cursor, page_size)
            for obj in objects:
                yield obj
            if not cursor:
                return

    def presign_upload(self, integration: str, key: str, content_type: str) -> Dict[str, Any]:
        """POST /v1/uploads: {url, method: "PUT", headers, expiresAt} for a key under the integration's writeScopes."""
        return self._request("POST", "/v1/uploads", {"integration": integration, "key": key, "contentType": content_type})

    def upload(self, integration: str, key: str, data: bytes, content_type: str) -> Dict[str, Any]:
        """Presigns the upload and PUTs the bytes to the bucket; returns the presigned upload."""
        presigned = self.presign_upload(integration, key, content_type)
        req = urllib.request.Request(presigned["url"], data=data, method=presigned["method"])
        for name, value in presigned["headers"].items():
            req.add_header(name, value)
        try:
            with self._opener.open(req, timeout=self.timeout) as res:
                res.read()
        except urllib.error.HTTPError as e:
            raise StorageError(e.code, e.read().decode("utf-8", "replace")) from None
        return presigned

    def resolve(self, asset_url: str) -> str:
        """Where a signpost asset link redirects (the presigned URL), without following it."""
        opener = urllib.request.build_opener(_NoRedirect, *[h for h in self._opener.handlers if isinstance(h, urllib.request.ProxyHandler)])
        try:
            with opener.open(urllib.request.Request(asset_url, method="GET"), timeout=self.timeout) as res:
                raise SignpostError(res.status, "unexpected_response", "expected a redirect, got HTTP {}".format(res.status))
        except urllib.error.HTTPError as e:
            if e.code in (301, 302, 303, 307, 308):
                return e.headers["Location"]
            raise error_from(e.code, e.read(), e.headers) from None
