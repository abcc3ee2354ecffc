"""Scrapy settings for beehive mirror.  Defaults are polite to the real
site; tests and benchmarks lift them with -s."""

BOT_NAME = "beehive-mirror"
SPIDER_MODULES = ["mirror.spiders"]
NEWSPIDER_MODULE = "mirror.spiders"
COMMANDS_MODULE = "mirror.commands"

# Where seeds are read from and documents written to.
SEEDS_DIR = "seeds"
OUTPUT_DIR = "output"
# Fetch from this origin instead of https://www.beehive.govt.nz (a local
# replica); documents, logs and stats still name the real site.
MIRROR_ORIGIN = None

# Politeness: one request at a time, about one a second, slower when the
# site slows down.
ROBOTSTXT_OBEY = True
USER_AGENT = "beehive-mirror/0.1 (+https://github.com/beehive-mirror/beehive-mirror)"
AUTOTHROTTLE_ENABLED = True
DOWNLOAD_DELAY = 1
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_TIMEOUT = 30

DOWNLOAD_HANDLERS = {
    "http": "mirror.handlers.ReplicaDownloadHandler",
    "https": "mirror.handlers.ReplicaDownloadHandler",
}
ITEM_PIPELINES = {
    "mirror.pipelines.ValidatePipeline": 100,
    "mirror.pipelines.NormalisePipeline": 200,
    "mirror.pipelines.WritePipeline": 300,
}
EXTENSIONS = {
    "mirror.extensions.RunManifest": 500,
    "mirror.extensions.RunReport": 510,
}
# Diff the fetched documents against the seeds and write the reports when
# the crawl ends (output/reports/<run-id>/).
MIRROR_DIFF_ENABLED = True

TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
REMOTE_CONTROL_ENABLED = False
