"""The exercises notebook: it explains itself, checks answers, and opens in Colab.

What a student meets, top to bottom: a first cell that says to run the setup
cell first (in the deck's language, with an "Open in Colab" link when the
repository is known) and states the three points of the self-check rule a
student needs first, the rest folded (`<details>`: a long list of rules before
the first exercise goes unread); a Markdown cell saying what the setup cell
below it is and to run it once; the setup cell; then per exercise the task
slide, its hint folded (`<details>`), per answer block (after a "📎 前提"
context cell where the slides' variables must be recreated first; not "▶",
which reads as the run button) a heading with the task item (none for an
exercise of one answer without items: its task slide already bears that name),
an answer cell and a `check("演習1 (1)")` cell, a free-text cell where the task
asks "why", and the model answer folded.  Every helper cell's first line is a
`#@title` (a label in JupyterLab, the form title in Colab), which also says to
run the setup cell first on a NameError: Colab shows a form's title but not its
code.  Only the setup cell is hidden (`source_hidden`; a form in Colab):
JupyterLab shows it as an unlabelled "…", which the Markdown cell above it
names.  A helper cell's code is one line, one call (`check("演習1 (1)")`,
`run_slides(...)`) which the setup cell defines; when the setup was skipped,
the NameError's traceback shows the title line above it.  An answer cell is
empty (comments only; the first, `# 演習1 (1): この行は消さずに、…`, tells the
check without cell ids that the cell run last is that answer cell), except
where the answer is an error: there it is a `try:` /
`except Exception as e: print(type(e).__name__, e)` skeleton, so the error is
caught and printed and Colab's "Run all" goes on.

Deck convention (README, "Exercises"):
- a task slide is `<!-- _class: exercise -->`; its numbered items (`1.`,
  `2.`, ...) are the answers' tasks when their count matches the answer
  blocks;
- a hint is a `<div class="hint">` block, on the task slide or on a slide
  between it and its answers (a hint slide);
- the model answer is the exercise's `answer` slides (code with its `# ->`
  outputs and the prose beside it); each `answer=ID` fence also feeds the
  self-check (`selfcheck_kernel`);
- `uses=NAME[,NAME...]` beside `answer=ID` says how the value must be
  computed: an answer cell that calls none of those functions or methods
  (`uses=backward`: `y.backward()`) is not accepted even when its values
  match (a finite difference gets the number without autograd); the model
  answer must call one of them itself, or the build stops at its line.

The setup cell is readable Python in four commented parts: the self-check's
code (`selfcheck_kernel`, the module the tests exercise, without its
docstrings and comments: `plain_source`), the answers' salted hashes as data,
the runner of the 📎 context cells with the lecture code they run as data, and the
deck's `setup:` code as it runs.  Running it again is safe.
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import io
import json
import pprint
import re
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from lecturekit.check.expectations import find_inline_comments, find_transcript, output_fences
from lecturekit.deck import Deck, DeckError, Fence, Slide
from lecturekit.handout import raster, selfcheck_kernel
from lecturekit.handout.cells import RAISES, SKIP, CodePiece, code_pieces
from lecturekit.handout.colab import colab_url, published_path
from lecturekit.handout.index import EXERCISES_SUFFIX
from lecturekit.handout.markdown import SECTION_STYLE, slide_markdown
from lecturekit.handout.notebook import TITLE, in_handout, notebook_lang
from lecturekit.handout.session import setup_source
from lecturekit.project import Project

EXERCISE, ANSWER, USES = "exercise", "answer", "uses"
STUDENT, SELF_CHECK, CONTEXT = "student", "self-check", "context"

HINT, WHY, MODEL_ANSWER, INTRO = "hint", "why", "model-answer", "intro"

_HINT_OPEN = re.compile(
    r"^\s*<div\s+class\s*=\s*[\"'](?:[^\"']*\s)?hint(?:\s[^\"']*)?[\"']\s*>\s*$")
_DIV_TAG = re.compile(r"<div\b[^>]*>|</div\s*>", re.I)
_HINT_START, _HINT_END = "\x02hint\x02", "\x03hint\x03"
_HINT_LEAD = re.compile(r"^\s*(?:\*\*)?(?:ヒント|Hint)(?:\*\*)?\s*[:：]\s*(?:\*\*)?\s*", re.I)
_TASK_ITEM = re.compile(r"^(\d+)[.)]\s+(.+)$")
_WHY = re.compile(r"なぜ|why\b", re.I)
_SECTION_TAG = re.compile(rf'^<p style="{re.escape(SECTION_STYLE)}">.*?</p>\s*$', re.M)

TEXTS = {
    "ja": {
        "title": "{title}（演習）",
        "first": "**まず、すぐ下の「⚙️ 準備」のセルを実行してください**（セルを選んで ▶ か "
                 "Shift+Enter）。実行しないと、答え合わせもスライドのコードも動きません。"
                 "あとで `NameError`（`name 'torch' is not defined` など）が出たときも、"
                 "まずこのセルを実行し直してください（接続が切れたり再起動したりすると、"
                 "実行し直しが必要です）。",
        "how": "各演習では、空のセルに答えのコードを書いて実行し、求めた値を `print` で表示します。"
               "続く「✔ 答え合わせ」のセルを実行すると、正解かどうかがわかります。"
               "💡 ヒントと 📖 解答例は、クリックすると開きます。",
        "rule": "**答え合わせのルール**\n\n"
                "- 数は、スライドに書かれた桁まで四捨五入して比べます"
                "（8.0 に対して 7.96 は正解、7.9 は不正解）。\n"
                "- 値は変数を使って計算し、表示してください。"
                "文字列の中に書いた値（`print(\"8.0\")`）や、数だけで書いた式"
                "（`print(8)`、`print(2*3+2)`）は答えになりません。\n"
                "- 表示する数は、答えの値だけにしてください。ほかの数もいっしょに表示すると、"
                "不正解になります（`print(\"勾配:\", x.grad)` のような説明の文字は"
                "つけてもかまいません）。",
        "rule_more": "答え合わせのくわしいルール（クリックで開く）",
        "rule_rest": "- 値を問う問題では、テンソルかリストか、float64 かどうかは問いません"
                     "（`requires_grad=True` のテンソルを作る問題では、形とその指定も"
                     "比べます）。\n"
                     "- 値がいくつもあるときは、どの順に表示してもかまいません。"
                     "ただし、一つのテンソルの中の数の順番は、そのままにしてください。\n"
                     "{uses}"
                     "- 答えがエラーの問題では、エラーの種類とメッセージを比べます。"
                     "そのまま起こしても、except で捕まえて表示してもかまいません。\n"
                     "- 答え合わせは、答えのセルを最後に実行したときの表示を見ます"
                     "（環境によっては、最後に実行したセルを見ます：答えのあとで別のセルを"
                     "実行したときは、答えのセルを実行し直してください）。",
        "rule_uses": "- 計算に使う関数が決まっている問題もあります（{names}）。"
                     "その問題では、答えのセルでその関数を呼んで求めてください。"
                     "値が合っていても、ほかの方法で求めたものは正解になりません。\n",
        "or": " か ",
        "colab": "[▶ Google Colab で開く]({url})（ブラウザだけで演習できます）",
        "setup_title": "⚙️ 準備：最初にこのセルを実行してください",
        "setup_note": "# 答え合わせの道具を読み込み、乱数の種をスライドとそろえます"
                      "（書きかえずに実行してください）。",
        "setup_label": "### ⚙️ 準備のセル\n\n"
                       "すぐ下のセルは、答え合わせの道具と、スライドと同じ準備（乱数の種など）を"
                       "読み込みます。**最初に一度、実行してください**（セルを選んで ▶ か "
                       "Shift+Enter）。中身は読まなくてかまいません（JupyterLab では「…」を"
                       "クリックすると、Google Colab では「コードを表示」を選ぶと見えます）。",
        "part_checker": "# ── 1. 答え合わせの道具 ──",
        "part_answers": "# ── 2. 答えのデータ（答えそのものは読めない形にしてあります）──",
        "python_needed": "この演習ノートブックの答え合わせには Python 3.10 以上が必要です"
                         "（いまは {}.{}）",
        "part_context": "# ── 3. 📎 前提のセルが使う道具と、スライドのコード ──",
        "part_setup": "# ── 4. スライドと同じ準備 ──",
        "ready": "✅ 準備ができました。下の演習に進んでください。",
        "context_title": "📎 前提：{label} で使うスライドの変数を用意します",
        "context_note": "# 次の演習の前に実行してください（スライドで作った変数や関数を"
                        "用意するだけで、何も表示しません）。",
        "check_title": "✔ 答え合わせ：{label}",
        "no_setup": "（NameError なら、先に「⚙️ 準備」を実行）",
        "answer_here": "# {label}: この行は消さずに、下に答えのコードを書いて実行してください。\n"
                       "# 求めた値は print(...) で表示しましょう（次のセルが確かめます）。\n",
        "error_here": "# {label}: この行は消さずに、try: の下の「ここに」の行を\n"
                      "# 答えのコードに書きかえて実行してください。\n"
                      "# エラーが起きると except がその種類とメッセージを表示し、"
                      "止まらずに進みます\n"
                      "# （次のセルが種類とメッセージを確かめます）。\n"
                      "try:\n"
                      "    # ここに答えのコードを書く\n"
                      "    pass\n"
                      "except Exception as e:\n"
                      "    print(type(e).__name__, e)\n",
        "hint": "💡 ヒント（クリックで開く）",
        "why": "✍️ **{label}：なぜでしょう？** このセルをダブルクリックして、考えたことを"
               "ここに書いてください。\n\n（ここに書く）",
        "model": "📖 解答例（まず自分で解いてから開きましょう）",
    },
    "en": {
        "title": "{title} (exercises)",
        "first": "**First run the “⚙️ Setup” cell just below** (select it, then ▶ or "
                 "Shift+Enter). Without it neither the self-checks nor the slides' code run. "
                 "If a `NameError` (such as `name 'torch' is not defined`) shows up later, "
                 "run it again first (after a restart or a lost connection it must run "
                 "again).",
        "how": "In each exercise, write your code in the empty cell, run it and `print` the "
               "values you found; then run the “✔ Check” cell below it to see whether the "
               "answer is right. 💡 Hints and 📖 model answers open with a click.",
        "rule": "**How answers are checked**\n\n"
                "- Numbers are rounded to the digits the slide shows (for 8.0, 7.96 is right, "
                "7.9 is not).\n"
                "- Compute the values from your variables and print them: a value typed "
                "inside a string (`print(\"8.0\")`) or written with numbers only "
                "(`print(8)`, `print(2*3+2)`) does not count.\n"
                "- Print no numbers besides the answer's values: any other number shown "
                "makes the answer wrong (words such as `print(\"gradient:\", x.grad)` "
                "are fine).",
        "rule_more": "More about how answers are checked (click to open)",
        "rule_rest": "- Where a value is asked for, a tensor, a list or float64 are all fine "
                     "(where a tensor with `requires_grad=True` is asked for, its shape and "
                     "that flag count too).\n"
                     "- Several values may be printed in any order, but keep the order of the "
                     "numbers inside one tensor.\n"
                     "{uses}"
                     "- Where the answer is an error, its type and message are compared: let "
                     "it be raised, or catch it with except and print it.\n"
                     "- A check reads what the answer cell showed when last run (in some "
                     "environments, what the cell run last showed: if you ran another cell "
                     "after your answer, run the answer cell again).",
        "rule_uses": "- Some exercises say how to compute the value ({names}): there, call "
                     "it in your answer cell; a right value found another way does not "
                     "count.\n",
        "or": " or ",
        "colab": "[▶ Open in Google Colab]({url}) (runs in the browser)",
        "setup_title": "⚙️ Setup: run this cell first",
        "setup_note": "# Loads the self-check and seeds the random generators as on the "
                      "slides (run it as it is).",
        "setup_label": "### ⚙️ The setup cell\n\n"
                       "The cell just below loads the self-check and the slides' setup "
                       "(random seeds and so on). **Run it once, first** (select it, then ▶ "
                       "or Shift+Enter). No need to read it (to see it, click its \"…\" in "
                       "JupyterLab, or choose \"Show code\" in Google Colab).",
        "part_checker": "# -- 1. The self-check --",
        "part_answers": "# -- 2. The answers' data (the answers themselves cannot be read) --",
        "python_needed": "this notebook's self-check needs Python 3.10 or later (this is {}.{})",
        "part_context": "# -- 3. What the 📎 cells use, and the slides' code --",
        "part_setup": "# -- 4. The slides' setup --",
        "ready": "✅ Ready. Go on with the exercises below.",
        "context_title": "📎 Before {label}: defines the slides' variables it uses",
        "context_note": "# Run it before the next exercise (it only defines the slides' "
                        "variables and functions; it shows nothing).",
        "check_title": "✔ Check: {label}",
        "no_setup": " (a NameError? Run “⚙️ Setup” first)",
        "answer_here": "# {label}: keep this line; write your answer below it and run the "
                       "cell.\n"
                       "# print(...) the values you found (the next cell checks them).\n",
        "error_here": "# {label}: keep this line; replace the comment under try: with your "
                      "code,\n"
                      "# then run the cell. If it raises an error, except prints its type and "
                      "message\n"
                      "# and the notebook goes on (the next cell checks them).\n"
                      "try:\n"
                      "    # your code here\n"
                      "    pass\n"
                      "except Exception as e:\n"
                      "    print(type(e).__name__, e)\n",
        "hint": "💡 Hint (click to open)",
        "why": "✍️ **{label}: why?** Double-click this cell and write your explanation "
               "here.\n\n(your answer)",
        "model": "📖 Model answer (try it yourself first)",
    },
}
"""Everything the notebook says to students, per language (the deck's `lang`)."""

CONTEXT_RUNNER = '''
def run_slides(name):
    import contextlib, io
    shell = get_ipython()
    names = list(_LK_CONTEXT)
    ran = shell.user_ns.setdefault("_LK_RAN", set())
    todo = [n for n in names[:names.index(name)] if n not in ran] + [name]
    ran.update(todo)
    for code, raises in [piece for n in todo for piece in _LK_CONTEXT[n]]:
        sink = io.StringIO()
        try:
            with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                exec(compile(shell.transform_cell(code), "<lecture>", "exec"), shell.user_ns)
        except Exception as error:
            if not raises:
                where = "スライドのコードでエラー" if _LK_LANG == "ja" else "slide code failed"
                print(f"({where}: {type(error).__name__}: {error})")
'''
"""Runs the lecture code before an exercise: output swallowed, expected errors silent.
Each context holds the slides' code since the one before it, so a context runs first every
earlier one this kernel has not run (a student who starts at a later exercise after a
restart gets every name the slides made before it)."""


@dataclass
class Exercise:
    """One task slide and what belongs to it: hint slides, answer slides, answer blocks."""

    task: Slide | None
    hints: list[str] = field(default_factory=list)
    answer_slides: list[Slide] = field(default_factory=list)
    answers: list[Fence] = field(default_factory=list)

    def items(self) -> list[str]:
        """The task's top-level numbered items, if there is one per answer block."""
        if self.task is None:
            return []
        items = [m[2].strip() for m in map(_TASK_ITEM.match, self.task.source.split("\n")) if m]
        return items if len(items) == len(self.answers) else []


def answer_id(fence: Fence) -> str:
    return fence.value(ANSWER) or str(fence.line)


def expected_texts(deck: Deck, fence: Fence) -> list[str]:
    """The outputs the checker expects of a block, in order, as the student would show them."""
    texts = [c.expected for c in find_inline_comments(fence)]
    for item in find_transcript(fence):
        texts.append(item.example.exc_msg or item.example.want)
    tied, _ = output_fences(deck)
    if id(fence) in tied:
        texts.append(tied[id(fence)].code)
    return [t for t in texts if t.strip()]


def answer_labels(deck: Deck) -> dict[int, str]:
    """Each answer block's label as students see it, by the fence's line.

    The label is the header of the exercise slide the answer belongs to (the
    last `exercise` slide before it), with `(n)` when that exercise has more
    than one answer block; `演習 n` when no exercise slide precedes it.
    """
    groups: list[tuple[str, list[Fence]]] = []
    current: list[Fence] | None = None
    for slide in deck.slides:
        if EXERCISE in slide.classes:
            current = []
            groups.append((_exercise_name(slide, len(groups) + 1), current))
        for fence in slide.code_blocks:
            if fence.has(ANSWER):
                if current is None:
                    current = []
                    groups.append((f"演習 {len(groups) + 1}", current))
                current.append(fence)
    labels: dict[int, str] = {}
    for name, fences in groups:
        for index, fence in enumerate(fences, start=1):
            labels[fence.line] = f"{name} ({index})" if len(fences) > 1 else name
    return labels


def _exercise_name(slide: Slide, number: int) -> str:
    return " ".join((slide.title or f"演習 {number}").split())


def notebook_salt(deck: Deck) -> str:
    """The salt of every hash in the notebook: derived from the deck, so builds repeat."""
    return hashlib.sha256(("lecturekit self-check\n" + deck.text).encode()).hexdigest()[:16]


def answer_table(deck: Deck) -> dict[str, list[dict[str, object]]]:
    table: dict[str, list[dict[str, object]]] = {}
    labels = answer_labels(deck)
    salt = notebook_salt(deck)
    for fence in deck.code_blocks:
        if not fence.has(ANSWER):
            continue
        label = labels[fence.line]
        texts = expected_texts(deck, fence)
        if not texts:
            raise DeckError(deck.path, fence.line, f"answer block {answer_id(fence)} has no "
                            f"expected output (`# -> ...`) to build its self-check from",
                            fence.slide_number)
        if label in table:
            raise DeckError(deck.path, fence.line, f"exercise {label} has two answer blocks "
                            f"with the same label", fence.slide_number)
        key = selfcheck_kernel._lk_key(salt, label)
        table[label] = [item for t in texts for item in selfcheck_kernel._lk_expected(key, t)]
        uses = answer_uses(deck, fence)
        if uses:
            table[label].append({"kind": "uses", "names": uses})
    return table


def answer_uses(deck: Deck, fence: Fence) -> list[str]:
    """The names the answer must call (`uses=backward,grad`); the model answer itself
    must call one of them, else the deck is wrong."""
    value = fence.value(USES)
    if value is None:
        return []
    names = [name.strip() for name in value.split(",")]
    if not all(name.isidentifier() for name in names):
        raise DeckError(deck.path, fence.line, f"{USES}={value}: a comma-separated list "
                        f"of function or method names is expected", fence.slide_number)
    if not selfcheck_kernel._lk_calls(fence.code, names):
        called = " or ".join(f"{name}()" for name in names)
        raise DeckError(deck.path, fence.line, f"answer block {answer_id(fence)} says "
                        f"{USES}={value} but calls no {called} itself", fence.slide_number)
    return names


def exercises(deck: Deck) -> list[Exercise]:
    """The deck's exercises in order: each task slide with the hint divs and answer slides
    after it (up to the next task slide), and its `answer=` fences."""
    found: list[Exercise] = []
    for slide in deck.slides:
        if EXERCISE in slide.classes:
            found.append(Exercise(slide))
        answers = [f for f in slide.code_blocks if f.has(ANSWER)]
        if answers and not found:
            found.append(Exercise(None))
        if not found:
            continue
        current = found[-1]
        if not current.answers and in_handout(slide):
            current.hints.extend(split_hints(slide, deck.path)[1])
        if ANSWER in slide.classes and in_handout(slide):
            current.answer_slides.append(slide)
        current.answers.extend(answers)
    return found


def split_hints(slide: Slide, deck_path: Path,
                hidden: list[Fence] | None = None) -> tuple[str, list[str]]:
    """The slide as notebook Markdown without its hint divs, and the hints' Markdown.  A
    hint div's opening and closing tags must stand on lines of their own."""
    lines = slide.source.split("\n")
    marked = list(lines)
    index = 0
    while index < len(lines):
        if _HINT_OPEN.match(lines[index]):
            depth, end = 0, None
            for j in range(index, len(lines)):
                for tag in _DIV_TAG.findall(lines[j]):
                    depth += -1 if tag.startswith("</") else 1
                if depth == 0:
                    end = j
                    break
            if end is None:
                raise DeckError(deck_path, slide.line + index,
                                "`<div class=\"hint\">` is never closed", slide.number)
            marked[index], marked[end] = _HINT_START, _HINT_END
            index = end
        index += 1
    if marked == lines:
        md = slide_markdown(slide, deck_path, hidden or [])
        return md.text, []
    md = slide_markdown(dataclasses.replace(slide, source="\n".join(marked)), deck_path,
                        hidden or [])
    kept, hints, rest = [], [], md.text
    while _HINT_START in rest:
        before, rest = rest.split(_HINT_START, 1)
        inside, rest = rest.split(_HINT_END, 1) if _HINT_END in rest else (rest, "")
        kept.append(before)
        hints.append(_HINT_LEAD.sub("", inside.strip(), count=1))
    kept.append(rest)
    text = re.sub(r"\n{3,}", "\n\n", "".join(kept)).strip() + "\n"
    return text, [h for h in hints if h]


def exercises_notebook(deck: Deck) -> NotebookNode:
    lang = notebook_lang(deck)
    raster.prepare(deck)  # every SVG drawn as PNG in one Chromium run
    say = TEXTS[lang]
    project = Project.load(deck.path)
    nb = nbformat.v4.new_notebook()
    title = deck.title
    nb.metadata.update({
        "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                       "language": "python"},
        "language_info": {"name": "python"},
        "title": say["title"].format(title=title),
        "lecturekit": {"deck": deck.path.name, "exercises": True},
    })
    table = answer_table(deck)
    labels = answer_labels(deck)
    groups = exercises(deck)
    owner = {f.line: g for g in groups for f in g.answers}
    url = colab_url(project, published_path(deck.path, EXERCISES_SUFFIX))
    intro = [f"# {say['title'].format(title=title)}"]
    if url:
        intro.append(say["colab"].format(url=url))
    used = list(dict.fromkeys(name for items in table.values() for item in items
                              if item["kind"] == USES for name in item["names"]))
    uses = (say["rule_uses"].format(names=say["or"].join(f"`{n}()`" for n in used))
            if used else "")
    # the rules a student needs first, the others folded
    intro += [say["first"], say["how"], say["rule"],
              _details(say["rule_more"], say["rule_rest"].replace("{uses}", uses))]
    nb.cells.append(_markdown(INTRO, "\n\n".join(intro)))

    context: list[CodePiece] = []
    context_cells: dict[str, list[tuple[str, bool]]] = {}
    nb.cells.append(_markdown("setup-label", say["setup_label"]))
    setup_cell = nbformat.v4.new_code_cell("")
    setup_cell.id = "setup"
    # folded: a form in Colab (its title shows), a "…" in JupyterLab under the label above
    setup_cell.metadata.update({"tags": ["setup"], "cellView": "form",
                                "jupyter": {"source_hidden": True}})
    nb.cells.append(setup_cell)
    for slide in deck.slides:
        shown = in_handout(slide) and EXERCISE in slide.classes
        if shown:
            text, _ = split_hints(slide, deck.path, [*slide.code_blocks, *(
                f for f in slide.fences if f.has("output"))])
            nb.cells.append(_markdown(f"slide-{slide.number}", text))
            group = next((g for g in groups if g.task is slide), None)
            if group is not None and group.hints:
                nb.cells.append(_folded(f"hint-{slide.number}", HINT, say["hint"],
                                        "\n\n".join(group.hints)))
        for fence in slide.code_blocks:
            if fence.has(ANSWER):
                group = owner[fence.line]
                label = labels[fence.line]
                if context:
                    key = label
                    context_cells[key] = [(p.source, RAISES in p.tags) for p in context
                                          if SKIP not in p.tags]
                    nb.cells.append(_context_cell(key, context, fence, say))
                    context = []
                if fence is group.answers[0] and group.hints and (
                        group.task is None or not in_handout(group.task)):
                    nb.cells.append(_folded(f"hint-{fence.line}", HINT, say["hint"],
                                            "\n\n".join(group.hints)))
                position = group.answers.index(fence)
                items = group.items()
                item = items[position] if items else ""
                raises = any(e["kind"] == "error" for e in table[label])
                # one answer, no item of its own: the task slide's heading is its heading
                titled = (len(group.answers) > 1 or bool(item) or group.task is None
                          or not in_handout(group.task))
                nb.cells.extend(_answer_cells(fence, label, item, say, raises, titled))
                task_text = item or (group.task.source if group.task else "")
                if _WHY.search(item or "") or (not items and fence is group.answers[-1]
                                               and _WHY.search(task_text)):
                    why = _markdown(f"why-{_cell_id(answer_id(fence))}",
                                    say["why"].format(label=label))
                    why.metadata["tags"] = [WHY]
                    nb.cells.append(why)
                if fence is group.answers[-1] and group.answer_slides:
                    nb.cells.append(_model_answer(group, deck.path, say))
            elif shown or fence.has(EXERCISE):
                nb.cells.extend(_task_cells(fence))
            elif not fence.has("skip") and ANSWER not in slide.classes:
                context.extend(code_pieces(fence))
    cells = {c.metadata.lecturekit.label: c.id for c in nb.cells
             if STUDENT in c.metadata.get("tags", [])}
    given = [c.id for c in nb.cells
             if c.cell_type == "code" and STUDENT not in c.metadata.get("tags", [])]
    setup_cell.source = _setup_source(table, notebook_salt(deck), lang, context_cells,
                                      deck.setup_code, say, cells, given)
    return nb


def _markdown(cell_id: str, text: str) -> NotebookNode:
    cell = nbformat.v4.new_markdown_cell(text.strip() + "\n")
    cell.id = cell_id
    return cell


def _folded(cell_id: str, tag: str, summary: str, body: str) -> NotebookNode:
    """A Markdown cell folded with HTML `<details>` (JupyterLab and Colab render it)."""
    cell = _markdown(cell_id, _details(summary, body))
    cell.metadata["tags"] = [tag]
    return cell


def _details(summary: str, body: str) -> str:
    """Markdown folded under `summary`: blank lines around the body, so that it is still
    read as Markdown inside the HTML."""
    return f"<details>\n<summary>{summary}</summary>\n\n{body.strip()}\n\n</details>"


def _model_answer(group: Exercise, deck_path: Path, say: dict[str, str]) -> NotebookNode:
    parts = []
    for slide in group.answer_slides:
        md = slide_markdown(slide, deck_path, [])
        text = re.sub(r"\n{3,}", "\n\n", _SECTION_TAG.sub("", md.text))
        parts.append(re.sub(r"^## ", "#### ", text.strip(), count=1))
    cell = _folded(f"model-answer-{group.answers[-1].line}", MODEL_ANSWER, say["model"],
                   "\n\n".join(parts))
    return cell


def _setup_source(table: dict[str, list[dict[str, object]]], salt: str, lang: str,
                  context: dict[str, list[tuple[str, bool]]], setup_code: str,
                  say: dict[str, str], cells: dict[str, str] | None = None,
                  given: list[str] | None = None) -> str:
    """The setup cell's code, readable top to bottom: the self-check (`plain_source`), the
    answers' table and the slides' code as data, the runner of the 📎 context cells, the
    deck's `setup:` code, each part under a comment in the deck's language."""
    kernel = plain_source(Path(selfcheck_kernel.__file__).read_text(encoding="utf-8"))
    future = "from __future__ import annotations\n"
    guard = ("import sys\n"   # an older Python would fail later, at every check
             "if sys.version_info < (3, 10):\n"
             f"    _lk_needed = {say['python_needed']!r}\n"
             "    raise RuntimeError(_lk_needed.format(*sys.version_info[:2]))\n")
    kernel = kernel.replace(future, future + guard, 1) if future in kernel else guard + kernel
    return "\n".join([
        f"{TITLE}{say['setup_title']}", say["setup_note"], "",
        say["part_checker"], kernel, "",
        say["part_answers"],
        f"_LK_SALT = {salt!r}",
        f"_LK_LANG = {lang!r}",
        f"_LK_ANSWERS.update({_data(table)})",
        f"_LK_CELLS.update({_data(cells or {})})",
        f"_LK_GIVEN.update({_data(given or [], 100 - len('_LK_GIVEN.update('))})",
        "_lk_install()", "",
        say["part_context"],
        CONTEXT_RUNNER.strip("\n"),
        f"_LK_CONTEXT = {_data(context)}", "",
        say["part_setup"],
        setup_source(setup_code, lang, magics=()), "",
        f"print({say['ready']!r})",
    ])


def _data(value: object, width: int = 100) -> str:
    """A Python literal spread over lines of at most `width` characters."""
    return pprint.pformat(value, width=width, compact=True, sort_dicts=False)


def plain_source(source: str) -> str:
    """`source` without its docstrings and comments, every other line as written (the
    module's own layout, short lines), runs of blank lines made one; the strings are left
    untouched."""
    tree = ast.parse(source)
    dropped: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        for statement in body if isinstance(body, list) else []:
            if (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
                    and isinstance(statement.value.value, str)):   # a docstring
                dropped.update(range(statement.lineno, (statement.end_lineno or 0) + 1))
    comments: dict[int, int] = {}
    inside_strings: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            comments[token.start[0]] = token.start[1]
        elif token.type == tokenize.STRING and token.end[0] > token.start[0]:
            inside_strings.update(range(token.start[0] + 1, token.end[0] + 1))
    kept: list[str] = []
    for number, line in enumerate(source.split("\n"), start=1):
        if number in dropped:
            continue
        if number not in inside_strings:
            if number in comments:
                line = line[:comments[number]].rstrip()
                if not line:   # a comment's own line
                    continue
            line = line.rstrip()
            if not line and (not kept or not kept[-1]):
                continue
        kept.append(line)
    text = "\n".join(kept).strip("\n")
    compile(text, "<self-check>", "exec")   # e.g. a body that was only a docstring
    return text


def _context_cell(key: str, pieces: list[CodePiece], before: Fence,
                  say: dict[str, str]) -> NotebookNode:
    name = json.dumps(key, ensure_ascii=False)
    source = "\n".join([_title(say["context_title"].format(label=key), say),
                        say["context_note"].format(label=key), f"run_slides({name})"])
    cell = nbformat.v4.new_code_cell(source)
    cell.id = f"context-{before.line}"
    cell.metadata.update({"tags": [CONTEXT], "cellView": "form",
                          "lecturekit": {"lines": [n for p in pieces for n in p.lines]}})
    return cell


def _answer_cells(fence: Fence, label: str, item: str, say: dict[str, str],
                  raises: bool = False, titled: bool = True) -> list[NotebookNode]:
    """The answer's heading (`titled`: not when it would repeat the task slide's, an
    exercise of one answer), its answer cell and its check."""
    ident = answer_id(fence)
    heading = _markdown(f"answer-{_cell_id(ident)}-heading",
                        f"### {label}" + (f"\n\n{item}" if item else ""))
    here = say["error_here" if raises else "answer_here"]  # an error: a try/except skeleton
    student = nbformat.v4.new_code_cell(here.format(label=label))
    student.id = f"answer-{_cell_id(ident)}"
    student.metadata.update({"tags": [STUDENT], "lecturekit": {"answer": ident, "label": label}})
    name = json.dumps(label, ensure_ascii=False)
    check = nbformat.v4.new_code_cell("\n".join([
        _title(say["check_title"].format(label=label), say), f"check({name})"]))
    check.id = f"answer-{_cell_id(ident)}-check"
    check.metadata.update({"tags": [SELF_CHECK], "cellView": "form",
                           "lecturekit": {"answer": ident, "label": label},
                           "editable": False, "deletable": False})
    return [heading, student, check] if titled else [student, check]


def _title(title: str, say: dict[str, str]) -> str:
    """A helper cell's `#@title` line: its title and what to do when it fails for want of
    the setup cell.  Colab shows a form's title but not its code, and JupyterLab shows the
    line; a NameError's traceback shows it too, as the line above the failing call."""
    return f"{TITLE}{title}{say['no_setup']}"


def _cell_id(ident: str) -> str:
    """nbformat cell ids allow letters, digits, `-` and `_` only."""
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "_" for c in ident)


def _task_cells(fence: Fence) -> list[NotebookNode]:
    cells = []
    for index, piece in enumerate(code_pieces(fence)):
        cell = nbformat.v4.new_code_cell(piece.source)
        cell.id = f"task-{fence.line}" + (f"-{index}" if index else "")
        cell.metadata["lecturekit"] = {"slide": fence.slide_number, "lines": piece.lines}
        if piece.tags:
            cell.metadata["tags"] = list(piece.tags)
        cells.append(cell)
    return cells
