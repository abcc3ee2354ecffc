"""Scrapy settings for beehive mirror.  Defaults are polite to the real
site; tests and benchmarks lift them with -s."""

BOT_NAME = "beehive-mirror"
SPIDER_MODULES = ["mirror.crawl.spiders"]
NEWSPIDER_MODULE = "mirror.crawl.spiders"
COMMANDS_MODULE = "mirror.crawl.commands"

# Where seeds are read from and documents written to.
SEEDS_DIR = "seeds"
OUTPUT_DIR = "output"
# Fetch from this origin instead of https://www.beehive.govt.nz (a local
# replica); documents, logs and stats still name the real site.
MIRROR_ORIGIN = None
# The run's id (default: made when the crawl starts; `mirror run` sets it
# to resume a run into the same manifest and report).
RUN_ID = None

# Politeness: one request at a time, about one a second, slower when the
# site slows down.
ROBOTSTXT_OBEY = True
USER_AGENT = "beehive-mirror/0.1 (+https://github.com/beehive-mirror/beehive-mirror)"
AUTOTHROTTLE_ENABLED = True
DOWNLOAD_DELAY = 1
CONCURRENT_REQUESTS_PER_DOMAIN = 1
# At most one request queued behind the one in flight: when the run must
# stop (the bot wall), little is left that would still be sent.
CONCURRENT_REQUESTS = 2
DOWNLOAD_TIMEOUT = 30
# A release page is about 330 kB, the largest seen well under 2 MB: a page
# past 4 MiB (on the wire or unpacked) is not a release and fails as "page
# too large", instead of Scrapy's 1 GiB, which a gzip bomb turns into
# gigabytes of memory.
DOWNLOAD_MAXSIZE = 4 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024

# Each release page yields one item: Scrapy's default of 100 starts 100
# asyncio workers per response to process that one item in "parallel".
CONCURRENT_ITEMS = 1

DOWNLOAD_HANDLERS = {
    "http": "mirror.crawl.handlers.ReplicaDownloadHandler",
    # The site is https: only there can a request go through the browser
    # (one handler, one browser driver).
    "https": "mirror.crawl.browser.BrowserDownloadHandler",
}
ITEM_PIPELINES = {
    "mirror.crawl.pipelines.StorePipeline": 200,
}
# Worker processes that extract and write pages (0: in the crawl's process).
# One keeps extraction and the documents' writes (which can stall on the
# disk) out of the event loop; more pay only when pages come faster than one
# worker stores them (a local replica, not the polite site).
EXTRACT_PROCESSES = 1
# The spider follows no links (it asks for known URLs), so the middlewares
# that police link-following only cost time on every item.  (RefererMiddleware
# stays: without it Scrapy's redirect middlewares warn at every start.)
SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
}
DOWNLOADER_MIDDLEWARES = {
    # after decompression (590) on the way back, so the wall's page is readable
    "mirror.crawl.middlewares.BotWallMiddleware": 560,
    "mirror.crawl.middlewares.ConditionalRequestsMiddleware": 570,
    # before the redirect middleware (600) on the way back: off-site redirects are refused
    "mirror.crawl.middlewares.OffSiteRedirectMiddleware": 610,
    # Scrapy's meta refresh, without decoding the whole page to read its head
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "mirror.crawl.middlewares.HeadMetaRefreshMiddleware": 580,
    # Scrapy's cookie middleware, taking the cookies the browser earned too
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware": None,
    "mirror.crawl.browser.BrowserCookiesMiddleware": 700,
}
EXTENSIONS = {
    # the run's id, its state database and its verdict: first, for the others
    "mirror.crawl.context.RunContext": 400,
    "mirror.crawl.extensions.RunManifest": 500,
    "mirror.crawl.extensions.RevisitState": 505,
    "mirror.crawl.extensions.RunReport": 510,
    "mirror.warc.recorder.WarcRecorder": 520,
    # each failure once, in one line with its cause (crawl/logs.py)
    "mirror.crawl.logs.OneLineLog": 100,
    # a progress line every PROGRESS_INTERVAL seconds, and state/progress.json
    "mirror.crawl.progress.Progress": 530,
    # `kill -USR2 <pid>` (or -QUIT) logs the engine's state and each thread's
    # stack, and the crawl goes on: for a scheduled run that seems stuck
    "scrapy.extensions.debug.StackTraceDump": 540,
}
# Seconds between two progress lines of a crawl (0: none).
PROGRESS_INTERVAL = 60.0
# Each request's failure is logged by its errback, in one line: Scrapy's own
# "Gave up retrying" only at DEBUG (crawl/logs.py).
RETRY_GIVE_UP_LOG_LEVEL = "DEBUG"
# Conditional requests (If-None-Match / If-Modified-Since) from the state kept
# under STATE_DIR (default OUTPUT_DIR/state) between runs.
CONDITIONAL_REQUESTS = True
STATE_DIR = None
# With -a budget=N, every seed is checked at least every REVISIT_DAYS days.
REVISIT_DAYS = 30
# The bot wall pauses the whole crawl for BOTWALL_BACKOFF seconds, doubling
# each time a pause ends in the wall again; after BOTWALL_RETRIES such pauses
# the run stops.  A walled request is asked again at most BOTWALL_RETRIES
# times.  And when more than BOTWALL_MAX_SHARE of at least
# BOTWALL_MIN_ANSWERS release pages end walled, the run stops too.
BOTWALL_RETRIES = 2
BOTWALL_BACKOFF = 30.0
# A real browser past the wall: auto (when the wall answers), never, always.
# BROWSER_EXECUTABLE: Chromium's path (default: chromium found on PATH).
# BROWSER_PASS_TIMEOUT: how long a page may take to get past a challenge;
# BROWSER_FETCH_TIMEOUT: a whole browser fetch (0: twice DOWNLOAD_TIMEOUT
# and the pass timeout).
BROWSER_FETCH = "auto"
BROWSER_EXECUTABLE = None
BROWSER_PASS_TIMEOUT = 10.0
BROWSER_FETCH_TIMEOUT = 0
BOTWALL_MIN_ANSWERS = 10
BOTWALL_MAX_SHARE = 0.5

# Diff the fetched documents against the seeds and write the reports when
# the crawl ends (output/reports/<run-id>/).
MIRROR_DIFF_ENABLED = True

# Every response received, with its request, in output/warc/<run-id>-NNNNN.warc.gz
WARC_ENABLED = True
WARC_MAX_SIZE = 1_000_000_000  # bytes: a new file is started past this size
# Exchanges that may wait for the WARC writer process (about 330 kB each).
WARC_QUEUE = 32
# `mirror replay` serves the WARC files with pywb on 127.0.0.1:REPLAY_PORT
# (pywb's own default port); the reports link to captures there.
REPLAY_PORT = 8080

TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
REMOTE_CONTROL_ENABLED = False
