"""The one student search (``caseload.domain.search``): accents and case folded, names in
either order, preferred names, ids, ranked."""

from __future__ import annotations

from caseload.domain.records import Role, User
from caseload.domain.search import (
    Query,
    Rank,
    filter_items,
    fold,
    name_searchable,
    search,
    user_searchable,
)

JOSE = User("stu-1", Role.STUDENT, "José", "Baptiste", identifier="100234")
JOSEFINA = User("stu-2", Role.STUDENT, "Josefina", "Ortiz", identifier="100777")
ALEX = User("stu-3", Role.STUDENT, "Alexander", "Nuñez", identifier="100900",
            preferred_given_name="Sasha", preferred_family_name="Núñez-Ruiz")
OBRIEN = User("100234-x", Role.STUDENT, "Kate", "O'Brien", identifier="555")
PEOPLE = [JOSE, JOSEFINA, ALEX, OBRIEN]


def ids(query: str) -> list[str]:
    return [u.sourced_id for _rank, u in search(query, PEOPLE, user_searchable,
                                                 lambda u: u.sort_name)]


def test_fold_drops_accents_and_case() -> None:
    assert fold("José NÚÑEZ") == "jose nunez"
    assert fold("Straße") == "strasse"
    assert fold("Ｊｏｓé") == "jose"  # full-width letters fold too (NFKD)


def test_accents_and_case_fold_both_ways() -> None:
    assert ids("jose") == ["stu-1", "stu-2"]
    assert ids("JOSÉ") == ["stu-1", "stu-2"]
    assert ids("nunez") == ["stu-3"]


def test_names_in_either_order() -> None:
    assert ids("josé baptiste") == ["stu-1"]
    assert ids("baptiste, josé") == ["stu-1"]
    assert ids("Baptiste,Jose") == ["stu-1"]
    assert ids("bapt jo") == ["stu-1"]
    assert ids("jose ortiz") == ["stu-2"]


def test_preferred_names_are_searched_with_the_legal_ones() -> None:
    assert ids("sasha") == ["stu-3"]
    assert ids("ruiz sasha") == ["stu-3"]
    assert ids("alexander") == ["stu-3"]  # the legal name still finds them
    assert ALEX.sort_name == "Núñez-Ruiz, Sasha"
    assert ALEX.legal_name == "Nuñez, Alexander"


def test_ids_and_student_numbers() -> None:
    assert ids("stu-2") == ["stu-2"]
    assert ids("100777") == ["stu-2"]
    assert ids("555") == ["100234-x"]


def test_ranked_exact_id_then_name_prefix_then_substring() -> None:
    # "100234" is José's student number (exact) and inside O'Brien's sourcedId (substring)
    ranked = search("100234", PEOPLE, user_searchable, lambda u: u.sort_name)
    assert [(r, u.sourced_id) for r, u in ranked] == [
        (Rank.EXACT_ID, "stu-1"), (Rank.SUBSTRING, "100234-x")]
    # "ose" is inside José and Josefina but starts no name; "jose" starts both
    assert [r for r, _ in search("ose", PEOPLE, user_searchable)] == [Rank.SUBSTRING] * 2
    assert [r for r, _ in search("jose", PEOPLE, user_searchable)] == [Rank.NAME_PREFIX] * 2
    # a name prefix beats a substring whatever the alphabet says
    people = [User("a", Role.STUDENT, "Marian", "Adams"), User("b", Role.STUDENT, "Ian", "Zed")]
    assert [u.sourced_id for _, u in search("ian", people, user_searchable,
                                            lambda u: u.sort_name)] == ["b", "a"]


def test_hyphenated_and_apostrophe_names_match_by_part() -> None:
    assert ids("brien") == ["100234-x"]
    assert ids("o'brien kate") == ["100234-x"]
    assert search("ruiz", PEOPLE, user_searchable)[0][0] is Rank.NAME_PREFIX


def test_empty_query_filters_nothing_and_finds_nobody() -> None:
    assert filter_items("  ", PEOPLE, user_searchable) == PEOPLE
    assert search("", PEOPLE, user_searchable) == []
    assert not Query.parse(" , ")


def test_filter_keeps_order_and_matches_as_search_does() -> None:
    assert filter_items("jose", list(reversed(PEOPLE)), user_searchable) == [JOSEFINA, JOSE]
    for query in ("jose", "baptiste, josé", "sasha", "100234", "zzz", "ose"):
        found = {u.sourced_id for _, u in search(query, PEOPLE, user_searchable)}
        assert {u.sourced_id for u in filter_items(query, PEOPLE, user_searchable)} == found


def test_name_searchable_reads_a_shown_name() -> None:
    target = name_searchable("s1", "Baptiste, José", "L01")
    assert Query.parse("jose baptiste").matches(target)
    assert Query.parse("l01").rank(target) is Rank.EXACT_ID
    assert not Query.parse("ortiz").matches(target)
