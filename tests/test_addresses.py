"""Real addresses rebuilt from titles: the alias rules on invented titles,
then the share placed over the known non-ASCII addresses in ../shared."""

from __future__ import annotations

import csv
import re
import tarfile
from functools import cache
from pathlib import Path

import pytest

from mirror.archive.document import parse
from mirror.archive.urls import SITE, archive_url
from mirror.site.addresses import rebuild_address, title_slug, unplaceable_reason

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
RELEASE = f"{SITE}/release/"


def rebuilt(title: str, archived_id: str) -> str | None:
    """The slug part of the rebuilt address, still percent-encoded."""
    address = rebuild_address(title, RELEASE + archived_id)
    if address is not None:
        assert archive_url(address) == RELEASE + archived_id
        return address[len(RELEASE):]
    return None


# --- title_slug -------------------------------------------------------------

def test_slug_is_lower_case_words_joined_by_hyphens():
    assert title_slug("Minister Opens New Wharf") == "minister-opens-new-wharf"
    assert title_slug("  Extra   spaces\tand\nbreaks ") == "extra-spaces-and-breaks"


def test_short_words_are_dropped_as_whole_words_only():
    assert title_slug("The Minister of Health to visit Tonga on Monday") == "minister-health-visit-tonga-monday"
    # inside longer words they stay: "another", "bythe", "Tobago", "onward"
    assert title_slug("Another bythe Tobago onward") == "another-bythe-tobago-onward"
    # a hyphen is a separator, so the short word after it goes too
    assert title_slug("Clean-up of the Harbour") == "clean-harbour"


def test_short_words_next_to_non_ascii_punctuation_are_dropped():
    assert title_slug("Farmers told to “Back Off”") == "farmers-told-“back-”"
    assert title_slug("“The Harbour’s Open” at last") == "“-harbour’s-open”-last"


def test_accented_letters_are_part_of_a_word():
    # "anō" is not the word "an", and "Niña" does not end in the word "a"
    assert title_slug("Kua tū anō te whare") == "kua-tū-anō-te-whare"
    assert title_slug("Weather ahead of La Niña") == "weather-ahead-la-niña"


def test_a_title_of_short_words_only_keeps_them():
    assert title_slug("To Be or Not to Be") == "be-or-not-be"
    assert title_slug("Of the") == "of-the"


def test_ascii_punctuation_is_removed_and_non_ascii_punctuation_kept():
    title = "Q&A: 50% more (really!) — \"quoted\" it's done/Tairāwhiti [x] {y} ¡z… ‘w’"
    assert title_slug(title) == "qa-50-more-really-—-quoted-its-donetairāwhiti-x-y-¡z…-‘w’"
    assert title_slug("Rates, fees; levies + charges = $4.5m #budget @home ~ok ^^ * | ` \\") == \
        "rates-fees-levies-charges-45m-budget-home-ok"


def test_html_tags_in_a_title_are_dropped():
    assert title_slug("Minister welcomes <i>Harbour Lights</i> award") == "minister-welcomes-harbour-lights-award"


def test_only_ascii_white_space_separates_words():
    assert title_slug("New\u00a0Harbour bridge") == "new\u00a0harbour-bridge"
    assert title_slug("\u200b\u200bFunding announced") == "\u200b\u200bfunding-announced"
    assert title_slug("Bill\u202fpasses first reading") == "bill\u202fpasses-first-reading"
    assert title_slug("Harbour bridge \u00a0") == "harbour-bridge-\u00a0"


def test_slug_is_cut_at_100_characters_at_a_word_boundary():
    title = " ".join(["harbour"] * 20)  # 159 characters of slug
    slug = title_slug(title)
    assert slug == "-".join(["harbour"] * 12) and len(slug) == 95
    long_word = "x" * 120
    assert title_slug(long_word) == "x" * 100
    # a non-ASCII quote is a word boundary too
    assert title_slug("a" * 98 + " b’cd") == "a" * 98 + "-b"


# --- rebuild_address ----------------------------------------------------------

def test_macron_is_put_back():
    assert rebuilt("Ngāti Kōtare signs deal with the Crown", "ngati-kotare-signs-deal-crown") == \
        "ng%C4%81ti-k%C5%8Dtare-signs-deal-crown"


