"""dist/X.ipynb: a markdown cell per handout slide, code cells in order, executed outputs."""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat
import pytest

from lecturekit.check import run_deck
from lecturekit.deck import read_deck
from lecturekit.handout.build import Built
from lecturekit.handout.cells import RAISES, SKIP
from lecturekit.handout.execute import execute_notebook
from lecturekit.handout.notebook import ANSWER, SETUP, SLIDES_ONLY, deck_notebook, in_handout
from lecturekit.handout.outputs import block_cells, block_stdout

MINI = Path(__file__).parent / "fixtures" / "mini.md"
LECTURE = Path(__file__).parents[2] / "slides" / "03-autodiff.md"


@pytest.fixture(scope="module")
def notebook(built: Built) -> nbformat.NotebookNode:
    return nbformat.read(str(built.artefacts.notebook), as_version=4)


def tags(cell) -> list[str]:
    return cell.metadata.get("tags", [])


def test_notebook_is_valid_v4_with_a_python3_kernelspec(notebook):
    nbformat.validate(notebook)
    assert notebook.nbformat == 4
    assert notebook.metadata.kernelspec.name == "python3"


def test_markdown_cells_per_handout_slide_in_order_and_slides_only_slides_left_out(notebook):
    deck = read_deck(MINI)
    shown = [s.number for s in deck.slides if in_handout(s)]
    markdown = [c for c in notebook.cells if c.cell_type == "markdown" and "lecturekit" in
                c.metadata]
    slides = [c.metadata.lecturekit.slide for c in markdown]
    assert list(dict.fromkeys(slides)) == shown and slides == sorted(slides)
    assert len(shown) == len(deck.slides) - 1
    assert not any("スライドだけ" in c.source for c in markdown)
    assert any("配布資料にだけ載る補足です。" in c.source for c in markdown)


def test_setup_cell_comes_first_hidden_and_seeds_like_the_checker(notebook):
    setup = notebook.cells[1]
    assert tags(setup) == [SETUP]
    assert setup.metadata.jupyter.source_hidden
    assert "manual_seed" in setup.source and "import torch" in setup.source


def test_code_cells_follow_the_deck_order_with_transcripts_converted(notebook):
    code = [c for c in notebook.cells if c.cell_type == "code" and SETUP not in tags(c)]
    fences = [c.metadata.lecturekit.fence for c in code]
    assert fences == sorted(fences)
    assert {f.line for f in read_deck(MINI).code_blocks} == set(fences)
    assert not any(">>>" in c.source for c in code)
    transcript = [c for c in code if c.metadata.lecturekit.fence == 62]
    assert [transcript[0].source, transcript[2].source] == [
        "z = torch.tensor([1.0, 2.0])\nz * 2", "print(z.sum())"]
    # the written notebook needs no magic: an error demo is try/except printing the error
    assert transcript[1].source.split("\n")[1:] == [
        "import traceback", "", "try:", "    torch.tensor(3, requires_grad=True)",
        "except Exception:", "    traceback.print_exc()  # エラーの内容（Traceback）を表示して、"
        "次のセルへ進みます"]
    assert transcript[1].source.startswith("# エラーになるのが正しいセルです（")
    assert "cellView" not in transcript[1].metadata   # shown, not a folded form
    assert RAISES in tags(transcript[1])


def test_run_all_goes_past_a_cell_that_raises_on_purpose_even_where_tags_are_ignored(
        notebook):
    """Colab's "Run all" ignores the `raises-exception` tag and stops at the first error; a
    cell raising on purpose catches it and prints its traceback, so the rest runs (and the
    stored traceback is what it prints, trimmed: `published.trimmed`)."""
    import re

    from nbclient import NotebookClient

    from lecturekit.handout.execute import KERNEL, venv_kernel
    from lecturekit.handout.published import trimmed

    plain = copy.deepcopy(notebook)
    for cell in plain.cells:
        if RAISES in tags(cell):
            cell.metadata.tags.remove(RAISES)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    with venv_kernel() as km:  # allow_errors=False: the first raising cell would stop it
        NotebookClient(plain, km=km, kernel_name=KERNEL, timeout=120).execute()
    def printed(nb):
        return [re.sub(r"In\[\d+\]", "In[?]", o.text) for c in nb.cells
                if c.cell_type == "code" for o in c.get("outputs", [])
                if o.output_type == "stream" and o.name == "stderr"]

    assert not [o for c in plain.cells for o in c.get("outputs", [])
                if o.output_type == "error"]
    assert printed(notebook) and [trimmed(t) for t in printed(plain)] == printed(notebook)
    last = [c for c in plain.cells if c.cell_type == "code"][-1]
    assert last.execution_count is not None  # the run reached the end


