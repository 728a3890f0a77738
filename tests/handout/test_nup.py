"""dist/X-handout.pdf: A4, N vector slide pages per sheet, student notes or ruled lines."""

from __future__ import annotations

import math
import os
import re
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from lecturekit.deck import DeckError, parse_deck, read_deck
from lecturekit.deck.variants import slides_kept
from lecturekit.handout.build import Built
from lecturekit.handout.errors import HandoutError
from lecturekit.handout.nup import (
    DEFAULT_NUP,
    MAX_NOTES,
    THEME_BODY_PX,
    THEME_CODE_PX,
    Layout,
    build_nup_pdf,
    frame_html,
    handout_outline,
    keep_together,
    printed_slides,
)
from lecturekit.handout.pages import (
    PAPER_CSS,
    _current_slide_pdf,
    handout_pages,
    handout_slides,
    paper_colours,
    patch_markdown,
    whiten_figures,
)

MINI = Path(__file__).parent / "fixtures" / "mini.md"
INSTRUCTOR_NOTE = "時間が押していたらこのスライドは飛ばす"   # `講師:` note of the fixture deck
PUBLIC_NOTE = "ここで黒板に接線を描く"

A4_POINTS = (595, 842)


def page_size(reader: PdfReader) -> tuple[int, int]:
    box = reader.pages[0].mediabox
    return round(float(box.width)), round(float(box.height))


def sheet_texts(pdf: Path) -> list[str]:
    """pdftotext of each sheet (poppler reads what a reader's search and copy would)."""
    count = len(PdfReader(pdf).pages)
    return [subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), str(pdf), "-"],
                           capture_output=True, text=True, check=True).stdout
            for n in range(1, count + 1)]


def test_handout_shows_handout_only_slides_and_leaves_out_slides_only_ones():
    deck = read_deck(MINI)
    titles = [s.title for s in handout_slides(deck)]
    assert "配布資料だけ" in titles and "スライドだけ" not in titles
    assert len(titles) == len(deck.slides) - 1


def test_two_up_is_the_default_because_only_it_prints_code_and_footnotes_at_8pt():
    """Body 32 px, code 26.2 px, footnotes and page numbers 20 px (the theme's smallest)."""
    two, three, four = Layout(2), Layout(3), Layout(4)
    assert DEFAULT_NUP == 2
    assert [round(two.printed_pt(px), 1) for px in (THEME_BODY_PX, THEME_CODE_PX, 20)] \
        == [12.9, 10.5, 8.1]
    assert [round(three.printed_pt(px), 1) for px in (THEME_BODY_PX, THEME_CODE_PX, 20)] \
        == [10.3, 8.3, 6.4]
    assert [round(four.printed_pt(px), 1) for px in (THEME_BODY_PX, THEME_CODE_PX, 20)] \
        == [8.1, 6.6, 5.1]


def theme_rule(css: str, selector: str) -> str:
    start = css.index(f"\n{selector} {{") + 1
    return css[start:css.index("\n}", start)]


def test_the_themes_own_body_and_code_sizes_print_at_least_8pt_at_two_up():
    css = (Path(__file__).parents[2] / "themes" / "honwaka.css").read_text(encoding="utf-8")
    body = float(re.search(r"font-size: ([\d.]+)px;", theme_rule(css, "section"))[1])
    code = body * float(re.search(r"\nsection pre \{[^}]*font-size: ([\d.]+)em;", css)[1])
    assert body == THEME_BODY_PX and round(code) >= THEME_CODE_PX
    assert Layout(2).printed_pt(body) >= 9 and Layout(2).printed_pt(code) >= 8


def test_a_divider_takes_half_a_row_with_its_notes_beside_it_and_text_still_8pt():
    deck = read_deck(MINI)
    slides = handout_slides(deck)
    printed = printed_slides(deck, slides, 2)
    lead, first = printed[0], printed[1]
    assert lead.compact and "lead" in lead.slide.classes and not first.compact
    assert lead.sheet == first.sheet == 0           # the title shares its sheet
    assert lead.frame.w <= 0.7 * first.frame.w and lead.notes.x > lead.frame.x + lead.frame.w
    assert first.frame.y >= lead.bottom and first.bottom <= A4_POINTS[1] * 25.4 / 72
    assert THEME_BODY_PX * lead.frame.w / 1280 / (25.4 / 72) >= 8
    assert max(p.sheet for p in printed) + 1 == 5    # title + first slide, then 7 slides


def test_printed_pdf_has_a_sheet_per_two_slides_dividers_counted_half(built: Built):
    reader = PdfReader(built.artefacts.pdf)
    deck = read_deck(MINI)
    sheets = max(p.sheet for p in printed_slides(deck, handout_slides(deck), 2)) + 1
    assert len(reader.pages) == sheets == built.pages
    assert page_size(reader) == A4_POINTS


