"""The reading HTML on a phone (320-414 px) and on a desktop (1280 px), measured in Chromium.

The fixture deck (fixtures/phone.md) holds what a narrow screen finds hard: long code lines
(dotted names, operators, calls), long outputs, a display formula too wide even when shrunk,
two side by side in a coloured box, a formula in a title bar, inline formulas followed by 。
and 、, a Japanese table and one of formulas, a wide and a tall figure, two sections, a
folded answer.
tests/handout/reading_phone.mjs measures the page (no execution is needed: the fixture's
output is an `output` fence).
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import subprocess
from pathlib import Path

import pytest

from lecturekit.deck import parse_deck
from lecturekit.handout.html import handout_html
from lecturekit.handout.notebook import deck_notebook

FIXTURE = Path(__file__).parent / "fixtures" / "phone.md"
MEASURE = Path(__file__).parent / "reading_phone.mjs"
PHONES = ("320", "330", "340", "360", "380", "390", "400", "414")
"""Several widths, so an inline formula ends a line at one of them (where a 。 would follow)."""


def reading_page(source: str, path: Path | str) -> str:
    deck = parse_deck(source, path)
    return handout_html(deck_notebook(deck), deck)


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> dict:
    page = tmp_path_factory.mktemp("phone") / "phone-handout.html"
    page.write_text(reading_page(FIXTURE.read_text(encoding="utf-8"), FIXTURE), encoding="utf-8")
    done = subprocess.run(["node", str(MEASURE), str(page), *PHONES, "1280"],
                          capture_output=True, text=True, timeout=120, check=True)
    return json.loads(done.stdout)


def test_on_phones_nothing_scrolls_sideways_body_is_16px_and_code_13px(measured: dict):
    for width in PHONES:
        facts = measured["widths"][width]
        assert facts["sideways"] == 0, width
        assert facts["bodyFont"] >= 16 and facts["prose"] >= 16, width
        assert facts["code"] >= 13, width
    assert measured["widths"]["1280"]["sideways"] == 0


def test_every_box_wider_than_the_screen_scrolls_inside_itself_and_shows_the_cue(measured: dict):
    kinds = {box["kind"] for box in measured["widths"]["390"]["boxes"]}
    assert kinds == {"table", "mjx-container"}   # the Japanese table, the far too wide formula
    # (code and outputs wrap instead: below)
    for width, facts in measured["widths"].items():
        bare = [box for box in facts["boxes"] if not (box["scrolls"] and box["cue"])]
        assert bare == [], width


def test_scroll_cue_is_drawn_at_an_edge_only_while_there_is_more_beyond_it(measured: dict):
    """Pixels at 390 px, text hidden: a shadow darkens the right edge of a wide formula until it
    is scrolled to its end, and the left edge once it is scrolled.  (No code box or output is
    wider than its box on a phone: their lines wrap.)"""
    drawn = measured["drawn"]
    assert set(drawn) == {"math"}
    for kind, edges in drawn.items():
        assert edges["rightAtStart"] < edges["rightAtEnd"] - 20, kind
        assert edges["leftAtEnd"] < edges["leftAtStart"] - 20, kind
        assert abs(edges["leftAtStart"] - edges["rightAtEnd"]) < 3, kind   # no cue: plain box


def test_no_line_starts_with_a_stop_or_a_closing_bracket(measured: dict):
    for width, facts in measured["widths"].items():
        assert facts["lineStarts"] == [], width
        assert (facts["lang"], facts["lineBreak"], facts["wordBreak"]) == (
            "ja", "strict", "auto-phrase"), width


def test_inline_formula_and_the_stop_after_it_are_one_unbreakable_piece():
    page = reading_page("# a\n\n値は $x_1$。次に（$y$）と $z$ です\n", "glue.md")
    assert re.search(r'<span class="lk-nobr"><mjx-container[^>]*>.*?</mjx-container>。</span>',
                     page, re.S)
    assert re.search(r'<span class="lk-nobr">（<mjx-container[^>]*>.*?</mjx-container>）</span>',
                     page, re.S)
    assert page.count('class="lk-nobr"') == 2   # `$z$ です`: nothing to glue


def test_a_hyphenated_word_is_one_piece_in_prose_but_code_and_addresses_are_untouched():
    """Chromium breaks after a hyphen: 「（in-/place）」 on a phone.  Prose keeps such a word
    whole; inline code, code blocks and a link's address keep their text as written; an
    address shown as text may break after each slash (`…/stable/` + `autograd.html`)."""
    page = reading_page("# a\n\n末尾の `add_` は（in-place）の印、"
                        "[how-to](https://docs.example.org/how-to/x-y.html) と `a-b`\n"
                        "<https://pytorch.org/docs/stable/autograd.html>\n\n"
                        "```text\nstate-of-the-art\n```\n", "hyphen.md")
    assert '（<span class="lk-nobr">in-place</span>）' in page
    assert ('<a href="https://docs.example.org/how-to/x-y.html">'
            '<span class="lk-nobr">how-to</span></a>') in page
    assert "<code>a-b</code>" in page and page.count('class="lk-nobr"') == 2
    assert ('<a href="https://pytorch.org/docs/stable/autograd.html">https://pytorch.org/<wbr>'
            'docs/<wbr>stable/<wbr>autograd.html</a>') in page


def test_formula_in_a_title_bar_flows_with_its_words_on_phones(measured: dict):
    """The theme's title bar is a flex row, which set a formula apart at the right edge."""
    for width in (*PHONES, "1280"):
        gaps = [math["gap"] for math in measured["widths"][width]["headerMath"]]
        assert gaps and all(abs(gap) < 8 for gap in gaps), (width, gaps)


