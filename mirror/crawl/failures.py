"""Why a fetch failed, as a short stable reason for logs, stats and reports."""

from __future__ import annotations

import re

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as net
from twisted.internet.defer import TimeoutError as DeferredTimeout
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

# Requests still queued when a run stops at the bot wall fail with this.
STOPPED = "not sent: the site is refusing the crawler"

# Scrapy wraps most Twisted errors in its own; both are listed so the
# reasons stay the same whichever layer raised.
_NETWORK = (
    ((CannotResolveHostError, net.DNSLookupError), "dns"),
    ((DownloadConnectionRefusedError, net.ConnectionRefusedError), "refused"),
    ((DownloadTimeoutError, net.TimeoutError, net.TCPTimedOutError, DeferredTimeout), "timeout"),
    ((DownloadFailedError, ResponseDataLossError, net.ConnectionLost, net.ConnectionDone,
      ResponseNeverReceived, ResponseFailed), "connection lost"),
    ((DownloadCancelledError,), "cancelled"),
    (net.ConnectError, "connect error"),
)


TOO_LARGE = "page too large"
OFF_SITE = "redirected off the site"
_LIMIT = re.compile(r"max size \((\d+)\)|DOWNLOAD_MAXSIZE \((\d+) B\)")


class LeftTheSite(IgnoreRequest):
    """A redirect to another host: not followed (docs/site.md: only the
    site's own host is mirrored, and MIRROR_ORIGIN maps only that one)."""

    def __init__(self, host: str):
        super().__init__(f"{OFF_SITE} to {host}")
        self.host = host


def _too_large(exc: BaseException) -> bool:
    text = str(exc)
    return (isinstance(exc, DownloadCancelledError) and "max size" in text) or (
        isinstance(exc, IgnoreRequest) and "DOWNLOAD_MAXSIZE" in text)


def failure_reason(exc: BaseException) -> tuple[str, int | None]:
    """(reason, HTTP status or None) for an exception met while fetching:
    the reason is short and one of a fixed few (it names a stat); what
    varies goes into `failure_detail`."""
    if isinstance(exc, HttpError):
        status = exc.response.status
        return f"http {status}", status
    if _too_large(exc):
        return TOO_LARGE, None
    if isinstance(exc, LeftTheSite):
        return OFF_SITE, None
    for kinds, reason in _NETWORK:
        if isinstance(exc, kinds):
            return reason, None
    if isinstance(exc, IgnoreRequest):
        text = str(exc)
        if "robots.txt" in text:
            return "robots.txt", None
        return (text if text == STOPPED else "ignored"), None
    return type(exc).__name__, None


def failure_detail(exc: BaseException) -> str:
    """What the manifest and the report say of a failure: the reason, with
    what it leaves out where that matters (the size limit, the host)."""
    if _too_large(exc):
        found = _LIMIT.search(str(exc))
        limit = next((g for g in found.groups() if g), None) if found else None
        return f"page larger than {limit} bytes" if limit else TOO_LARGE
    if isinstance(exc, LeftTheSite):
        return str(exc)
    return failure_reason(exc)[0]
