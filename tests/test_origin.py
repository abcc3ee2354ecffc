from mirror.archive.urls import archive_id, archive_url, is_site_url, is_transliterated
from mirror.site.origin import from_origin, to_origin

SITE = "https://www.beehive.govt.nz"


def test_archive_id_strips_accents_and_drops_other_non_ascii():
    assert archive_id(f"{SITE}/release/ng%C4%81i-tahu-partnership") == "ngai-tahu-partnership"
    assert archive_id(f"{SITE}/release/k%C4%81inga-ora-%E2%80%93-homes") == "kainga-ora--homes"
    assert archive_id(f"{SITE}/release/pm%E2%80%99s-statement") == "pms-statement"


def test_archive_url_of_node_and_speech_pages():
    assert archive_url(f"{SITE}/node/23247") == f"{SITE}/release/23247"
    assert archive_url(f"{SITE}/speech/a-speech") == f"{SITE}/speech/a-speech"


def test_transliteration_is_detected():
    assert is_transliterated(f"{SITE}/release/ng%C4%81i-tahu")
    assert not is_transliterated(f"{SITE}/release/plain-slug")


def test_origin_mapping_keeps_path_and_query():
    fetched = to_origin(f"{SITE}/releases?page=2", "http://127.0.0.1:8765")
    assert fetched == "http://127.0.0.1:8765/releases?page=2"
    assert from_origin(fetched, "http://127.0.0.1:8765") == f"{SITE}/releases?page=2"
    assert to_origin(f"{SITE}/x", None) == f"{SITE}/x"
    assert from_origin("https://example.org/x", "http://127.0.0.1:8765") == "https://example.org/x"


def test_site_urls():
    assert is_site_url("http://beehive.govt.nz/release/x")
    assert is_site_url(f"{SITE}/release/x")
    assert not is_site_url("https://beehive.govt.nz.example.org/release/x")
    assert not is_site_url("ftp://www.beehive.govt.nz/x")
    assert not is_site_url("https://[www.beehive.govt.nz/x")  # urlsplit raises on it