def test_way_back_to_the_contents_is_at_hand_on_every_screen_and_never_covers_the_text(
        measured: dict):
    """Desktop: a button in the margin beside the slides, covering nothing in its column.
    Phones: a slim opaque bar across the screen's top (the title and 「↑ 目次」), hidden while
    the contents are in view (the page's top) and shown once they have scrolled away; the
    page scrolls under it, so it covers no text, code or output box in view (what is under
    it is out of view, as above the screen's edge), and a jump to a slide lands below it."""
    for width, facts in measured["widths"].items():
        assert facts["backLinks"] == 2, width   # after each of the fixture's two sections
        assert facts["atEnd"]["covering"] == [], width
        assert facts["covering"] == [], width
    for width in PHONES:
        facts = measured["widths"][width]
        assert facts["fixed"] == [] and facts["bars"] == [], width
        for at in ("midway", "atEnd"):
            assert facts[at]["fixed"] == ["↑ 目次 電話で読むテスト"], (width, at)
            assert facts[at]["covering"] == [], (width, at)
            [bar] = facts[at]["bars"]
            assert bar["top"] == 0 and bar["width"] == int(width) and bar["opaque"], (width, bar)
            assert bar["bottom"] <= 40, (width, bar)
            assert facts["jump"] >= bar["bottom"], (width, facts["jump"], bar)
    desk = measured["widths"]["1280"]
    assert desk["fixed"] == ["↑ 目次"] and desk["atEnd"]["fixed"] == ["↑ 目次"]
    assert desk["inColumn"] == [] and desk["atEnd"]["bars"] == []


def test_nothing_is_cut_off_every_box_wider_than_itself_scrolls(measured: dict):
    """Code, display formulas and figures: what does not fit its box is reached by scrolling
    the box, either way; nothing is clipped."""
    for width, facts in measured["widths"].items():
        assert facts["cutOff"] == [], width


