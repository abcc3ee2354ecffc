"""Why a fetch failed, as a short stable reason for logs, stats and reports."""

from __future__ import annotations

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


def failure_reason(exc: BaseException) -> tuple[str, int | None]:
    """(reason, HTTP status or None) for an exception met while fetching."""
    if isinstance(exc, HttpError):
        status = exc.response.status
        return f"http {status}", status
    for kinds, reason in _NETWORK:
        if isinstance(exc, kinds):
            return reason, None
    if isinstance(exc, IgnoreRequest):
        text = str(exc)
        return ("robots.txt" if "robots.txt" in text else text or "ignored"), None
    return type(exc).__name__, None