def test_outputs_are_saved_and_skipped_blocks_have_none(notebook):
    by_fence = {c.metadata.lecturekit.fence: c for c in notebook.cells
                if c.cell_type == "code" and "fence" in c.metadata.lecturekit}
    assert by_fence[40].outputs[0].text == "tensor(8.)\n"
    assert by_fence[74].outputs == [] and SKIP in tags(by_fence[74])
    assert SLIDES_ONLY in tags(by_fence[84]) and by_fence[84].metadata.jupyter.source_hidden


def test_images_are_embedded_as_data_uris_not_attachments(notebook):
    """Colab shows no cell attachment; a data URI shows in every viewer."""
    figure = next(c for c in notebook.cells if "](data:image/png;base64," in c.source)
    assert not figure.get("attachments") and "attachment:" not in figure.source


def test_progress_lines_name_the_deck_and_the_cell_count(built: Built, notebook):
    runnable = [c for c in notebook.cells if c.cell_type == "code"
                and (SKIP not in tags(c) or "skip_if" in c.metadata.lecturekit)]
    log = (built.artefacts.notebook.parent / "built.txt").read_text()
    assert f"[handout] mini: executing {len(runnable)} cells…" in log
    assert "[handout] mini: placing the slide pages on the 2-up PDF…" in log


@pytest.mark.parametrize("deck_path", [MINI, LECTURE], ids=["fixture", "lecture"])
def test_notebook_outputs_equal_what_the_checker_saw(deck_path):
    if not deck_path.exists():
        pytest.skip(f"{deck_path} is not written yet")
    deck = read_deck(deck_path)
    nb = execute_notebook(deck_notebook(deck), deck.path, deck.path.parent)
    results = run_deck(deck)
    assert [r.fence.line for r in results] == [f.line for f in deck.code_blocks]
    compared = 0
    for result in results:
        if result.outcome == "skipped":
            assert all(not c.outputs for c in block_cells(nb, result.fence.line))
            continue
        assert result.outcome == "passed", result.message
        seen = block_stdout(block_cells(nb, result.fence.line), result.fence.is_transcript)
        assert seen == result.stdout, f"{deck.path}:{result.fence.line}"
        compared += bool(result.stdout)
    assert compared >= 5


def test_importorskip_and_skip_if_are_decided_as_the_checker_decides_them(notebook):
    by_fence = {c.metadata.lecturekit.fence: c for c in notebook.cells
                if c.cell_type == "code" and "fence" in c.metadata.lecturekit}
    missing_module, true_condition, false_condition = by_fence[128], by_fence[132], by_fence[136]
    assert SKIP in tags(missing_module) and missing_module.outputs == []
    assert SKIP in tags(true_condition) and true_condition.outputs == []
    assert SKIP not in tags(false_condition)
    assert false_condition.outputs[0].text == "tensor(2.)\n"


def test_no_student_file_holds_the_instructor_note(built: Built):
    note = "時間が押していたらこのスライドは飛ばす"   # the fixture deck's `講師:` note
    for path in built.artefacts.in_publish_order():
        if path.suffix == ".pdf":
            continue   # read as text by tests/handout/test_nup.py
        text = path.read_text(encoding="utf-8")
        assert note not in text and "講師" not in text, path.name


def test_hidden_cells_are_folded_in_jupyterlab_and_colab_alike(notebook):
    hidden = [c for c in notebook.cells if c.metadata.get("jupyter", {}).get("source_hidden")]
    assert {SETUP, SLIDES_ONLY, ANSWER} <= {t for c in hidden for t in tags(c)} <= {
        SETUP, SLIDES_ONLY, ANSWER, RAISES}
    for cell in hidden:
        head = cell.source.split("\n")[:2]  # a cell magic stays first, the title under it
        assert cell.metadata.cellView == "form" and (
            head[0].startswith("#@title ") or head[0].startswith("%%")
            and head[1].startswith("#@title ")), head


