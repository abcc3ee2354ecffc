"""Where to ask for a seed's release: its candidate addresses, most likely first.

A seed's `url` is the archive's ID-rule form of the release's address
(docs/site.md): for about a third of the archive that is not the address
itself (non-ASCII characters dropped), and for `/release/<digits>` it
never was (the release lives at `/node/<n>`).  The crawl asks each
candidate in turn, moving on only when the site answers 404 or 410.
"""

from __future__ import annotations

from collections.abc import Iterable

from mirror.archive.urls import SITE, archive_id, archive_url
from mirror.site.addresses import rebuild_address


def node_address(seed_url: str) -> str | None:
    """`/node/<n>` for an archive url whose id is all digits: a release the
    site has no alias for, which the archive writes `/release/<n>`."""
    doc_id = archive_id(seed_url)
    return f"{SITE}/node/{doc_id}" if doc_id.isdigit() else None


def candidate_addresses(seed_url: str, title: str = "", remembered: str | None = None,
                        indexed: Iterable[str] = ()) -> list[str]:
    """The addresses to ask for the release archived as `seed_url`, in order,
    each once:

    1. the address a previous run found it at;
    2. the site index's addresses whose ID-rule form is `seed_url`;
    3. the address rebuilt from the seed's title;
    4. `/node/<n>` when the archived id is all digits;
    5. `seed_url` itself.

    The node address comes before the archive url: the archive writes every
    node page as `/release/<n>`, an address the site does not have, and
    asking that first would cost a second request for each of the
    archive's 1,945 such releases.
    """
    ordered: list[str | None] = [remembered] if remembered else []
    ordered.extend(indexed)
    ordered.append(rebuild_address(title, seed_url) if title else None)
    ordered.append(node_address(seed_url))
    ordered.append(seed_url)
    return list(dict.fromkeys(a for a in ordered if a))  # first of each, in order


def own_archive_urls(seed_url: str, asked: str, final: str) -> tuple[str, ...]:
    """The archive urls a page fetched for the seed may name as its own:
    the seed's, and the alias's when the site redirected the seed's node
    address to it."""
    own = archive_url(seed_url)
    if asked != final and asked == node_address(own):
        return own, archive_url(final)
    return (own,)


def is_own_address(seed_url: str, asked: str, final: str) -> bool:
    """True when the page that answered at `final`, asked for at `asked`, is
    the seed's own release: its ID-rule form is the seed's, or the site
    redirected the seed's node address to the release's alias."""
    return archive_url(final) == archive_url(seed_url) or (
        asked != final and asked == node_address(seed_url))
