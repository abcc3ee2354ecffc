"""Real pages against their archive files (../shared/corpus/pages)."""

from mirror.testing.fidelity import OLD_EXTRACTOR, compare_folder, main

from .conftest import shared_path


def test_at_least_95_percent_of_real_pages_are_byte_identical():
    results = compare_folder(shared_path("corpus", "pages"))
    same = sum(r.identical for r in results)
    assert len(results) >= 100
    assert same / len(results) >= 0.95, [r for r in results if not r.identical]


def test_old_extractor_mistakes_are_named_not_copied():
    results = {r.page_id: r for r in compare_folder(shared_path("corpus", "pages"))}
    mistaken = results["2001-12-07-huge-response-nz-youngsters-agenda-children"]
    assert not mistaken.identical
    assert mistaken.cause == OLD_EXTRACTOR.format("ministers")


def test_fidelity_script_prints_the_figure(capsys):
    folder = shared_path("corpus", "pages")
    assert main([str(folder)]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.endswith("%)") and "pages byte-identical" in last
