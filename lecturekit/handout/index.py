"""dist/index.html: the series' decks, each with its title, date and every file made of it.

Students land here, so each file gets one line saying what it is for (slides to
project, reading version, printable handouts (2, 3 or 4 slides a sheet, each
that was built: `build.handout_pdf_suffix`), executed notebook, exercises
notebook and, when the repository is on GitHub, the exercises in Colab).
Links are relative to the output folder and name where the handout build
writes (`colab.published_path`, the one place that knows); given the output
folder, only files that exist are linked (a deck whose handout failed, or is
not built yet, loses those lines instead of getting dead links), each with its
size (PDFs of a few MB matter on a phone).  Once, at the top, the page says
where a student starts and how a notebook opens (`GUIDE`).  The
heading is `Project.settings.title`; the words follow `Project.settings.lang`.
`index_html(deck_paths)` is the whole page for `make handout`; `render_index`
renders any list of `DeckEntry` (the site build filters and reuses it).  Each
deck's links point where the build publishes it, mirrored below the decks' base
(`ch02/lecture.html`), relative to the index page.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from lecturekit.deck import read_deck
from lecturekit.handout.colab import colab_url, published_path
from lecturekit.handout.jinja import render
from lecturekit.project import Project
from lecturekit.render.lint import confine

ARTEFACTS = (
    # (suffix, label ja, what it is for ja, label en, what it is for en)
    ("-handout.html", "読み物", "スライドと実行結果を上から順に読む版（スマホでも読めます）",
     "Reading version", "slides and code results to read top to bottom (phones too)"),
    ("-exercises.ipynb", "演習ノートブック", "演習を解いて、その場で答え合わせ（Jupyter / Colab）",
     "Exercises notebook", "solve the exercises and check your answers (Jupyter / Colab)"),
    (".html", "スライド", "教室で映すスライド（ブラウザで開く）",
     "Slides", "the slides as shown in class (opens in the browser)"),
    (".pdf", "スライド PDF", "同じスライドの PDF（1 ページに 1 枚）",
     "Slides PDF", "the same slides as a PDF, one per page"),
    ("-handout.pdf", "印刷用 PDF（2 枚ずつ）",
     "A4 1 枚にスライド 2 枚、下にメモ欄（文字がいちばん読みやすい）",
     "Printable handout, 2 a sheet",
     "two slides an A4 sheet, with room for notes below (easiest to read)"),
    ("-handout-3up.pdf", "印刷用 PDF（3 枚ずつ）",
     "A4 1 枚にスライド 3 枚、横に細いメモ欄（スライドの文字が 4 枚ずつの約 1.25 倍）",
     "Printable handout, 3 a sheet",
     "three slides an A4 sheet, a narrow notes column beside them (slide text about 1.25 "
     "times as large as 4 a sheet's)"),
    ("-handout-4up.pdf", "印刷用 PDF（4 枚ずつ）",
     "A4 1 枚にスライド 4 枚、横に広いメモ欄（紙がいちばん少ない。文字はいちばん小さい）",
     "Printable handout, 4 a sheet",
     "four slides an A4 sheet, a wide notes column beside them (least paper, smallest text)"),
    (".ipynb", "ノートブック", "スライドのコードを実行済みのノートブック（Jupyter で開く）",
     "Notebook", "the slides' code, already run (open in Jupyter)"),
)
"""Every file a deck gets, in the order the index lists them: first the two a student starts
from (`PRIMARY`), then the slides, the printed handouts and the executed notebook."""
PRIMARY = ("-handout.html", "-exercises.ipynb")
"""Shown larger, on a tinted band: the reading version and the exercises (`GUIDE["start"]`)."""
EXERCISES_SUFFIX = "-exercises.ipynb"
WORDS = {
    "ja": {"colab": "Colab で開く", "none": "まだ何も公開されていません。"},
    "en": {"colab": "Open in Colab", "none": "Nothing published yet."},
}
GUIDE = {
    "ja": {
        "start": "どれから使う？　授業の復習は「読み物」で（スマホでも読めます）。"
                 "手を動かして練習するなら「演習ノートブック」で、その場で答え合わせができます。",
        "notebooks": "ノートブック（.ipynb）は Jupyter で開くファイルで、パソコン向けです"
                     "（スマホには向きません）。クリックでダウンロードして JupyterLab や "
                     "VS Code で開くか、Google Colab の「ファイル → ノートブックをアップロード」"
                     "から開きます。",
        "colab": "「Colab で開く」からは、ダウンロードせずにそのままブラウザで開けます。",
        "size": "（{size}）",
    },
    "en": {
        "start": "Where to start: review the lecture with the reading version (phones too); "
                 "practise with the exercises notebook, which checks your answers.",
        "notebooks": "Notebooks (.ipynb) open in Jupyter, on a computer (not made for "
                     "phones): click to download one and open it in JupyterLab or VS Code, "
                     "or in Google Colab through File → Upload notebook.",
        "colab": "\"Open in Colab\" opens it in the browser without downloading it.",
        "size": " ({size})",
    },
}
"""Said once at the top of the page: where a student starts (when the page links a reading
version and an exercises notebook), and how a notebook opens (a notebook's link downloads
its file, raw JSON to a browser; when the page links one)."""


@dataclass(frozen=True)
class Link:
    label: str
    href: str
    note: str = ""
    """One line: what the file is for."""
    colab: str | None = None
    """Where this notebook opens in Colab, if anywhere."""
    size: str = ""
    """The file's size (`2.4 MB`), when the page is made beside the files."""
    primary: bool = False
    """One of the files a student starts from (`PRIMARY`)."""

    @property
    def notebook(self) -> bool:
        """A notebook's link downloads its file (a browser would show its JSON)."""
        return self.href.endswith(".ipynb")


