"""What the spider hands the pipeline, and what the pipeline makes of it.

`Fetched` is the input: one release URL's answer, or why there is none.
`Stored` is the output: the manifest's record of the outcome the pipeline
decided, and what the next run must remember of the page.  The extensions
record the output as given; nothing works an outcome out again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mirror.review.manifest import Record

# Request meta: the WARC timestamp the recorder gave the response.
CAPTURED = "mirror_captured"
# Request meta, set on return from a browser fetch: the browser's cookies for the site.
BROWSER_COOKIES = "mirror_browser_cookies"


@dataclass
class Fetched:
    url: str                      # the URL asked for: the seed's (archive form), or a listed address
    final_url: str                # the real URL that answered, after redirects
    status: int                   # HTTP status of the final response (0: none)
    seed_path: str = ""           # the seed file that asked for `url`
    discovered: bool = False      # found on listings, feeds or the site index, not in seeds
    tried: tuple[str, ...] = ()   # the addresses asked for `url`, in order (the last one answered)
    browser: bool = False         # the answer came through the browser
    repaired: bool = False        # the document on disk was damaged: this fetch writes it again
    body: bytes = field(default=b"", repr=False)  # the page as fetched, until it is stored
    encoding: str = ""            # the body's encoding, as Scrapy's response.encoding
    etag: str = ""                # the page's validators, for the next run's conditional request
    last_modified: str = ""
    known: tuple[str, str] | None = None  # a 304: (output, sha1) of the document that stands for the page
    failure: str = ""             # why nothing was fetched: short, one of a few (a stat's name)
    detail: str = ""              # the failure as the manifest says it, when it says more
    walled: bool = False          # the wall answered and the run stopped before asking again
    captured: str = ""            # the WARC timestamp of the answer (14 digits, UTC), when recorded
    previous_capture: str = ""    # the same of the page's last capture in an earlier run

    @property
    def asked(self) -> str:
        """The address whose answer this is (before any redirect)."""
        return self.tried[-1] if self.tried else self.url

    def record(self, outcome, **fields) -> Record:
        """The manifest's record of this answer with `outcome`."""
        return Record(self.url, outcome, self.final_url, self.status, seed=self.seed_path,
                      discovered=self.discovered, tried=self.tried, browser=self.browser, repaired=self.repaired,
                      captured=self.captured, previous_capture=self.previous_capture, **fields)


@dataclass
class Stored:
    record: Record                # the outcome, as the manifest writes it
    etag: str = ""                # what the next run remembers of the page
    last_modified: str = ""
    size: int = -1                # the document's length in bytes (-1: none written)