def test_quotes_and_apostrophes_are_put_back():
    assert rebuilt("Minister’s ‘bold’ plan for “better” parks", "ministers-bold-plan-better-parks") == \
        "minister%E2%80%99s-%E2%80%98bold%E2%80%99-plan-%E2%80%9Cbetter%E2%80%9D-parks"


def test_dashes_and_ellipsis_are_put_back():
    assert rebuilt("Roads – faster trips…", "roads--faster-trips") == "roads-%E2%80%93-faster-trips%E2%80%A6"
    assert rebuilt("Ports—and harbours", "portsand-harbours") == "ports%E2%80%94and-harbours"


def test_invisible_characters_are_put_back():
    assert rebuilt("New\u00a0Harbour joins pact", "newharbour-joins-pact") == "new%C2%A0harbour-joins-pact"
    assert rebuilt("\u200b\u200bFunding announced", "funding-announced") == "%E2%80%8B%E2%80%8Bfunding-announced"
    assert rebuilt("Safety bill\u202fpasses", "safety-billpasses") == "safety-bill%E2%80%AFpasses"
    assert rebuilt("Harbour bridge  \u200b", "harbour-bridge-") == "harbour-bridge-%E2%80%8B"


def test_dropped_short_words_and_kept_punctuation():
    assert rebuilt("Growers asked to “Back Off” by the Minister", "growers-asked-back--minister") == \
        "growers-asked-%E2%80%9Cback-%E2%80%9D-minister"
    assert rebuilt("Tāmaki/Harbour: a “new” start", "tamakiharbour-new-start") == \
        "t%C4%81makiharbour-%E2%80%9Cnew%E2%80%9D-start"


def test_repeated_alias_keeps_its_number():
    assert rebuilt("Harbour’s future secured", "harbours-future-secured-0") == "harbour%E2%80%99s-future-secured-0"
    assert rebuilt("Harbour’s future secured", "harbours-future-secured-12") == "harbour%E2%80%99s-future-secured-12"


def test_year_at_the_end_of_a_title_is_not_a_repeat_number():
    assert rebuilt("Budget – 2026", "budget--2026") == "budget-%E2%80%93-2026"


def test_long_title_is_cut_where_the_site_cuts_it():
    # the whole alias /release/<slug> is at most 100 characters
    words = ["Kōrero"] + ["harbour"] * 15
    slug = title_slug(" ".join(words))
    cut = "-".join(["kōrero"] + ["harbour"] * 10)  # 86 characters; one more word would make 94
    assert slug.startswith(cut + "-") and len(cut) <= 91 < len(cut) + 8
    archived = cut.replace("ō", "o")
    assert rebuilt(" ".join(words), archived) == cut.replace("ō", "%C5%8D")
    # a repeat number takes its room from the slug
    assert rebuilt(" ".join(words), archived + "-3") == cut.replace("ō", "%C5%8D") + "-3"


def test_edited_title_is_aligned_with_the_archived_slug():
    # "historic" added to the title after the alias was made
    assert rebuilt("Ngāti Kōtare signs historic deal", "ngati-kotare-signs-deal") == \
        "ng%C4%81ti-k%C5%8Dtare-signs-deal"
    # a word taken out, another put at the front
    assert rebuilt("Update: the Minister’s ‘bold’ plan", "ministers-bold-new-plan") == \
        "minister%E2%80%99s-%E2%80%98bold%E2%80%99-new-plan"


def test_edited_title_never_gives_an_address_off_the_archived_url():
    # nothing in common: no guess at all
    assert rebuilt("Kāinga rebuilt", "completely-different-words") is None
    # a dash whose spaces no longer match the archived slug has no place
    assert rebuilt("Harbour – Wharf plan", "harbour-wharf-plan") is None


def test_node_releases_have_no_alias():
    assert rebuild_address("Māori housing – update", f"{SITE}/release/23247") is None


def test_ascii_title_gives_nothing():
    assert rebuild_address("Minister opens new wharf", f"{SITE}/release/minister-opens-new-wharf") is None
    assert rebuild_address("Queen's Birthday honours", f"{SITE}/release/queens-birthday-honours") is None