def test_slide_text_and_code_are_selectable_text_on_the_sheet_of_their_slide(built: Built):
    sheets = sheet_texts(built.artefacts.pdf)
    deck = read_deck(MINI)
    for printed in printed_slides(deck, handout_slides(deck), 2):
        if printed.slide.header:
            assert printed.slide.header in sheets[printed.sheet], printed.slide.title
    everything = "".join(sheets)
    assert "x = torch.tensor(2.0, requires_grad=True)" in everything
    assert "配布資料にだけ載る補足です" in everything
    assert "hidden = torch.arange(3.0)" not in everything


def test_answers_print_after_every_other_slide_not_beside_their_task(built: Built):
    """On paper the answer slides come last (each with its slide number), so the sheet of
    an exercise never shows its answer."""
    sheets = sheet_texts(built.artefacts.pdf)
    task = next(n for n, text in enumerate(sheets) if "の微分係数を求めて表示しよう" in text)
    answer = next(n for n, text in enumerate(sheets) if "演習の答え" in text)
    later = next(n for n, text in enumerate(sheets) if "条件つきで飛ばす" in text)
    assert task < later <= answer == len(sheets) - 1
    assert "(a**3).backward()" not in sheets[task]


def links(pdf: Path) -> list[tuple[int, str, list[float]]]:
    """(0-based page, URI, rectangle) of each link annotation."""
    found = []
    for number, page in enumerate(PdfReader(pdf).pages):
        for ref in page.get("/Annots") or []:
            annot = ref.get_object()
            if annot.get("/Subtype") == "/Link" and "/A" in annot:
                found.append((number, str(annot["/A"].get_object().get("/URI")),
                              [float(v) for v in annot["/Rect"]]))
    return found


def test_every_link_of_the_slide_pdf_is_a_link_over_it_on_the_handout(built: Built):
    slides_pdf = built.artefacts.notebook.parent / "mini.pdf"
    source = links(slides_pdf)
    assert [uri for _, uri, _ in source] == ["https://pytorch.org/docs/stable/autograd.html"]
    deck = read_deck(MINI)
    printed = {p.slide.number: p for p in printed_slides(deck, handout_slides(deck), 2)}
    kept = [s.number for s in slides_kept(deck)]
    height = float(PdfReader(slides_pdf).pages[0].mediabox.height)
    width = float(PdfReader(slides_pdf).pages[0].mediabox.width)
    carried = links(built.artefacts.pdf)
    for page, uri, (x1, y1, x2, y2) in source:
        where = printed[kept[page]]
        mm = 25.4 / 72
        frame = where.frame
        scale = frame.w / mm / width
        expected = [frame.x / mm + x1 * scale, A4_POINTS[1] - (frame.y + frame.h) / mm + y1 * scale,
                    frame.x / mm + x2 * scale, A4_POINTS[1] - (frame.y + frame.h) / mm + y2 * scale]
        match = [rect for sheet, u, rect in carried if sheet == where.sheet and u == uri]
        assert len(match) == 1, (uri, carried)
        assert match[0] == pytest.approx(expected, abs=0.5)
        assert height * scale == pytest.approx(frame.h / mm, abs=0.5)


def test_a_bare_url_in_the_notes_prints_as_a_link_in_the_notes_box(built: Built):
    deck = read_deck(MINI)
    last = next(p for p in printed_slides(deck, handout_slides(deck), 2)
                if p.slide.header == "条件つきで飛ばす")
    url = "https://docs.pytest.org/en/stable/how-to/skipping.html"
    mm = 25.4 / 72
    rects = [rect for sheet, uri, rect in links(built.artefacts.pdf)
             if uri == url and sheet == last.sheet]
    assert rects, links(built.artefacts.pdf)
    x1, _, _, y2 = rects[0]
    assert last.notes.x / mm - 1 <= x1 and A4_POINTS[1] - y2 >= last.notes.y / mm - 1


def test_slide_pages_are_vector_pages_rendered_for_paper_not_rasterised(built: Built,
                                                                        build_log: str):
    reader = PdfReader(built.artefacts.pdf)
    images = [name for page in reader.pages for name in page.images]
    assert len(images) <= 2, images   # the one figure of the fixture deck, nothing else
    assert "rendering every handout slide for paper" in build_log
    slides_pdf = built.artefacts.notebook.parent / "mini.pdf"
    assert os.path.getsize(built.artefacts.pdf) < 3 * os.path.getsize(slides_pdf)


def sheet_pixels(pdf: Path, page: int, tmp: Path):
    """The sheet at 40 dpi as a PIL image (what a printer is asked to put on paper)."""
    from PIL import Image

    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", str(page), "-l", str(page),
                    "-singlefile", str(pdf), str(tmp / "sheet")], check=True)
    return Image.open(tmp / "sheet.png").convert("RGB")