@dataclass(frozen=True)
class DeckEntry:
    name: str
    title: str
    date: str
    links: list[Link] = field(default_factory=list)
    description: str = ""
    """What the lecture is about, in a sentence or two: the deck's `description` (Marp's
    global directive, which marp-cli also writes as the HTML's meta description)."""


def language(project: Project) -> str:
    return "ja" if project.settings.lang.lower().startswith("ja") else "en"


def series_title(start: Path | None = None) -> str:
    """The series' name: `Project.settings.title` of the project holding `start`."""
    return Project.of(start or Path.cwd()).settings.title.strip()


def artefact_links(deck: Path, project: Project) -> list[Link]:
    """Every file of `deck` the build makes, as links relative to the output folder."""
    lang = language(project)
    links = []
    for suffix, label_ja, note_ja, label_en, note_en in ARTEFACTS:
        colab = None
        if suffix == EXERCISES_SUFFIX:
            colab = colab_url(project, published_path(deck, suffix))
        links.append(Link(label_ja if lang == "ja" else label_en, published_path(deck, suffix),
                          note_ja if lang == "ja" else note_en, colab,
                          primary=suffix in PRIMARY))
    return links


def size_label(size: int) -> str:
    """A file's size as a reader weighs it on a phone: `2.4 MB`, `310 KB` (decimal units,
    rounded; not `check.runner.show_size`, whose exact binary units serve limits)."""
    if size >= 1000 * 1000:
        return f"{size / 1e6:.1f} MB"
    return f"{max(1, round(size / 1000))} KB"


def existing(entry: DeckEntry, folder: Path) -> DeckEntry:
    """`entry` linking only the files below `folder`, each with its size."""
    return replace(entry, links=[replace(link, size=size_label((folder / link.href).stat().st_size))
                                 for link in entry.links if (folder / link.href).is_file()])


def guide(entries: list[DeckEntry], lang: str) -> list[str]:
    """The lines said once at the top (`GUIDE`), those that fit the files linked."""
    say = GUIDE[lang]
    hrefs = [link.href for e in entries for link in e.links]
    lines = []
    if any(h.endswith("-handout.html") for h in hrefs) and any(
            h.endswith(EXERCISES_SUFFIX) for h in hrefs):
        lines.append(say["start"])
    if any(h.endswith(".ipynb") for h in hrefs):
        colab = any(link.colab for e in entries for link in e.links)
        lines.append(say["notebooks"] + (say["colab"] if lang == "ja" and colab else
                                         " " + say["colab"] if colab else ""))
    return lines


def deck_entry(path: Path, project: Project | None = None) -> DeckEntry:
    """A deck's entry; a deck reaching outside its project (`render.lint.confine`, as the
    build refuses it) raises DeckError, so no index or site lists it."""
    project = project or Project.of(path)
    deck = confine(read_deck(path))
    return DeckEntry(project.label(path),
                     deck.title,
                     str(deck.front_matter.get("date") or ""), artefact_links(path, project),
                     str(deck.front_matter.get("description") or "").strip())


def render_index(entries: list[DeckEntry], title: str, lang: str | None = None) -> str:
    lang = lang or language(Project.of(Path.cwd()))
    return render("index.html.j2", title=title, decks=entries, lang=lang, words=WORDS[lang],
                  guide=guide(entries, lang), size=GUIDE[lang]["size"])


def index_html(deck_paths: list[Path], title: str | None = None,
               out: Path | None = None) -> str:
    """The page; with `out`, linking only the files that exist below it."""
    project = Project.of(deck_paths[0] if deck_paths else Path.cwd())
    entries = sorted((deck_entry(p, project) for p in deck_paths), key=lambda e: e.name)
    if out is not None:
        entries = [existing(e, out) for e in entries]
    return render_index(entries, title or project.settings.title, language(project))