def test_title_whose_non_ascii_is_cut_away_gives_nothing():
    title = " ".join(["harbour"] * 13) + " Māori"
    archived = "-".join(["harbour"] * 11)
    assert rebuilt(title, archived) is None


def test_speech_addresses_keep_their_kind():
    assert rebuild_address("Minister’s speech", f"{SITE}/speech/ministers-speech") == \
        f"{SITE}/speech/minister%E2%80%99s-speech"


def test_unplaceable_reasons():
    real = RELEASE + "harbour%E2%80%99s-future"
    assert unplaceable_reason("Harbour’s future", RELEASE + "harbours-future", real) == ""
    assert unplaceable_reason("Harbour's future", RELEASE + "harbours-future", real) == \
        "title edited since: no ’ in the title"
    assert unplaceable_reason("Harbour bridge", RELEASE + "harbour-bridge", RELEASE + "harbour-bridge%C2%A0") == \
        "address has U+00A0 the title no longer has"
    assert unplaceable_reason("Harbour’s future", RELEASE + "harbours-future", RELEASE + "harbours-future") == \
        "title edited since: ’ added to the title"
    assert unplaceable_reason("Harbour", RELEASE + "1234", f"{SITE}/node/1234").startswith("no alias")


# --- the known addresses ------------------------------------------------------

ADDRESSES = SHARED / "beehive" / "addresses" / "1999-2002-labour.tsv"
PAGES = SHARED / "corpus" / "pages"
TARBALL = SHARED / "corpus" / "beehive-markdown-releases.tar.xz"


def _required(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} not present")
    return path


@cache
def _archived_titles(wanted: frozenset[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """The title of each archive file named by (date, archived id), read from
    the tarball: file names are releases/YYYY/MM/<date>-<id>.md."""
    titles = {}
    name = re.compile(r"releases/\d{4}/\d{2}/(\d{4}-\d{2}-\d{2})-(.+)\.md\Z")
    with tarfile.open(TARBALL) as archive:
        for member in archive:
            found = name.match(member.name)
            if found and (found[1], found[2]) in wanted:
                doc = parse(archive.extractfile(member).read().decode("utf-8"))
                if doc.url == RELEASE + found[2] and doc.date == found[1]:
                    titles[found[1], found[2]] = doc.title
    return titles


def _ground_truth() -> list[tuple[str, str, str]]:
    """(title, archived url, real address) of every known non-ASCII address."""
    lines = []
    for line in _required(ADDRESSES).read_text(encoding="utf-8").splitlines():
        date, path = line.split("\t")
        if not path.startswith("/node/"):
            lines.append((date[:10], SITE + path))
    _required(TARBALL)
    titles = _archived_titles(frozenset((date, archive_url(real)[len(RELEASE):]) for date, real in lines))
    truth = [(titles[date, archive_url(real)[len(RELEASE):]], archive_url(real), real) for date, real in lines]
    with open(_required(PAGES / "INDEX.tsv"), encoding="utf-8", newline="") as index:
        for row in csv.DictReader(index, delimiter="\t"):
            real, archived = row["canonical_url"], row["md_url"]
            if real != archived and "/node/" not in real:
                truth.append((parse((PAGES / f"{row['id']}.md").read_text(encoding="utf-8")).title, archived, real))
    return truth


def test_titles_place_the_known_non_ascii_addresses():
    truth = _ground_truth()
    assert len(truth) >= 196 + 30
    unplaced = [(title, real, unplaceable_reason(title, archived, real))
                for title, archived, real in truth if rebuild_address(title, archived) != real]
    share = 1 - len(unplaced) / len(truth)
    assert share >= 0.98, unplaced


def test_pages_whose_address_is_the_archive_url_get_no_address():
    with open(_required(PAGES / "INDEX.tsv"), encoding="utf-8", newline="") as index:
        rows = [row for row in csv.DictReader(index, delimiter="\t") if row["canonical_url"] == row["md_url"]]
    for row in rows:
        title = parse((PAGES / f"{row['id']}.md").read_text(encoding="utf-8")).title
        assert rebuild_address(title, row["md_url"]) is None, row["id"]
