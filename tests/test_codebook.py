"""Codebook editing (pure), tag consistency under rename/merge/remove, and CSV import/export."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.codebook import (
    Codebook,
    CodebookError,
    Theme,
    add_theme,
    children,
    dangling_tags,
    default_codebook,
    describe_theme,
    merge_themes,
    nest_theme,
    remove_theme,
    rename_theme,
)
from models.quote import Quote, new_quote
from models.transcript import Word
from sessions.codebook_io import codebook_csv, export_codebook, import_codebook, parse_codebook


def book(*names: str) -> Codebook:
    return Codebook(themes=[Theme(id=f"t-{n}", name=n) for n in names])


def quote(*tags: str) -> Quote:
    return new_quote("s-1", "p-1", [Word(0, 1, "hi")], theme_ids=list(tags))


def test_add_rename_describe_return_new_codebooks() -> None:
    original = book("a")
    added, theme = add_theme(original, "  Safe   place ", "somewhere to go")
    assert theme.name == "Safe place" and added.theme(theme.id) == theme
    assert len(original.themes) == 1
    renamed = rename_theme(added, theme.id, "Safety")
    assert renamed.theme(theme.id).name == "Safety" and added.theme(theme.id).name == "Safe place"
    described = describe_theme(renamed, theme.id, "new")
    assert described.theme(theme.id).description == "new"


@pytest.mark.parametrize("name", ["", "   ", "A", "a "])
def test_names_must_be_present_and_unique(name: str) -> None:
    with pytest.raises(CodebookError):
        add_theme(book("a"), name)


def test_rename_to_own_name_in_other_case_is_allowed() -> None:
    assert rename_theme(book("a"), "t-a", "A").themes[0].name == "A"
    with pytest.raises(CodebookError):
        rename_theme(book("a", "b"), "t-b", "A")


def test_nesting_is_one_level_only() -> None:
    codebook = nest_theme(book("a", "b", "c"), "t-b", "t-a")
    assert [t.id for t in children(codebook, "t-a")] == ["t-b"]
    with pytest.raises(CodebookError, match="one level"):
        nest_theme(codebook, "t-c", "t-b")  # a child cannot be a parent
    with pytest.raises(CodebookError, match="one level"):
        nest_theme(codebook, "t-a", "t-c")  # a parent cannot be nested
    with pytest.raises(CodebookError):
        nest_theme(codebook, "t-c", "t-c")
    assert nest_theme(codebook, "t-b", None).theme("t-b").parent_id is None


def test_merge_retags_deduplicated_and_moves_children() -> None:
    codebook = nest_theme(book("a", "b", "c", "d"), "t-d", "t-b")
    quotes = [quote("t-a", "t-b"), quote("t-b"), quote("t-c")]
    merged, tagged = merge_themes(codebook, quotes, ["t-b"], "t-a")
    assert merged.theme("t-b") is None
    assert merged.theme("t-d").parent_id == "t-a"
    assert [q.theme_ids for q in tagged] == [["t-a"], ["t-a"], ["t-c"]]
    assert tagged[2] is quotes[2]  # unchanged quotes are not copied
    assert quotes[0].theme_ids == ["t-a", "t-b"]  # inputs untouched


def test_merge_into_a_child_keeps_one_level() -> None:
    codebook = nest_theme(nest_theme(book("a", "b", "c"), "t-b", "t-a"), "t-c", "t-a")
    merged, _ = merge_themes(codebook, [], ["t-a"], "t-b")
    assert merged.theme("t-b").parent_id is None
    assert merged.theme("t-c").parent_id == "t-b"


def test_remove_untags_and_unnests() -> None:
    codebook = nest_theme(book("a", "b"), "t-b", "t-a")
    removed, tagged = remove_theme(codebook, [quote("t-a", "t-b")], "t-a")
    assert removed.theme("t-b").parent_id is None
    assert tagged[0].theme_ids == ["t-b"]


names = st.sampled_from([f"n{i}" for i in range(6)])
ops = st.lists(
    st.one_of(
        st.tuples(st.just("rename"), names, st.text(min_size=1, max_size=5)),
        st.tuples(st.just("merge"), st.lists(names, max_size=3), names),
        st.tuples(st.just("nest"), names, st.one_of(st.none(), names)),
        st.tuples(st.just("remove"), names, st.none()),
    ),
    max_size=12,
)


@settings(max_examples=150, deadline=None)
@given(ops=ops, tags=st.lists(st.lists(names, max_size=4), max_size=8))
def test_edits_keep_every_quote_tag_consistent(ops: list, tags: list[list[str]]) -> None:
    codebook = book(*[f"n{i}" for i in range(6)])
    quotes = [quote(*dict.fromkeys(f"t-{n}" for n in t)) for t in tags]
    for op, a, b in ops:
        try:
            if op == "rename":
                codebook = rename_theme(codebook, f"t-{a}", b)
            elif op == "nest":
                codebook = nest_theme(codebook, f"t-{a}", f"t-{b}" if b else None)
            elif op == "merge":
                codebook, quotes = merge_themes(codebook, quotes, [f"t-{x}" for x in a], f"t-{b}")
            else:
                codebook, quotes = remove_theme(codebook, quotes, f"t-{a}")
        except CodebookError:
            continue
        assert not dangling_tags(codebook, quotes)
        assert all(len(q.theme_ids) == len(set(q.theme_ids)) for q in quotes)
        ids = {t.id for t in codebook.themes}
        for theme in codebook.themes:
            if theme.parent_id is not None:
                assert theme.parent_id in ids
                assert codebook.theme(theme.parent_id).parent_id is None
        assert len({t.name.casefold() for t in codebook.themes}) == len(codebook.themes)


# -- CSV -------------------------------------------------------------------------


def test_csv_round_trip(tmp_path: Path) -> None:
    codebook = default_codebook()
    parent_id = codebook.themes[0].id
    codebook, child = add_theme(codebook, "=cmd|' /C calc'!A0", "formula-looking", parent_id)
    path = tmp_path / "codebook.csv"
    export_codebook(codebook, path)
    assert "'=cmd" in path.read_text()  # spreadsheet formula defused
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    back = import_codebook(path)
    assert [(t.name, t.description) for t in back.themes] == [
        (t.name, t.description) for t in codebook.themes
    ]
    assert back.by_name(child.name).parent_id == back.by_name(codebook.themes[0].name).id


def test_import_into_existing_updates_instead_of_duplicating() -> None:
    existing = book("Acceptance")
    text = "\ufeffName,Description,Parent\nBelonging,,Acceptance\nacceptance,Being accepted,\n"
    codebook = parse_codebook(text, existing)
    assert [t.name for t in codebook.themes] == ["Acceptance", "Belonging"]
    assert codebook.theme("t-Acceptance").description == "Being accepted"
    assert codebook.by_name("Belonging").parent_id == "t-Acceptance"
    assert parse_codebook(codebook_csv(codebook), codebook) == codebook


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("title\nx\n", "columns"),
        ("name,parent\nA,Nope\n", "Line 2.*Nope"),
        ("name,parent\nA,\nB,A\nC,B\n", "Line 4.*one level"),
        ("name,description\n,orphan description\n", "Line 2"),
    ],
)
def test_bad_csv_names_the_line(text: str, message: str) -> None:
    with pytest.raises(CodebookError, match=message):
        parse_codebook(text)


def test_non_utf8_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes("name\ncaf\xe9\n".encode("latin-1"))
    with pytest.raises(CodebookError, match="UTF-8"):
        import_codebook(path)