def test_figures_fit_the_screen_whole_and_open_full_size_when_tapped(measured: dict):
    """On a phone every figure is drawn whole, within the screen and its box (nothing to
    scroll sideways); the wide one (w:900, 600 pt, 12 pt lettering) is narrower than its
    lettering reads, so the hint says to tap it open at full size; the tall one (150 x 480 pt)
    is held to half the screen's height, centred.  On a desktop both fit, with no hint."""
    for width in PHONES:
        wide, tall, _ = measured["widths"][width]["figures"]
        assert wide["opens"] and tall["opens"], width
        assert wide["whole"] and tall["whole"], (width, wide, tall)
        assert wide["width"] > int(width) - 60, (width, wide)   # across the screen
        assert wide["hint"] > 15 and wide["hintText"] == "タップで拡大", (width, wide)
        assert tall["height"] <= tall["vh"] / 2 + 1, (width, tall)
        assert tall["width"] < int(width) / 2, (width, tall)
    wide, tall, flow = measured["widths"]["1280"]["figures"]
    for desk in (wide, tall, flow):
        assert desk["opens"] and desk["whole"], desk
    # both figures are drawn narrower than their own size on the zoomed slide: a visible hint
    for desk in (wide, tall):
        assert desk["hint"] > 15 and desk["hintText"] == "クリックで拡大", desk


def test_contents_name_the_front_matter_not_after_the_title_slide(measured: dict):
    toc = measured["widths"]["390"]["toc"]
    assert toc == ["はじめに", "1. 長いもの"]
    assert "電話で読むテスト用デッキ" not in toc


def front_group(page: str) -> str:
    toc = page.split('<nav class="lk-toc"', 1)[1]
    return re.search(r'<summary><a href="#slide-\d+">([^<]*)</a>', toc)[1]


def test_front_matter_is_named_in_the_decks_language_or_by_its_own_section_tag():
    deck = ("---\nmarp: true\nlang: {lang}\n---\n\n<!-- _class: lead -->\n\n# The lecture\n\n"
            "---\n\n<!-- _header: Goals -->\n\n{tag}text\n\n---\n\n<!-- _class: lead -->\n\n"
            "# 1. First\n\n---\n\n<!-- _header: One -->\n\nA\n")
    assert front_group(reading_page(deck.format(lang="en", tag=""), "en.md")) == "Introduction"
    assert front_group(reading_page(deck.format(lang="ja", tag=""), "ja.md")) == "はじめに"
    tagged = deck.format(lang="en", tag='<div class="section">Warm-up</div>\n\n')
    assert front_group(reading_page(tagged, "tag.md")) == "Warm-up"


def test_checked_values_and_comments_in_code_read_without_scrolling_the_code_sideways(
        measured: dict):
    """`x + 2  # -> tensor(4., ...)` keeps its comment in the code (the value exists only
    there); on a phone the comment is set under its line, wrapped inside the code box, so
    the value is on screen while the long code line itself scrolls.  A comment after code
    (`return ...  # 前回と同じ関数`) that would run past the box's edge goes under its line
    the same way."""
    for width in PHONES:
        checks = measured["widths"][width]["checks"]
        assert [c["kind"] for c in checks] == ["trail", "check", "check", "check", "trail"], width
        assert [c["text"] for c in checks if not c["inside"]] == [], width
    assert len(measured["widths"]["1280"]["checks"]) == 5


def test_table_cells_wrap_between_words_never_inside_an_english_word(measured: dict):
    """Cells wrap as the prose does (Japanese by phrase); a table that cannot fit then scrolls
    inside its box with the cue, rather than splitting `differentiation` letter by letter."""
    for width in (*PHONES, "1280"):
        assert measured["widths"][width]["splitWords"] == [], width


