"""Meta refresh (mirror.crawl.middlewares.HeadMetaRefreshMiddleware):
Scrapy's own behaviour, read from the head of the body only."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from mirror.crawl.middlewares import HeadMetaRefreshMiddleware
from mirror.testing.pagebuild import Page, build_page

from .conftest import run_crawl, write_seed

SITE = "https://www.beehive.govt.nz"
PADDING = "<!-- " + "frame " * 20_000 + "-->"  # 120 kB after the head, as the site's frame


def refresh_page(target: str, where: str = "head") -> str:
    tag = f'<meta http-equiv="refresh" content="0; url={target}">'
    head = tag if where == "head" else ""
    late = tag if where == "late" else ""
    return f"<html><head><title>Moved</title>{head}</head><body>{PADDING}{late}</body></html>"


def test_a_crawl_follows_a_meta_refresh_in_a_large_page(replica, tmp_path):
    seeds, out = tmp_path / "seeds", tmp_path / "output"
    replica.add("target", Page(title="Invented target", canonical=f"{SITE}/release/target",
                               date_iso="2022-04-05T01:00:00Z", date_text="5 April 2022",
                               ministers=["Hon Pretend"], body_html="<p>Words of target.</p>"))
    (tmp_path / "refresher.html").write_text(refresh_page("/release/target"), encoding="utf-8")
    replica.plan({"/release/refresher": {"file": "../refresher.html"}})  # served there, not indexed
    write_seed(seeds, "target.md", f"{SITE}/release/target", title="Invented target", date="2022-04-05")
    write_seed(seeds, "refresher.md", f"{SITE}/release/refresher", title="Invented refresher", date="2022-04-05")
    result = run_crawl(replica.origin, seeds, out)
    assert result.returncode in (0, 1), result.log[-3000:]
    assert result.stats["downloader/response_status_count/200"] >= 3  # robots.txt, both pages, the target again
    entries = {e["url"].rsplit("/", 1)[-1]: e for e in result.report()["entries"]}
    assert entries["refresher"]["status"] == "moved"
    assert replica.site.hits["/release/target"] == 2  # asked for itself, and reached by the refresh


@pytest.mark.parametrize("body, content_type", [
    (refresh_page("/release/elsewhere"), "text/html; charset=utf-8"),
    (refresh_page("/release/elsewhere", where="late"), "text/html; charset=utf-8"),  # past 4,096 characters
    (refresh_page("/release/m\u0101ori").encode("utf-16"), "text/html; charset=utf-16"),
    (refresh_page("/release/elsewhere").replace("0; url", "600; url"), "text/html"),  # too slow to follow
    (build_page(Page(title="No refresh here", canonical=f"{SITE}/release/x")) + PADDING, "text/html; charset=utf-8"),
    ("<html><head><meta http-equiv='refresh' content='0;url=/x'></head></html>", "text/html"),  # small
])
def test_the_answer_is_scrapys_own(body, content_type):
    crawler = get_crawler(settings_dict={"METAREFRESH_ENABLED": True})
    ours, scrapys = HeadMetaRefreshMiddleware.from_crawler(crawler), MetaRefreshMiddleware.from_crawler(crawler)
    raw = body if isinstance(body, bytes) else body.encode("utf-8")
    answers = []
    for middleware in (ours, scrapys):
        request = Request(f"{SITE}/release/refresher")
        response = HtmlResponse(request.url, body=raw, headers={"Content-Type": content_type}, request=request)
        answer = middleware.process_response(request, response)
        answers.append(answer.url if isinstance(answer, Request) else ("response", answer is response))
    assert answers[0] == answers[1]
