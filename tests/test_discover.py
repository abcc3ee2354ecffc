"""Release links and dates from listing pages and feeds (invented markup on
the site's structure)."""

from datetime import date

from mirror.site.discover import feed_links, listing_links

SITE = "https://www.beehive.govt.nz"

LISTING = """<html><body><header><select><option value="/minister/hon-trap">Hon Trap</option></select>
<a href="/release/header-link-not-an-item">Not an item</a></header>
<main><div class="view-content">
<article class="teaser"><time class="meta meta__date" datetime="2024-07-30T20:15:00Z">31 July 2024</time>
<h2><a href="/release/first-invented-release">First</a></h2><p>Summary.</p></article>
<article class="teaser"><time class="meta meta__date">5 June 2012</time>
<h2><a href="/release/ng%C4%81i-invented">Second</a></h2></article>
<article class="teaser"><h2><a href="/speech/not-a-release">Speech</a></h2></article>
</div></main></body></html>"""

FEED = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Releases</title>
<item><title>One</title><link>https://www.beehive.govt.nz/release/one-invented</link>
<pubDate>Tue, 30 Jul 2024 20:15:00 +0000</pubDate></item>
<item><title>Two</title><link>https://www.beehive.govt.nz/release/two-invented</link>
<pubDate>4 March 2023</pubDate></item>
</channel></rss>"""


def test_listing_items_with_iso_and_visible_dates():
    assert listing_links(LISTING, f"{SITE}/releases?page=0") == [
        (f"{SITE}/release/first-invented-release", date(2024, 7, 30)),
        (f"{SITE}/release/ng%C4%81i-invented", date(2012, 6, 5)),
    ]


def test_feed_items_with_rfc822_and_other_dates():
    assert feed_links(FEED, f"{SITE}/releases/feed") == [
        (f"{SITE}/release/one-invented", date(2024, 7, 30)),
        (f"{SITE}/release/two-invented", date(2023, 3, 4)),
    ]