def test_a_display_formula_that_fits_when_shrunk_to_six_tenths_fits_without_scrolling(
        measured: dict):
    """The two-line ŷ formula (about 1.5 times the width of a 390 px column) is shrunk to the
    column: no scrolling, nothing past the column's edge; the one far too wide still scrolls
    in its own box, with the cue (the test above)."""
    for width in ("390", "400", "414"):
        maths = measured["widths"][width]["displayMath"]
        fitting = [m for m in maths if m["fits"]]
        assert len(fitting) == len(maths) - 1, (width, maths)   # all but the far too wide one
        assert all(m["within"] for m in fitting), (width, maths)
    wide = measured["widths"]["1280"]["displayMath"]
    assert len([m for m in wide if m["fits"]]) == len(wide) - 1, wide


def test_side_by_side_formulas_stand_one_under_the_other_on_phones_at_full_size(
        measured: dict):
    """The def box's two formulas (\\qquad between them) are too wide for a phone's column:
    phones show them as two lines, unshrunk; wider screens show them side by side."""
    for width in PHONES:
        lines = [m for m in measured["widths"][width]["displayMath"] if m["lines"]]
        assert len(lines) == 1, width
        assert lines[0]["fits"] and lines[0]["drawn"] >= lines[0]["natural"] - 0.5, width
    assert [m for m in measured["widths"]["1280"]["displayMath"] if m["lines"]] == []


def test_code_wraps_on_phones_never_scrolls_and_copies_as_written(measured: dict):
    """No code box scrolls sideways on a phone: a long line wraps, its continuation hanging
    further in; what a reader copies is the code, with no character added or lost."""
    long_line = ("very_long_name = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "
                 "requires_grad=True)  # 長い行\nprint(very_long_name)")
    for width in PHONES:
        code = measured["widths"][width]["codeBoxes"]
        assert [c["copied"][:30] for c in code if c["scrolls"]] == [], width
        assert [c["copied"] for c in code if c["copied"] != c["text"]] == [], width
        assert code[0]["copied"] == long_line, width


def test_section_tag_sits_in_the_title_bar_on_phones_not_on_a_line_of_its_own(measured: dict):
    """Under a title bar, the tag's own line is gone on phones: its copy ends the title's line
    (short titles: on the same line), and on a desktop the theme's tag shows, not the copy."""
    for width in PHONES:
        chips = measured["widths"][width]["chips"]
        assert chips and all(c["inBar"] and not c["tagShown"] for c in chips), (width, chips)
        assert any(c["sameLine"] for c in chips), (width, chips)   # 「式と句読点」 and its tag
    for chip in measured["widths"]["1280"]["chips"]:
        assert not chip["shown"] and chip["tagShown"], chip


def test_a_figure_with_a_narrow_variant_is_drawn_from_it_on_phones_and_only_there(
        measured: dict):
    """`img/flow.narrow.svg` beside `img/flow.svg`: phones draw the narrow variant (a
    `<picture>` source for narrow screens), a desktop the figure itself; figures without
    one (the wide and the tall graph) are plain images everywhere."""
    for width in PHONES:
        wide, tall, flow = measured["widths"][width]["figures"]
        assert flow["narrowVariant"] and flow["whole"], (width, flow)
        assert not wide["narrowVariant"] and not tall["narrowVariant"], width
    for figure in measured["widths"]["1280"]["figures"]:
        assert not figure["narrowVariant"], figure


def test_only_a_figure_with_a_narrow_variant_beside_it_gets_a_picture_element():
    page = reading_page(FIXTURE.read_text(encoding="utf-8"), FIXTURE)
    pictures = re.findall(r"<picture>(.*?)</picture>", page, re.S)
    assert len(pictures) == 1 and page.count("<source ") == 1
    source = re.match(r'<source media="\(max-width: 760px\)" srcset="data:image/svg\+xml;base64,'
                      r'([^"]+)"><img alt="x から y への流れ', pictures[0])
    assert source, pictures[0][:200]
    assert "縦の流れ" in base64.b64decode(source[1]).decode("utf-8")