def commonest(image, box_mm, dpi: int = 40) -> tuple[int, int, int]:
    px = dpi / 25.4
    x, y, w, h = (round(v * px) for v in box_mm)
    counts = image.crop((x, y, x + w, y + h)).getcolors(1 << 20)
    return max(counts)[1]


def test_printed_sheets_are_white_paper_with_white_title_bars_ink_friendly(
        built: Built, tmp_path: Path):
    """The theme's cream paper and solid teal title bars would print as a tint over every
    slide and a band of ink across each; on paper both are white (a thin rule stays)."""
    deck = read_deck(MINI)
    first = next(p for p in printed_slides(deck, handout_slides(deck), 2)
                 if p.slide.header and not p.compact)
    image = sheet_pixels(built.artefacts.pdf, first.sheet + 1, tmp_path)
    frame = first.frame
    bar = frame.h * 88 / 720                             # honwaka's --hw-bar on a 720 px slide
    for region in ((frame.x, frame.y, frame.w, frame.h),              # the whole slide
                   (frame.x, frame.y, frame.w, bar * 0.8),           # its title bar
                   (0, 0, 210, 297)):                                 # the whole sheet
        assert min(commonest(image, region)) >= 250, region


def test_slide_colours_reuse_the_published_slide_pdf_pages(built: Built, tmp_path: Path):
    """`--slide-colours`: the pages of the slide PDF, as projected, are placed unchanged."""
    slides_pdf = built.artefacts.notebook.parent / "mini.pdf"
    log: list[str] = []
    (tmp_path / "stage").mkdir()
    build_nup_pdf(read_deck(MINI), 2, tmp_path / "stage", tmp_path / "colours.pdf", slides_pdf,
                  log=log.append, paper=False)
    assert not any("rendering every handout slide" in line for line in log), log
    deck = read_deck(MINI)
    first = next(p for p in printed_slides(deck, handout_slides(deck), 2)
                 if p.slide.header and not p.compact)
    image = sheet_pixels(tmp_path / "colours.pdf", first.sheet + 1, tmp_path)
    assert min(commonest(image, (first.frame.x, first.frame.y, first.frame.w,
                                 first.frame.h))) < 250          # honwaka's cream paper


def test_each_slide_is_labelled_once_by_its_projected_number_in_every_nup(built: Built):
    """"スライド 12" beside each slide, the number the slide PDF (the projector) shows it
    with; the slide's own "n / total" pill is not printed, so no number appears twice."""
    deck = read_deck(MINI)
    kept = [s.number for s in slides_kept(deck)]
    for nup in (2, 3, 4):
        html = frame_html(deck, printed_slides(deck, handout_slides(deck), nup), nup)
        labels = re.findall(r'<div class="label">([^<]*)</div>', html)
        assert len(labels) == len(handout_slides(deck))
        assert sorted(x for x in labels if x.startswith("スライド ")) == sorted(
            f"スライド {kept.index(s.number) + 1}" for s in handout_slides(deck)
            if s.number in kept)
        assert labels.count("配布資料のみ") == len(
            [s for s in handout_slides(deck) if s.number not in kept]) >= 1
    text = "".join(sheet_texts(built.artefacts.pdf))
    assert "スライド 2" in text
    assert re.findall(r"\d+ / \d+(?! ページ)", text) == []


def test_three_up_prints_slides_a_quarter_larger_than_four_up_beside_a_column_of_lines():
    """3-up is not 4-up with more paper: its slides are as tall as a third of the sheet
    allows (145 mm wide against 115), their text 1.26 times as large, beside 11 lines."""
    three, four = Layout(3).cell(0, 16 / 9), Layout(4).cell(0, 16 / 9)
    assert three.frame.w == 145 and three.frame.w / four.frame.w > 1.25
    assert three.frame.y + three.frame.h <= three.bottom - 2       # it fits its row
    assert three.under is None and three.rules() == 11 and three.notes.w == 40
    assert Layout(2).cell(0, 16 / 9).rules() >= 4 and four.rules() >= 8
    deck = parse_deck("---\nmarp: true\n---\n\n# 一枚目\n\n---\n\n# 二枚目\n", "x.md")
    html = frame_html(deck, printed_slides(deck, deck.slides, 3), 3)
    memo = html.split('<div class="memo"')[1]
    assert html.count('<div class="rule">') - memo.count('<div class="rule">') == 2 * three.rules()
    assert 'class="lines under"' not in html


