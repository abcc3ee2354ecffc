"""The bot wall's page, told apart from a release page by its bytes alone."""

from __future__ import annotations


def looks_blocked(body: bytes) -> bool:
    """Cheap test for Incapsula's block or challenge page (docs/site.md):
    its resource iframe and no article.  Real pages load an Incapsula script
    too, so the script alone proves nothing; extraction confirms with the
    full check on the parsed page."""
    return b"_Incapsula_Resource" in body and b"<article" not in body
