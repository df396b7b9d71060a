"""Places of Bojonegoro: the Kepmendagri list and the forgiving search by desa name."""

from __future__ import annotations

import pytest

from studio_console.places import DATA_FILE, Place, Places, fold, load_places


@pytest.fixture(scope="module")
def places() -> Places:
    return load_places()


def names(results: list[Place]) -> list[tuple[str, str]]:
    return [(p.desa_name, p.kecamatan_name) for p in results]


def test_the_bundled_list_has_28_kecamatan_and_430_desa_kelurahan(places):
    assert DATA_FILE.is_file()
    assert len(places) == 430
    assert len(places.kecamatan) == 28
    assert sum(p.is_kelurahan for p in places) == 11
    assert all(p.desa_code.startswith(p.kecamatan_code + ".") for p in places)
    assert all(p.kecamatan_code.startswith("35.22.") for p in places)
    assert places.kecamatan_name("35.22.09") == "Kepohbaru"
    assert places.desa("35.22.09.2001") == Place("35.22.09.2001", "Pejok", "35.22.09", "Kepohbaru")
    assert places.desa("99.99") is None and places.desa(None) is None


def test_fold_ignores_case_diacritics_spaces_and_old_spelling():
    assert fold("Kedung-Adem") == fold("kedung adem") == "kedungadem"
    assert fold("SOEMBERRÉDJO") == "sumberrejo"
    assert fold("Tjepu") == "cepu"


@pytest.mark.parametrize(
    "query", ["Sumberrejo", "sumberrejo", "SUMBERREJO", "Soemberredjo", "sumber rejo", "sumbrrejo"]
)
def test_sumberrejo_is_found_however_it_is_typed(places, query):
    assert places.search(query)[0].desa_code == "35.22.12.2006"


def test_sumberrejo_and_sumberejo_are_different_places_both_offered(places):
    exact = names(places.search("Sumberrejo", limit=5))
    assert exact[0] == ("Sumberrejo", "Sumberrejo")
    assert {("Sumberejo", "Malo"), ("Sumberejo", "Trucuk")} <= set(exact)
    single_r = names(places.search("Sumberejo", limit=3))
    assert set(single_r[:2]) == {("Sumberejo", "Malo"), ("Sumberejo", "Trucuk")}
    assert single_r[2] == ("Sumberrejo", "Sumberrejo")


def test_a_kecamatan_name_lists_its_desa(places):
    kepohbaru = places.search("Kepohbaru", limit=100)
    assert len(kepohbaru) == 25
    assert {p.kecamatan_name for p in kepohbaru} == {"Kepohbaru"}
    assert places.search("kepoh baru", limit=100) == kepohbaru


def test_kedungadem_desa_first_then_its_kecamatan(places):
    results = places.search("Kedungadem", limit=100)
    assert results[0].desa_code == "35.22.08.2010"
    assert {p.kecamatan_name for p in results} == {"Kedungadem"}
    assert len(results) == 23
    assert places.search("kedung adem")[0] == results[0]
    assert places.search("Kedungdem")[0] == results[0]  # one letter missing


def test_repeated_desa_names_come_with_their_kecamatan(places):
    pejok = places.search("Pejok")
    assert names(pejok[:2]) == [("Pejok", "Kedungadem"), ("Pejok", "Kepohbaru")]
    assert names(places.search("pejok kepohbaru")) == [("Pejok", "Kepohbaru")]
    assert names(places.search("Kepohbaru Pejok")) == [("Pejok", "Kepohbaru")]
    assert names(places.search("desa pejok kec. kedungadem")) == [("Pejok", "Kedungadem")]


def test_prefix_substring_and_typos(places):
    assert all(fold(p.desa_name).startswith("mojo") for p in places.search("mojo")[:8])
    assert names(places.search("ledok kulon")) == [("Ledok Kulon", "Bojonegoro")]
    assert places.search("kaliteedu")[0].desa_name == "Kalitidu"
    assert places.search("tlogohaij")[0].desa_name == "Tlogohaji"  # swapped letters


def test_nothing_to_search_finds_nothing(places):
    assert places.search("") == []
    assert places.search("   desa  ") == []
    assert places.search("zzzzzzzz") == []
    assert places.search("[/b] \x1b[31m") == []


def test_search_is_deterministic_and_limited(places):
    assert places.search("rejo", limit=7) == places.search("rejo", limit=7)
    assert len(places.search("rejo", limit=7)) == 7


def test_a_list_can_be_read_from_another_file(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text(
        "kode_kecamatan,kecamatan,kode_desa_kelurahan,desa_kelurahan,jenis\n"
        "35.22.15,Bojonegoro,35.22.15.1001,Ledok Kulon,kelurahan\n",
        encoding="utf-8",
    )
    places = Places.from_csv(path)
    assert len(places) == 1 and places.search("ledok")[0].is_kelurahan