def test_code_wraps_only_between_tokens_never_inside_a_name_or_number(measured: dict):
    """`1e-3`, `v.grad`, `torch.float64`, `torch.exp(-x)` stay whole: a long code or output
    line breaks at a space, after `(`, `[`, `{`, `,` or before the `.` of a method called on a
    call's result (a `<wbr>`, which copies as nothing), at every width."""
    for width in (*PHONES, "1280"):
        facts = measured["widths"][width]
        assert facts["tokenBreaks"] == [], width
    assert all(measured["widths"][w]["wraps"] >= 5 for w in PHONES)   # the lines did wrap
    assert measured["widths"]["1280"]["wraps"] >= 1


def test_wrapped_code_hangs_its_continuation_on_desktops_too(measured: dict):
    """On a 1280 px screen a code line too long for its box wraps with the phones' hanging
    indent (4 ch past the line's own start), never back at column 0."""
    hangs = measured["widths"]["1280"]["hangs"]
    assert hangs and all(h >= 4 for h in hangs), hangs


def test_code_is_drawn_at_one_size_whatever_the_slides_big_code_class(measured: dict):
    """The fixture's `big-code` slide and the code in its smaller-lettered hint box: the
    projector's sizes mean nothing on the page, all code is one size."""
    for width in (*PHONES, "1280"):
        assert len(measured["widths"][width]["codeSizes"]) == 1, (
            width, measured["widths"][width]["codeSizes"])


def test_a_wide_screen_draws_the_slides_larger_than_a_narrow_desktop(measured: dict):
    """At 1280 px the slides are zoomed to 0.75 rather than 0.6, so a figure's lettering is
    larger (the measure in characters stays the slide's): the w:900 figure is 675 px wide."""
    wide = measured["widths"]["1280"]["figures"][0]
    assert abs(wide["width"] - 900 * 0.75) < 2, wide


def test_contents_list_a_sections_slides_unnumbered(measured: dict):
    """The section titles carry numbers (「1. 長いもの」); their slides are a plain list."""
    for width in ("390", "1280"):
        assert measured["widths"][width]["tocMarkers"] == ["disc"], width


def test_every_formula_is_named_by_its_tex():
    page = reading_page("# a\n\n値は $x_1$ と\n\n$$\n\\frac{\\partial z}{\\partial u} = 2u\n$$\n",
                        "names.md")
    svgs = re.findall(r'<svg\b[^>]*\brole="img"[^>]*>', page)
    assert len(svgs) == 2
    labels = [re.search(r'aria-label="([^"]*)"', svg)[1] for svg in svgs]
    assert labels == ["x_1", "\\frac{\\partial z}{\\partial u} = 2u"]


_OPERATOR_END = re.compile(r"(?:^|\s)(?:[-+*/%@<>|&^]|\*\*|//|==|!=|<=|>=|and|or|not|is|if|else"
                           r"|return)$")
_STARTS_AFTER_A_FIT_BREAK = re.compile(
    r"(?:[-+*/%@<>|&^=!]+|and|or|not|is|in|if|else|for)\s|[#.]")


def test_code_breaks_after_commas_and_brackets_and_before_operators_never_after_a_dot(
        measured: dict):
    """Where the fixture's long code lines break on a phone, drawn line by line: after `, `
    or `(`, before a binary operator, `if`/`else`/`for` or a trailing comment, after the `=`
    of an assignment or the `in` of a `for` clause, before the `.` of a method on a call's
    result, never after an operator or a keyword (`*`, `<`, `return`), nor inside a dotted
    name (`torch.`/`float64`, `v.creator.`/`inputs`: the old breaks)."""
    for width in PHONES:
        code = [w for w in measured["widths"][width]["wrapped"] if not w["output"]]
        assert len(code) >= 10, width
        for wrapped in code:
            for before, after in itertools.pairwise(wrapped["drawn"]):
                if "#" in before:
                    continue   # a comment is prose: it breaks at its spaces
                where = (width, before, after)
                assert not before.endswith("."), where
                assert not _OPERATOR_END.search(before), where
                assert (before[-1] in ",([{=" or before.endswith(" in")
                        or _STARTS_AFTER_A_FIT_BREAK.match(after)), where
        drawn = {w["line"]: w["drawn"] for w in code}
        for line, name in (("x = torch.tensor(3.0, dtype", "dtype=torch.float64,"),
                           ("for x, g in zip(v.creator.inputs", "v.creator.inputs,")):
            [lines] = [d for text, d in drawn.items() if text.startswith(line)]
            assert any(name in part for part in lines), (width, lines)
    at_390 = {w["line"][:12]: w["drawn"] for w in measured["widths"]["390"]["wrapped"]}
    assert at_390["return -1 / "][:2] == ["return -1 / (x**2 + 1)", "* torch.log(1 / (1"]
    assert at_390["print(torch."] == ["print(torch.tensor([[1, 2], [3, 4]])", ".ndim)"]
    assert at_390["y = f(x) if "] == ["y = f(x) if random.random() < 0.5", "else g(x)"]
    assert at_390["for x, g in "] == ["for x, g in zip(", "v.creator.inputs, grads):"]


