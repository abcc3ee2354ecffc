"""What the spider hands to the pipelines: the outcome of one release URL."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ReleaseItem:
    url: str                      # the real URL requested (the seed's)
    final_url: str                # the real URL answered, after redirects
    status: int                   # HTTP status of the final response
    body: bytes = field(default=b"", repr=False)  # the page as fetched, until it is stored
    encoding: str = ""            # the body's encoding, as Scrapy's response.encoding
    blocked: bool = False         # the bot wall answered instead
    failure: str = ""             # why nothing was fetched ("" when fetched): short, one of a few
    detail: str = ""              # the failure as the manifest says it, when it says more
    seed_path: str = ""           # the seed file that asked for `url`
    discovered: bool = False      # found on listings or feeds, not in seeds
    output_path: str = ""         # set by the writer: where the document lives
    outcome: str = ""             # set by the writer: written or unchanged
    sha1: str = ""                # set by the writer: digest of the document's bytes
    size: int = -1                # set by the writer: the document's length in bytes
    repaired: bool = False        # the document on disk was found damaged, and fetched in full
    etag: str = ""                # the page's validators, for the next run's
    last_modified: str = ""       # conditional request
    reason: str = ""              # set when a pipeline drops the item: why
    tried: tuple[str, ...] = ()   # the addresses asked for `url`, in order (the last one answered)
    browser: bool = False         # the answer came through the browser
