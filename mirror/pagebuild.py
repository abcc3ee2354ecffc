"""Build release pages in the site's real structure (SITE.md), from parts.

Used by the local replica, the tests and the benchmarks: the pages carry
the real page's traps (minister menus in the header, `field--name-body`
blocks outside the article) so extraction is tested against them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

GOVERNMENT = "nationalactnew-zealand-first-coalition-government-2023-2026"


@dataclass
class Page:
    title: str
    canonical: str                       # real URL, percent-encoded
    body_html: str | None = ""           # None: the page has no body element
    date_iso: str | None = None          # the inner time's datetime attribute
    date_text: str = ""                  # the New Zealand date shown
    ministers: list[str] = field(default_factory=list)
    portfolios: list[str] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)
    linked: bool = False                 # current-government template
    kind: str = "article"                # node type: article or speech


def _slug(name: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in name.lower()).split())


def _minister(name: str, linked: bool) -> str:
    if not linked:
        return f'<li><span class="is-archived">\n\n      \n        {escape(name)}\n\n      \n</span>\n</li>'
    return (
        '<li><div class="teaser--small minister taxonomy-term taxonomy-term--type-ministers">'
        f'<a href="/minister/{_slug(name)}" class="field-group-link minister__link" hreflang="en">'
        '<div class="field minister__portrait"><div><img loading="lazy" '
        f'src="/sites/default/files/styles/thumbnail/public/{_slug(name)}.jpg" width="100" height="100" '
        f'alt="{escape(name)} portrait" class="img-responsive"/></div></div>\n'
        f'<div class="field minister__title">  {escape(name)}\n</div>\n</a></div></li>'
    )


def _portfolio(name: str, linked: bool) -> str:
    inner = (f'<a href="/portfolio/{GOVERNMENT}/{_slug(name)}" hreflang="en">{escape(name)}</a>'
             if linked else f'<span class="is-archived">\n\n    {escape(name)}\n\n</span>')
    return f'<em class="tag tag--portfolio"><div class="tag taxonomy-term">\n  {inner}\n</div></em>'


def _attachments(urls: list[str]) -> str:
    if not urls:
        return ""
    items = "".join(
        '<li><div class="file file--mime-application-pdf"><div class="file-link">'
        f'<a href="{escape(url)}" type="application/pdf; length=1000" target="_blank">'
        f'{escape(url.rsplit("/", 1)[-1])}</a></div><div class="file-size">1 KB</div></div></li>'
        for url in urls
    )
    return ('<aside class="article__related"><div class="field-label-above">Related Documents</div>'
            f'<ul>{items}</ul></aside>')


# The header's jump menus list ministers as <option value=".../minister/...">:
# an extractor reading every minister link would take these.
_HEADER = """<header class="header">
<div class="select-wrapper"><select class="form-select form-control" id="edit-jump" name="jump"><option
 value="" selected="selected">- Choose -</option><option
 value="https://www.beehive.govt.nz/minister/hon-menu-trap">Hon Menu Trap</option><option
 value="https://www.beehive.govt.nz/portfolio/{gov}/menu-trap">Menu Trap Portfolio</option></select></div>
<section id="block-national-mobilecontrols" class="controls block clearfix">
<div class="field field--name-body field--type-text-with-summary field--label-hidden field--item"><button class="btn">Menu</button></div>
</section>
</header>
<div class="region region-title-region"><section id="block-national-backtoreleases" class="page-header block">
<div class="field field--name-body field--type-text-with-summary field--label-hidden field--item"><a class="action--back" href="/releases">Releases</a></div>
</section></div>
"""


def build_page(page: Page) -> str:
    date = ""
    if page.date_iso is not None or page.date_text:
        inner = (f'<time datetime="{escape(page.date_iso)}">{escape(page.date_text)}</time>'
                 if page.date_iso is not None else escape(page.date_text))
        date = f'<time class="meta meta__date" datetime="">{inner}\n</time>'
    ministers = ""
    if page.ministers:
        ministers = ('<ul class="meta--ministers">'
                     + "\n".join(_minister(m, page.linked) for m in page.ministers) + "</ul>")
    portfolios = "\n".join(_portfolio(p, page.linked) for p in page.portfolios)
    body = ("" if page.body_html is None else
            '<div class="prose field field--name-body field--type-text-with-summary field--label-hidden '
            f'field--item">{page.body_html}</div>')
    return f"""<!DOCTYPE html>
<html lang="en" dir="ltr">
<head>
<meta charset="utf-8" />
<title>{escape(page.title)} | Beehive.govt.nz</title>
<link rel="canonical" href="{escape(page.canonical)}" />
<meta property="og:title" content="{escape(page.title)}" />
</head>
<body class="path-node page-node-type-{page.kind}">
{_HEADER.format(gov=GOVERNMENT)}
<main role="main" class="main-container container js-quickedit-main-content">
<div class="row"><section class="col-xs-12"><div class="region region-content">
<article class="node node--type-{page.kind} node--view-mode-full ds-three-col">
<header class="ds-three-col__header"></header>
<aside class="ds-three-col__column ds-three-col__left"><a class="social__link" href="mailto:?body={escape(page.canonical)}">Email</a></aside>
<div class="ds-three-col__column ds-three-col__main"><div class="field field-name-field-government"><em class="archive-indicator"></em></div>
{date}
<h1 class="article__title">
  {escape(page.title)}
</h1>
{ministers}
{portfolios}
{body}
</div>
<aside class="ds-three-col__column ds-three-col__right">{_attachments(page.attachments)}</aside>
</article>
</div></section></div>
</main>
<footer class="footer"><a href="/minister/hon-footer-trap">Footer minister link</a></footer>
</body>
</html>
"""


def build_block_page(incident: str = "000000000000000000-000000000000000000") -> str:
    """Incapsula's block page, as the bot wall serves it (HTTP 200)."""
    return (
        '<html style="height:100%"><head><meta name="ROBOTS" content="NOINDEX, NOFOLLOW">'
        '<meta name="format-detection" content="telephone=no"></head>'
        '<body style="margin:0px;height:100%"><iframe id="main-iframe" '
        f'src="/_Incapsula_Resource?SWUDNSAI=31&amp;incident_id={incident}&amp;edet=12" '
        'frameborder="0" width="100%" height="100%">Request unsuccessful. Incapsula incident ID: '
        f"{incident}</iframe></body></html>"
    )
