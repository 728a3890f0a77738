"""The notebook as written for students: error demos as plain try/except whose stored
traceback holds no build path nor library frames, execution counts without gaps, a setup
cell without magics that imports what the deck imports, and words true in every viewer."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from lecturekit.deck import read_deck
from lecturekit.handout.execute import KERNEL, execute_notebook, venv_kernel
from lecturekit.handout.notebook import SETUP, TEXTS, deck_notebook
from lecturekit.handout.published import (
    deck_imports,
    is_library,
    published_notebook,
    renumber,
    trimmed,
)

DECK = """---
marp: true
lang: ja
---

# 準備

```python
import json
import math
def parse(text):
    return json.loads(text)
```

---

# エラーの例

```python
data = '{"a": 1'
parse(data)  # -> JSONDecodeError: Expecting ',' delimiter: line 1 column 8 (char 7)
```

---

# 続き

```python
print(math.sqrt(16.0))  # -> 4.0
```
"""


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[nbformat.NotebookNode, Path]:
    folder = tmp_path_factory.mktemp("published")
    deck = folder / "lib.md"
    deck.write_text(DECK, encoding="utf-8")
    nb = deck_notebook(read_deck(deck))
    execute_notebook(nb, deck, cwd=folder)
    return published_notebook(nb, read_deck(deck)), folder


def _cell(nb: nbformat.NotebookNode, text: str) -> nbformat.NotebookNode:
    return next(c for c in nb.cells if c.cell_type == "code" and text in c.source)


def test_an_error_inside_a_library_is_stored_without_its_frames_or_build_paths(written):
    nb, folder = written
    cell = _cell(nb, "parse(data)")
    assert not cell.source.startswith("%%") and "traceback.print_exc()" in cell.source
    [output] = cell.outputs
    assert output.output_type == "stream" and output.name == "stderr"
    text = output.text
    lines = cell.source.split("\n")
    own = lines.index("    parse(data)") + 1
    define = _cell(nb, "def parse").source.split("\n").index("    return json.loads(text)") + 1
    assert text.startswith("Traceback (most recent call last):\n"
                           f'  File "In[{cell.execution_count}]", line {own}, in <module>\n'
                           "    parse(data)\n"
                           f'  File "In[{_cell(nb, "def parse").execution_count}]", '
                           f"line {define}, in parse\n"
                           "    return json.loads(text)\n"
                           "  …（ライブラリ内部の "), text
    assert re.search(r"…（ライブラリ内部の \d+ か所の呼び出しを省略）\n", text)
    assert text.endswith("  …（ライブラリ内部の 3 か所の呼び出しを省略）\n"
                         "JSONDecodeError: Expecting ',' delimiter: line 1 column 8 (char 7)\n")
    stored = nbformat.writes(nb)
    for place in (sys.prefix, str(folder), "site-packages", "/tmp/", "ipykernel_"):
        assert place not in stored, place


def test_the_stored_traceback_is_what_the_written_cell_prints_when_run_again(written):
    """nbclient re-runs the written notebook (no magics anywhere): each error demo prints
    its traceback and the next cells run; trimmed the same way (library frames, carets,
    the kernel's file for a cell), it is the stored text."""
    nb, folder = written
    again = nbformat.from_dict(nbformat.reads(nbformat.writes(nb), as_version=4))
    with venv_kernel() as km:
        NotebookClient(again, km=km, kernel_name=KERNEL, timeout=60,
                       resources={"metadata": {"path": str(folder)}}).execute()
    for old, new in zip(nb.cells, again.cells, strict=True):
        if old.cell_type != "code":
            continue
        assert [o.output_type for o in new.outputs] == [o.output_type for o in old.outputs]
        for before, after in zip(old.outputs, new.outputs, strict=True):
            if before.output_type == "stream" and before.name == "stderr":
                assert re.sub(r"In\[\d+\]", "In[?]", before.text) == trimmed(after.text)
            else:
                assert before == after
    assert _cell(again, "math.sqrt").outputs[0].text == "4.0\n"


def test_trimming_drops_library_frames_carets_and_names_files_by_their_name():
    printed = ('Traceback (most recent call last):\n'
               '  File "/tmp/ipykernel_42/123456.py", line 5, in <module>\n'
               '    [1, 2, 3][5]\n'
               '    ~~~~~~~~~^^^\n'
               f'  File "{sys.prefix}/lib/python3.11/site-packages/torch/_tensor.py", '
               'line 623, in backward\n'
               '    torch.autograd.backward(\n'
               '  File "/home/me/course/helpers.py", line 3, in step\n'
               '    return 1 / 0\n'
               'ZeroDivisionError: division by zero\n')
    assert trimmed(printed) == ('Traceback (most recent call last):\n'
                                '  File "In[?]", line 5, in <module>\n'
                                '    [1, 2, 3][5]\n'
                                '  …（ライブラリ内部の 1 か所の呼び出しを省略）\n'
                                '  File "helpers.py", line 3, in step\n'
                                '    return 1 / 0\n'
                                'ZeroDivisionError: division by zero\n')
    assert is_library(f"{sys.prefix}/lib/python3.11/json/decoder.py")
    assert not is_library("/home/me/course/helpers.py")


def test_execution_counts_run_without_gaps_and_tracebacks_follow_them():
    nb = nbformat.v4.new_notebook()
    counts = [1, 2, None, 5, None, 7]
    for count in counts:
        cell = nbformat.v4.new_code_cell("x")
        cell.execution_count = count
        nb.cells.append(cell)
    nb.cells[-1].outputs = [nbformat.v4.new_output(
        "error", ename="E", evalue="", traceback=[
            "\x1b[36mCell\x1b[39m\x1b[36m \x1b[39m\x1b[32mIn[7]\x1b[39m, line 1",
            "Cell In[5], line 2"])]
    assert renumber(nb) == {1: 1, 2: 2, 5: 3, 7: 4}
    assert [c.execution_count for c in nb.cells] == [1, 2, None, 3, None, 4]
    assert nb.cells[-1].outputs[0].traceback == [
        "\x1b[36mCell\x1b[39m\x1b[36m \x1b[39m\x1b[32mIn[4]\x1b[39m, line 1",
        "Cell In[3], line 2"]


def test_written_counts_have_no_gaps_and_the_setup_cell_needs_no_magic(written):
    nb, _ = written
    counts = [c.execution_count for c in nb.cells if c.cell_type == "code"
              and c.execution_count is not None]
    assert counts == list(range(1, len(counts) + 1))
    setup = next(c for c in nb.cells if SETUP in c.metadata.get("tags", []))
    assert "expect_error" not in setup.source and "compile.cache" not in setup.source
    assert "register_magic_function" not in setup.source
    assert setup.source.endswith(
        "# この講義のコードが使うモジュール（途中から実行し直すときのため）\n"
        "import json\nimport math")


def test_after_a_restart_setup_then_a_later_cell_finds_the_decks_imports(written):
    """Jump into the middle: the setup cell, then the last cell (math was imported on the
    first slide only)."""
    nb, folder = written
    setup = next(c for c in nb.cells if SETUP in c.metadata.get("tags", []))
    jump = nbformat.v4.new_notebook()
    jump.cells = [nbformat.v4.new_code_cell(setup.source),
                  nbformat.v4.new_code_cell(_cell(nb, "math.sqrt").source)]
    with venv_kernel() as km:
        NotebookClient(jump, km=km, kernel_name=KERNEL, timeout=60,
                       resources={"metadata": {"path": str(folder)}}).execute()
    assert jump.cells[1].outputs[0].text == "4.0\n"


def test_deck_imports_skip_future_relative_skipped_and_the_setup_codes_own(tmp_path):
    deck = tmp_path / "d.md"
    deck.write_text("---\nmarp: true\nsetup: import torch\n---\n\n# a\n\n"
                    "```python\nfrom __future__ import annotations\nimport torch\n"
                    "from os import path\nimport math\n```\n\n"
                    "```python skip\nimport nothing_here\n```\n\n"
                    "```pycon\n>>> import math\n>>> import random\n```\n", encoding="utf-8")
    assert deck_imports(read_deck(deck)) == ["from os import path", "import math",
                                             "import random"]


def test_the_notebook_says_folded_only_where_it_is_folded():
    """GitHub and nbviewer ignore `source_hidden`: the words name where cells are folded."""
    for lang, where in (("ja", "JupyterLab と Colab では"), ("en", "in JupyterLab and Colab")):
        say = TEXTS[lang]
        assert where in say["intro"] and where in say["answers"]
    for text in (TEXTS["ja"]["intro"], TEXTS["ja"]["answers"]):
        assert "たたんであります" not in text and "（たたまれています）" not in text