@pytest.mark.parametrize("nup", [2, 3, 4])
def test_every_layout_leaves_10mm_for_binder_holes_and_ends_every_line_at_the_slides_edge(
        nup: int):
    """Title rule, notes, ruled, cutting and memo lines start and end where the slide frames
    (or, beside them, the notes column) do, at least 10 mm from either edge of the sheet."""
    layout = Layout(nup)
    assert layout.left >= 10 and layout.right <= 200
    deck = parse_deck("---\nmarp: true\n---\n\n# 一\n\n<!-- メモ -->\n", "x.md")
    [first] = printed_slides(deck, deck.slides, nup)
    assert first.frame.x == layout.left and first.memo is not None
    ends = {round(first.notes.x + first.notes.w, 2), round(first.memo.x + first.memo.w, 2)}
    if nup == 2:
        ends.add(round(first.frame.x + first.frame.w, 2))
        assert first.notes.x == layout.left
    assert ends == {layout.right} and first.memo.x == layout.left
    html = frame_html(deck, [first], nup)
    width = round(layout.right - layout.left, 2)
    assert f'<header style="left:{layout.left}mm;top:7.0mm;width:{width}mm;' in html
    assert f';left:{layout.left}mm;width:{width}mm">' in html          # the cutting line
    lefts = {float(x) for x in re.findall(r"[\";]left:([\d.]+)mm", html)}
    assert min(lefts) == layout.left                  # nothing nearer the edge (was 7 mm)


def test_public_notes_are_printed_and_instructor_notes_are_not(built: Built):
    text = "".join(sheet_texts(built.artefacts.pdf))
    assert PUBLIC_NOTE in text
    assert INSTRUCTOR_NOTE not in text and "講師" not in text


def test_instructor_note_stays_in_the_slides_presenter_notes(built: Built):
    html = (built.artefacts.notebook.parent / "mini.html").read_text(encoding="utf-8")
    assert INSTRUCTOR_NOTE in html


