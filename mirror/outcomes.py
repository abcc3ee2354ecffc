"""Why a fetched page has no document: the words the page step, the stats
and the manifest share.  (A module of its own so that the crawl's process
can name them without loading the extraction code.)"""

BLOCKED, EMPTY, UNSAFE, WRITE_ERROR, BROKEN = "blocked", "empty", "unsafe id", "write error", "extraction error"
OTHER_RELEASE = "page names another release"
