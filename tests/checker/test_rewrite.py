"""The deck rewriter keeps every byte outside its edits and refuses stale or clashing edits."""

from __future__ import annotations

import pytest

from lecturekit.check.rewrite import END, Edit, RewriteError, apply_edits


def test_bom_and_mixed_line_endings_survive_an_edit(tmp_path):
    path = tmp_path / "d.md"
    path.write_bytes(b"\xef\xbb\xbfa\r\nprint(1)  # -> 2\nlast\r\n")
    changed = apply_edits(path, [Edit(str(path), 2, 15, 2, END, "1\n#     3", "2")])
    assert changed == 1
    assert path.read_bytes() == b"\xef\xbb\xbfa\r\nprint(1)  # -> 1\n#     3\nlast\r\n"


def test_edit_whose_text_is_already_there_leaves_the_file_untouched(tmp_path):
    path = tmp_path / "d.md"
    path.write_text("x  # -> 1\n", encoding="utf-8")
    before = path.stat().st_mtime_ns
    assert apply_edits(path, [Edit(str(path), 1, 8, 1, END, "1", "1")]) == 0
    assert path.stat().st_mtime_ns == before


def test_overlapping_edits_are_refused_and_the_file_kept(tmp_path):
    path = tmp_path / "d.md"
    path.write_text("abcdef\n", encoding="utf-8")
    edits = [Edit(str(path), 1, 0, 1, 4, "X", "abcd"), Edit(str(path), 1, 2, 1, 6, "Y", "cdef")]
    with pytest.raises(RewriteError, match="d.md:1: overlapping output edits"):
        apply_edits(path, edits)
    assert path.read_text(encoding="utf-8") == "abcdef\n"
    assert [p.name for p in tmp_path.iterdir()] == ["d.md"]


def test_update_refuses_a_deck_changed_since_it_was_checked(tmp_path):
    path = tmp_path / "d.md"
    path.write_text("a\nprint(1)  # -> 2\n", encoding="utf-8")
    edit = Edit(str(path), 2, 15, 2, END, "1", "3")
    with pytest.raises(RewriteError, match=r"d.md:2: the deck changed since it was checked"):
        apply_edits(path, [edit])
    assert path.read_text(encoding="utf-8") == "a\nprint(1)  # -> 2\n"