def test_four_up_in_slide_colours_without_a_slide_pdf_renders_the_handout_variant(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    Path("stage").mkdir()
    log: list[str] = []
    pages = build_nup_pdf(read_deck(MINI), 4, Path("stage"), Path("four.pdf"),
                          tmp_path / "missing.pdf", log=log.append, paper=False)
    reader = PdfReader(tmp_path / "four.pdf")
    assert len(reader.pages) == pages == math.ceil(len(handout_slides(read_deck(MINI))) / 4)
    assert [uri for _, uri, _ in links(tmp_path / "four.pdf")].count(
        "https://pytorch.org/docs/stable/autograd.html") == 1
    assert page_size(reader) == A4_POINTS
    assert log == [f"no slide PDF at {tmp_path / 'missing.pdf'}: rendering every handout slide"]
    text = "".join(sheet_texts(tmp_path / "four.pdf"))
    assert "配布資料にだけ載る補足です" in text and INSTRUCTOR_NOTE not in text


def test_a_slide_pdf_older_than_the_deck_is_not_reused(tmp_path: Path):
    deck_path = tmp_path / "d.md"
    deck_path.write_text("---\nmarp: true\n---\n\n# 一枚目\n", encoding="utf-8")
    pdf = tmp_path / "d.pdf"
    pdf.write_bytes(b"%PDF-1.4 stale")
    os.utime(pdf, (1, 1))
    log: list[str] = []
    assert _current_slide_pdf(read_deck(deck_path), pdf, log.append) is None
    assert log == [f"{pdf} is older than the deck: rendering every handout slide"]


def test_patch_deck_renders_only_the_needed_slides_after_the_directives_before_them():
    deck = read_deck(MINI)
    only = [s for s in deck.slides if "handout-only" in s.classes]
    patch = patch_markdown(deck, only, hide_numbers=True)
    patched = parse_deck(patch.text, "patch.md")
    assert patch.text.count("\n") == deck.text.count("\n")
    assert patch.pages == {only[0].number: 1} and len(patched.slides) == 2
    blank, rendered = patched.slides
    assert blank.fences == []   # one blank page; its spot directives do not reach the next
    assert {c.text for c in blank.comments} >= {"_header: 定義と図", "_class: slides-only"}
    assert rendered.classes == ["handout-only"] and rendered.directives["paginate"] == "false"
    assert "配布資料にだけ載る補足です" in patch.text and "x = torch.tensor(2.0" not in patch.text
    assert "演習の答え" not in patch.text   # nothing after the last rendered slide


def test_patch_of_every_slide_is_the_deck_itself_with_its_page_numbers():
    deck = read_deck(MINI)
    patch = patch_markdown(deck, deck.slides)
    assert patch.text == deck.text
    assert patch.pages == {s.number: i for i, s in enumerate(deck.slides)}


def test_other_slide_counts_per_page_are_refused(tmp_path: Path):
    with pytest.raises(HandoutError, match="--nup must be one of 2, 3, 4, not 6"):
        build_nup_pdf(read_deck(MINI), 6, tmp_path, tmp_path / "x.pdf")


def test_notes_too_long_for_their_box_are_refused_at_their_line_not_cut_off():
    """3-up's notes column, beside its larger slides, holds the least; the message names a
    layout whose box holds them."""
    assert MAX_NOTES[3] < MAX_NOTES[2] == MAX_NOTES[4]
    notes = "話す内容。" * (MAX_NOTES[3] // 5 + 1)
    deck = parse_deck(f"---\nmarp: true\n---\n\n# 一枚目\n\n---\n\n<!-- _header: 長いノート -->\n"
                      f"\n<!-- {notes} -->\n", "long.md")
    with pytest.raises(DeckError) as info:
        printed_slides(deck, deck.slides, 3)
    assert str(info.value) == (
        f'long.md:11 (slide 2): presenter notes of "長いノート" are too long to print beside it '
        f"in the 3-up handout ({len(notes)} characters, at most {MAX_NOTES[3]}): shorten them "
        f"or use NUP=2")
    assert [p.slide.number for p in printed_slides(deck, deck.slides, 2)] == [1, 2]


def test_long_instructor_notes_do_not_count_against_the_printed_box():
    notes = "話す内容。" * (MAX_NOTES[2] // 5 + 1)
    deck = parse_deck(f"---\nmarp: true\n---\n\n# 一枚目\n\n<!-- 講師: {notes} -->\n", "x.md")
    (printed,) = printed_slides(deck, deck.slides, 2)
    assert printed.notes_html == ""


def test_a_lead_slide_with_code_or_an_image_keeps_a_full_row_so_its_code_prints_at_8pt(
        tmp_path: Path):
    deck_path = tmp_path / "lead.md"
    deck_path.write_text(
        "---\nmarp: true\n---\n\n<!-- _class: lead -->\n\n# 1. 区切り\n\n"
        "<!-- ノート：`コード` はノートの中なら関係ない -->\n\n---\n\n"
        "<!-- _class: lead -->\n\n# 唱えよう\n\n定義 → 計算 → `backward()`\n\n---\n\n"
        "<!-- _class: lead -->\n\n# 図\n\n![w:300](a.png)\n", encoding="utf-8")
    deck = read_deck(deck_path)
    printed = printed_slides(deck, handout_slides(deck), 2)
    assert [p.compact for p in printed] == [True, False, False]
    inline_code_px = 0.85 * THEME_BODY_PX
    assert Layout(2).printed_pt(inline_code_px) >= 8 > inline_code_px * printed[0].frame.w \
        / 1280 / (25.4 / 72)


def test_the_answers_are_headed_by_a_divider_printed_before_the_first_answer_slide(
        built: Built):
    deck = read_deck(MINI)
    printed = printed_slides(deck, handout_slides(deck), 2)
    first = next(i for i, p in enumerate(printed) if "answer" in p.slide.classes)
    assert [i for i, p in enumerate(printed) if p.heading] == [first]
    heading = printed[first].heading
    assert heading.title == "解答" and heading.bottom <= printed[first].frame.y
    sheets = sheet_texts(built.artefacts.pdf)
    text = sheets[printed[first].sheet]
    assert re.search(r"^解答$", text, re.M)
    assert text.index("演習の解答です") < text.index("演習の答え")
    assert all("演習の解答です" not in t for t in sheets[:printed[first].sheet])


@pytest.mark.parametrize("nup", [2, 3, 4])
def test_the_answers_start_a_sheet_of_their_own_so_they_can_be_printed_apart(nup: int):
    """The lecture's last slide leaves room for the answers heading, yet the heading opens
    the next sheet: the sheets before it hold no answer, the sheets from it nothing else."""
    deck = parse_deck("---\nmarp: true\n---\n\n<!-- _class: exercise -->\n"
                      "<!-- _header: 演習 -->\n\n1. やってみよう\n\n---\n\n"
                      "<!-- _class: answer -->\n"
                      "<!-- _header: 演習 解答 -->\n\n```python answer=1\nprint(1)  # -> 1\n```\n",
                      "x.md")
    task, answer = printed_slides(deck, deck.slides, nup)
    layout = Layout(nup)
    assert task.sheet == 0 and task.bottom <= layout.unit_top(2) + 0.01   # room below it
    assert answer.sheet == 1 and answer.heading.box.y == round(layout.unit_top(0) + 2, 2)
    assert task.xref == "解答は p.2" and answer.xref == "問題は p.1"
    assert task.memo is not None          # the room the answers left is memo lines


def test_english_decks_head_their_answers_in_english():
    deck = parse_deck("---\nmarp: true\nlang: en\n---\n\n<!-- _class: exercise -->\n"
                      "<!-- _header: Task -->\n\n1. do it\n\n---\n\n<!-- _class: answer -->\n"
                      "<!-- _header: Task answer -->\n\n```python answer=1\n"
                      "print(1)  # -> 1\n```\n", "x.md")
    task, answer = printed_slides(deck, deck.slides, 3)
    assert answer.heading.title == "Answers" and task.xref == f"Answers: p.{answer.sheet + 1}"


def test_each_exercise_names_the_handout_page_of_its_answers_beside_its_label(built: Built):
    deck = read_deck(MINI)
    printed = printed_slides(deck, handout_slides(deck), 2)
    task = next(p for p in printed if "exercise" in p.slide.classes)
    answer = next(p for p in printed if "answer" in p.slide.classes)
    assert task.xref == f"解答は p.{answer.sheet + 1}" and answer.sheet > task.sheet
    assert answer.xref == f"問題は p.{task.sheet + 1}"
    assert [p.xref for p in printed if p not in (task, answer)] == [""] * (len(printed) - 2)
    sheets = sheet_texts(built.artefacts.pdf)
    assert task.xref in sheets[task.sheet] and "演習の答え" in sheets[answer.sheet]
    assert f"{len(sheets)} / {len(sheets)} ページ" in sheets[answer.sheet]   # the folio agrees
    assert f"{answer.sheet + 1} / {len(sheets)} ページ" in sheets[answer.sheet]
    html = frame_html(deck, printed, 2)
    assert re.search(rf'<div class="label">{task.label}</div><a class="xref" '
                     rf'href="#slide-{answer.slide.number}">{task.xref}</a>', html)


def pdf_links(pdf: Path) -> list[tuple[int, int]]:
    """(sheet, sheet it jumps to) of every link to a place in the PDF itself, 0-based."""
    reader = PdfReader(pdf)
    links = []
    for number, page in enumerate(reader.pages):
        for ref in page.get("/Annots") or []:
            annot = ref.get_object()
            if "/Dest" in annot:
                target = reader.named_destinations[annot["/Dest"]]
                links.append((number, reader.get_destination_page_number(target)))
    return links


def test_answer_pages_beside_an_exercise_and_in_the_answers_index_are_links_there_and_back(
        built: Built):
    deck = read_deck(MINI)
    printed = printed_slides(deck, handout_slides(deck), 2)
    task = next(p for p in printed if "exercise" in p.slide.classes)
    answer = next(p for p in printed if "answer" in p.slide.classes)
    links = pdf_links(built.artefacts.pdf)
    assert (task.sheet, answer.sheet) in links          # "解答は p.N" jumps to the answer
    assert (answer.sheet, task.sheet) in links          # "問題は p.N" jumps back
    index = [link for link in links if link[0] == answer.sheet and link[1] == answer.sheet]
    assert index, "the answers heading lists the answer page as a link"
    assert set(links) <= {(task.sheet, answer.sheet), (answer.sheet, task.sheet),
                          (answer.sheet, answer.sheet)}


def test_a_sheet_whose_last_half_row_stays_empty_gets_memo_lines_there_not_a_blank_band():
    deck = parse_deck("---\nmarp: true\n---\n\n# 一\n\n本文\n\n---\n\n"
                      "<!-- _class: lead -->\n\n# 1. 区切り\n\n---\n\n# 二\n\n本文\n", "x.md")
    first, divider, second = printed_slides(deck, deck.slides, 2)
    assert divider.compact and second.sheet == divider.sheet + 1
    assert first.memo is None                                  # not the sheet's last slide
    memo = divider.memo
    layout = Layout(2)
    assert memo is not None and memo.y > divider.bottom
    assert memo.y + memo.h <= layout.unit_top(layout.units) - 1
    assert memo.h >= layout.unit_height - 5                  # the whole leftover half row
    html = frame_html(deck, [first, divider, second], 2)
    assert html.count('<div class="memo"') == 2 and ">メモ<" in html   # the last sheet's too


DIVIDED = """---
marp: true
---

<!-- _class: lead -->

# 講義

---

<!-- _header: 今日の内容 -->

---

<!-- _class: lead -->

# 1. 最初の節

---

<!-- _header: 節の中 -->

<div class="section">1. 最初の節</div>

---

<!-- _class: exercise -->
<!-- _header: 演習1 -->

<div class="section">1. 最初の節</div>

1. やってみよう

---

<!-- _class: answer -->
<!-- _header: 演習1 解答 -->

<div class="section">1. 最初の節</div>

```python answer=1
print(1)  # -> 1
```

---

<!-- _class: lead -->

# 2. 次の節

---

<!-- _header: 次の節の中 -->

<div class="section">2. 次の節</div>

---

<!-- _class: lead -->

# おつかれさまでした
"""


def outline_of(pdf: Path) -> list[tuple[str, int, list]]:
    reader = PdfReader(pdf)

    def walk(items) -> list:
        tree: list = []
        for item in items:
            if isinstance(item, list):
                tree[-1][2].extend(walk(item))
            else:
                tree.append((item.title, reader.get_destination_page_number(item), []))
        return tree

    return walk(reader.outline)


def test_the_outline_nests_like_the_slide_pdfs_with_the_answers_under_their_heading():
    deck = parse_deck(DIVIDED, "d.md")
    printed = printed_slides(deck, deck.slides, 2)
    tree = [(m.title, [c.title for c in m.children]) for m in handout_outline(printed)]
    assert tree == [("講義", ["今日の内容"]), ("1. 最初の節", ["節の中", "演習1"]),
                    ("2. 次の節", ["次の節の中"]), ("おつかれさまでした", []),
                    ("解答", ["演習1 解答"])]
    answer = printed[-1]
    heading = handout_outline(printed)[-1]
    assert (heading.sheet, heading.children[0].sheet) == (answer.sheet, answer.sheet)
    assert heading.top == answer.heading.box.y < heading.children[0].top == answer.frame.y


def test_the_handout_pdfs_outline_is_the_nested_outline_pointing_at_the_sheets(
        built: Built):
    deck = read_deck(MINI)
    printed = printed_slides(deck, handout_slides(deck), 2)

    def plain(marks) -> list:
        return [(m.title, m.sheet, plain(m.children)) for m in marks]

    expected = plain(handout_outline(printed))
    assert outline_of(built.artefacts.pdf) == expected
    assert expected[-1][:2] == ("解答", printed[-1].sheet)
    assert [c[0] for c in expected[-1][2]] == ["演習の答え"]
    assert expected[0][0] == "テスト用デッキ" and expected[0][2]   # the title's slides below it
    assert PdfReader(built.artefacts.pdf).trailer["/Root"]["/PageMode"] == "/UseOutlines"


def test_two_up_slides_are_centred_on_the_sheet_within_2pt(built: Built):
    """From the PDF: each slide's drawing (`cm` of its form) leaves equal margins."""
    for cell in (Layout(2).cell(u, 16 / 9) for u in (0, 2)):
        assert abs(cell.frame.x - (210 - cell.frame.x - cell.frame.w)) / (25.4 / 72) <= 2
    reader = PdfReader(built.artefacts.pdf)
    drawn = 0
    for page in reader.pages:
        form_widths = {name: float(x.get_object()["/BBox"][2])
                       for name, x in page["/Resources"]["/XObject"].items()
                       if name.startswith("/LkSlide")}
        for scale, left, name in re.findall(
                rb"q ([\d.]+) 0 0 [\d.]+ ([\d.]+) [\d.]+ cm (/LkSlide\d+) Do Q",
                b"".join(c.get_object().get_data() for c in page["/Contents"])):
            width = float(scale) * form_widths[name.decode()]
            if width > 400:   # a full-size slide, not a compact divider
                right = float(page.mediabox.width) - float(left) - width
                assert abs(float(left) - right) <= 2, (left, right)
                drawn += 1
    assert drawn >= 5


def test_every_slide_frame_is_a_closed_rule_drawn_over_its_slide(built: Built):
    """From the PDF: after each slide's drawing comes a stroked rectangle around exactly the
    box the slide was scaled into, so no part of the frame can hide under the slide's page."""
    reader = PdfReader(built.artefacts.pdf)
    framed = drawn = 0
    for page in reader.pages:
        forms = {name: [float(v) for v in x.get_object()["/BBox"]]
                 for name, x in page["/Resources"]["/XObject"].items()
                 if name.startswith("/LkSlide")}
        content = b"".join(c.get_object().get_data() for c in page["/Contents"])
        for scale, left, bottom, name, x, y, w, h in re.findall(
                rb"q ([\d.]+) 0 0 [\d.]+ ([\d.-]+) ([\d.-]+) cm (/LkSlide\d+) Do Q "
                rb"q [\d.]+ [\d.]+ [\d.]+ RG [\d.]+ w ([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+) re S Q",
                content):
            box = forms[name.decode()]
            assert abs(float(left) + box[0] * float(scale) - float(x)) < 0.1
            assert abs(float(bottom) + box[1] * float(scale) - float(y)) < 0.1
            assert abs((box[2] - box[0]) * float(scale) - float(w)) < 0.1
            assert abs((box[3] - box[1]) * float(scale) - float(h)) < 0.5
            framed += 1
        drawn += content.count(b" Do Q")
    assert framed == drawn >= 5


def test_short_formulas_and_code_in_notes_do_not_break_across_lines():
    html = keep_together("<p>底はおよそ h = 1e-8 付近。<code>x.grad</code> と "
                         '<a href="https://e.org/a-b">a - b</a> と $x^2 + 1$</p>')
    assert '<span class="nobr">h = 1e-8</span>' in html
    assert '<code class="nobr">x.grad</code>' in html
    assert '<span class="nobr">$x^2 + 1$</span>' in html
    assert '<a href="https://e.org/a-b">a - b</a>' in html
    long = "<p>" + " + ".join(["abc"] * 10) + "</p>"
    assert keep_together(long) == long


def test_on_paper_figures_drawn_on_the_themes_cream_are_drawn_on_white(tmp_path: Path):
    svg = tmp_path / "f.svg"
    svg.write_text('<svg><path style="fill: #fffcf6"/><path style="fill:rgb(100%,98.823529%,'
                   '96.470588%);stroke:#FFFCF6"/><path fill="#fffcf7"/></svg>', encoding="utf-8")
    png = tmp_path / "f.png"
    png.write_bytes(b"#fffcf6")
    deck = read_deck(MINI)
    assert paper_colours(deck, PAPER_CSS.read_text(encoding="utf-8")) == {"#fffcf6"}
    whiten_figures(deck, [svg, png], PAPER_CSS.read_text(encoding="utf-8"))
    assert svg.read_text(encoding="utf-8") == (
        '<svg><path style="fill: #ffffff"/><path style="fill:#ffffff;stroke:#ffffff"/>'
        '<path fill="#fffcf7"/></svg>')
    assert png.read_bytes() == b"#fffcf6"


def test_four_up_draws_compact_only_headings_so_no_text_prints_at_4pt():
    deck = parse_deck("---\nmarp: true\n---\n\n<!-- _class: lead -->\n\n# 講義\n\n## 副題\n\n"
                      "講師の名前\n\n---\n\n<!-- _class: lead -->\n\n# 1. 節\n\n---\n\n"
                      "<!-- _class: lead -->\n\n# 問題\n\n$$\nf(x) = x^2\n$$\n", "x.md")
    assert [p.compact for p in printed_slides(deck, deck.slides, 2)] == [True, True, False]
    four = printed_slides(deck, deck.slides, 4)
    assert [p.compact for p in four] == [False, True, False]
    assert four[0].frame.w == four[2].frame.w == Layout(4).slide_width
    assert Layout(4).slide_width / 106 > 1.08   # 4-up slides 8.5 % wider than before


def test_on_paper_section_tags_and_footnotes_print_at_least_6_5pt_even_at_four_up():
    """The theme sets them at 20 and 24 px (5.1 and 6.1 pt at 4-up); the paper stylesheet
    enlarges both, and keeps a title clear of the wider tag and the room above a footnote."""
    css = PAPER_CSS.read_text(encoding="utf-8")

    def size(selector: str) -> float:
        rule = re.search(rf"\n{re.escape(selector)} \{{([^}}]*)\}}", css)[1]
        return float(re.search(r"font-size: ([\d.]+)px", rule)[1])

    for selector in ("section > .section", "section > .cite"):
        assert Layout(4).printed_pt(size(selector)) >= 6.5, selector
    theme = (Path(__file__).parents[2] / "themes" / "honwaka.css").read_text(encoding="utf-8")
    assert size("section > .section") > float(re.search(
        r"font-size: ([\d.]+)px", theme_rule(theme, "section > .section"))[1])
    pad = re.search(r"section:has\(> \.section\) > header \{ padding-right: (\d+)px", css)
    assert int(pad[1]) > 340 and "section:has(> .cite) { padding-bottom: 128px; }" in css


LONG_HANDOUT_ONLY = """---
marp: true
theme: honwaka
---

# 表のスライド

本文

---

<!-- _class: handout-only -->

# 配布資料だけのスライド

""" + "".join(f"- 行 {n}\n" for n in range(1, 25))


@pytest.mark.parametrize("paper", [True, False])
def test_a_handout_only_slide_that_overflows_stops_the_handout_at_its_line(
        tmp_path: Path, paper: bool):
    """The slide build never renders a handout-only slide, so only the handout can see it
    stick out of its frame; printed, it would be cut off."""
    (tmp_path / ".git").mkdir()   # the deck's project root
    path = tmp_path / "long.md"
    path.write_text(LONG_HANDOUT_ONLY, encoding="utf-8")
    deck = read_deck(path)
    stage = tmp_path / "stage"
    stage.mkdir()
    with pytest.raises(HandoutError) as refused:
        handout_pages(deck, stage, slides_pdf=None, paper=paper)
    message = str(refused.value)
    assert re.fullmatch(rf'{re.escape(str(path))}:(\d+): slide 2 "配布資料だけのスライド" '
                        r"overflows its frame by \d+px at the bottom on the handout's pages "
                        r"\(a handout-only slide, which the slide build does not render\); "
                        r"shorten it", message), message
    line = int(message.split(":")[1])
    assert path.read_text(encoding="utf-8").splitlines()[line - 1].startswith("- 行 ")
