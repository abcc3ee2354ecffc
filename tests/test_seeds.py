from mirror.archive.seeds import no_seeds_reason, read_seeds

from .conftest import write_seed

SITE = "https://www.beehive.govt.nz"


def test_seeds_are_read_recursively_in_path_order(tmp_path):
    write_seed(tmp_path, "b/2.md", f"{SITE}/release/two")
    write_seed(tmp_path, "a/1.txt", f"{SITE}/release/one")
    write_seed(tmp_path, "c.markdown", f"{SITE}/release/three")
    (tmp_path / "ignored.html").write_text("<p>not a seed</p>")
    seeds = read_seeds(tmp_path)
    assert [s.url for s in seeds.seeds] == [f"{SITE}/release/one", f"{SITE}/release/two", f"{SITE}/release/three"]
    assert seeds.bad == [] and seeds.read == 3


def test_duplicates_keep_the_first_and_are_reported(tmp_path):
    write_seed(tmp_path, "a.md", f"{SITE}/release/one")
    write_seed(tmp_path, "b.md", "http://beehive.govt.nz/release/one")
    seeds = read_seeds(tmp_path)
    assert len(seeds.seeds) == 1 and seeds.seeds[0].path.endswith("a.md")
    (dropped, kept), = seeds.duplicates
    assert dropped.path.endswith("b.md") and kept.path.endswith("a.md")


def test_missing_folder_has_no_seeds_and_says_why(tmp_path):
    seeds = read_seeds(tmp_path / "nope")
    assert seeds.seeds == [] and seeds.bad == [] and seeds.read == 0
    assert "does not exist" in no_seeds_reason(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    assert "holds no seed files" in no_seeds_reason(tmp_path / "empty")


def test_seed_paths_read_the_same_with_a_trailing_slash(tmp_path):
    from mirror.archive.seeds import seed_paths
    write_seed(tmp_path / "seeds", "b/one.md", "https://www.beehive.govt.nz/release/one")
    write_seed(tmp_path / "seeds", "two.txt", "https://www.beehive.govt.nz/release/two")
    (tmp_path / "seeds" / ".hidden.md").write_text("not a seed")
    expected = [str(tmp_path / "seeds" / "b" / "one.md"), str(tmp_path / "seeds" / "two.txt")]
    assert seed_paths(tmp_path / "seeds") == expected
    assert seed_paths(f"{tmp_path / 'seeds'}/") == expected
