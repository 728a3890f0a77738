"""`lecturekit handout`'s own options reach the handout builder however they are spelled."""

from __future__ import annotations

import pytest

from lecturekit import cli
from lecturekit.handout import command


@pytest.mark.parametrize("spelling", [["--nup", "3"], ["--nup=3"]])
def test_nup_value_after_a_space_or_an_equals_sign_reaches_the_builder(monkeypatch, spelling):
    seen: list[list[str]] = []
    monkeypatch.setattr(command, "handout_main", lambda argv: seen.append(argv) or 0)
    assert cli.main(["handout", "a.md", "b.md", *spelling]) == 0
    assert seen == [["a.md", "--nup", "3"], ["b.md", "--nup", "3"]]


def test_nup_outside_the_offered_counts_is_refused_by_name(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["handout", "a.md", "--nup", "6"])
    assert info.value.code == 2
    assert "argument --nup: invalid choice: 6 (choose from 2, 3, 4)" in capsys.readouterr().err


def test_handout_help_offers_every_count(capsys):
    with pytest.raises(SystemExit):
        cli.main(["handout", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "--nup {2,3,4}" in help_text and "3 beside note lines" in help_text