def test_no_output_scrolls_on_a_phone_its_lines_wrap_like_code(measured: dict):
    """A long output line wraps as code does (same break points, continuation hung further in
    than the line starts); a printed matrix keeps its rows, each wrapped on its own."""
    for width in PHONES:
        outputs = measured["widths"][width]["outputs"]
        assert len(outputs) == 2, width
        assert [o["text"] for o in outputs if o["scrolls"]] == [], width
        matrix = [w["drawn"] for w in measured["widths"][width]["wrapped"]
                  if w["output"] and w["line"].startswith("[4., 5., 6.]]")]
        if int(width) <= 400:   # at 414 px the row fits
            assert matrix == [["[4., 5., 6.]],", "requires_grad=True)"]], width


def test_a_table_of_formulas_fits_a_phone_its_cells_side_padding_kept_small(measured: dict):
    """The lecture's table of partial derivatives (a formula per cell, which cannot wrap)
    scrolled for 5 px of the cells' padding at 390 px; it fits from there up."""
    for width in ("390", "400", "414"):
        [table] = [t for t in measured["widths"][width]["tables"] if t["head"] == "演算"]
        assert not table["scrolls"], width


def test_an_opened_figure_fills_the_screen_where_it_reads_else_scrolls_saying_so(
        measured: dict):
    """Tapped open, a figure fills the screen's width where its lettering reads at that width
    (the tall graph at 390 px; the wide one, w:900 with its lettering readable from 600 px,
    at 700 px); on a narrower screen the wide one opens at its slide size, 900 px, scrolling
    sideways, and a line in view says so.  A desktop opens both at their slide size."""
    pad = 24   # the figure's own padding, either side
    wide, tall = measured["opened"]["390"]
    assert wide["width"] - pad == 900 and wide["scrolls"], wide
    assert wide["cue"] == "← 横にスクロールできます →" and wide["cueClear"], wide
    assert tall["width"] == 390 - pad and not tall["scrolls"] and not tall["cue"], tall
    for figure in measured["opened"]["700"]:
        assert figure["width"] == 700 - pad and not figure["scrolls"], figure
        assert not figure["cue"], figure
    wide, tall = measured["opened"]["1280"]
    assert wide["width"] - pad == 900 and tall["width"] - pad == 200, (wide, tall)
    assert not wide["scrolls"] and not wide["cue"] and not tall["cue"], (wide, tall)


def test_a_contents_link_to_a_folded_answer_opens_it(measured: dict):
    """The contents list 「演習1 解答 (1)」; following it, from a page whose answers are all
    closed, opens the answer (its section, the link's target, is inside the `<details>`) and
    brings it into view."""
    fold = measured["fold"]
    assert fold["link"] == "演習1 解答 (1)" and fold["closedBefore"], fold
    assert fold["open"] and fold["target"] and fold["scrolled"] and fold["inView"], fold