def test_only_cells_expected_to_raise_show_an_error(notebook):
    errors = [c.id for c in notebook.cells if c.cell_type == "code"
              and any(o.get("name") == "stderr" and o.text.startswith("Traceback")
                      for o in c.get("outputs", []))]
    assert errors and all(RAISES in tags(c) for c in notebook.cells if c.id in errors)
    assert not [c.id for c in notebook.cells if c.cell_type == "code"
                and any(o.output_type == "error" for o in c.get("outputs", []))]


def fence_after(deck_text: str, marker: str) -> int:
    """The deck line of the first fence after the line holding `marker`."""
    lines = deck_text.split("\n")
    start = next(n for n, line in enumerate(lines) if marker in line)
    return next(n for n, line in enumerate(lines[start:], start=start + 1)
                if line.startswith("```python"))


def test_every_checked_value_of_a_block_shows_as_an_output(notebook):
    """A notebook shows a cell's last value only: the block is cut after each checked value."""
    line = fence_after(MINI.read_text(encoding="utf-8"), "_header: 値を並べる")
    cells = [c for c in notebook.cells if c.cell_type == "code"
             and c.metadata.lecturekit.get("fence") == line]
    assert [c.source.split("\n")[-1] for c in cells] == ["a + 1", "a * 3", "a ** 2"]
    assert [[o.data["text/plain"] for o in c.outputs] for c in cells] == [
        ["tensor(3.)"], ["tensor(6.)"], ["tensor(4.)"]]


def test_prose_after_a_block_comes_after_its_cells(notebook):
    line = fence_after(MINI.read_text(encoding="utf-8"), "_header: 値を並べる")
    order = [("code" if c.cell_type == "code" else c.source.split("\n")[0])
             for c in notebook.cells
             if c.metadata.get("lecturekit", {}).get("fence") == line
             or "値を並べる" in c.source or "テンソルが返ります" in c.source]
    # level 1: the slides after the last one tagged like the first are back matter
    # (`render.outline.deck_bookmarks`, the PDFs' rule)
    assert order == ["# 値を並べる", "code", "code", "code", "テンソルが返ります（上の出力）。"]


def test_slides_only_words_stay_on_the_slides_and_handout_only_words_off_them(
        built: Built, notebook):
    slides = (built.artefacts.notebook.parent / "mini.html").read_text(encoding="utf-8")
    reading = built.artefacts.html.read_text(encoding="utf-8")
    prose = "".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    assert "右の表示と同じです。</span>" in slides and "（上の出力）" not in slides
    for student_file in (prose, reading):
        assert "右の" not in student_file and "（上の出力）" in student_file


def test_tracebacks_name_the_cell_by_its_own_execution_count(notebook):
    """An error demo's stored traceback names the cell by the number shown beside it
    (`In[n]` under `[n]`, after the counts were renumbered)."""
    import re

    shown = [(c.execution_count, o.text) for c in notebook.cells if c.cell_type == "code"
             for o in c.get("outputs", []) if o.get("name") == "stderr"]
    assert shown
    for count, text in shown:
        assert re.findall(r'File "In\[(\d+)\]"', text) == [str(count)], text


def test_the_magics_run_their_cell_on_an_ipython_without_compile_cache():
    """The numbering reaches into IPython's compiler; where it has no `cache`, the magic's
    cell still runs (unnumbered), and nothing is left patched."""
    from types import SimpleNamespace

    from lecturekit.handout.session import magics_source

    ran, magics = [], {}
    shell = SimpleNamespace(execution_count=5, compile=SimpleNamespace(), run_cell=ran.append,
                            register_magic_function=lambda f, kind, name: magics.update(
                                {name: f}))
    exec(magics_source("ja"), {"get_ipython": lambda: shell})
    magics["expect_error"]("", "1/0")
    assert ran == ["1/0"] and vars(shell.compile) == {}
    said = "# エラーの表示の「Cell In[n]」を、このセルの番号 [n] にそろえます"
    assert said in magics_source("ja")   # what it does, for the student who opens the cell
