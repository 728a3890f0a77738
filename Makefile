# Lecture decks: build, check and hand out.  `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PY      := .venv/bin/python
LK      := $(PY) -m lecturekit
PORT    ?= 8080
# The decks ([tool.lecturekit] decks in pyproject.toml): outputs mirror them below slides/, so
# slides/X.md -> dist/X.*.  make cannot name a file with a space as a target: such decks are
# left out of DECKS (a name split at its space is no file) and built by lecturekit directly.
DECKS   := $(foreach d,$(wildcard slides/*.md),$(if $(wildcard $(d)),$(d)))
SPACED  := $(shell for f in slides/*\ *.md; do [ -e "$$f" ] && printf "'%s' " "$$f"; done; true)
NAMES   := $(DECKS:slides/%.md=%)
THEMES  := $(wildcard themes/*.css)
IMAGES  := $(wildcard img/*)
BUILD   := marp.config.mjs package-lock.json scripts/build-deck.py lecturekit/cli.py \
           $(wildcard lecturekit/render/*.py lecturekit/render/engine/*.mjs lecturekit/deck/*.py)
LAYOUT  ?= error
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
HANDOUT := marp.config.mjs scripts/build-handout.py lecturekit/cli.py \
           $(wildcard lecturekit/handout/*.py lecturekit/handout/*.cjs lecturekit/handout/templates/*)
NUP     ?= 2
READY   := .venv/.ready node_modules/.ready .venv/.system-ready

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

setup: $(READY) ## Install what the build needs (apt packages, node_modules, .venv)

slides: | $(READY) ## Render every deck to dist/<deck>.html and .pdf, JOBS at a time (LAYOUT=warn, CHECK=0|fresh)
	@$(MAKE) --no-print-directory -j$(JOBS) $(NAMES:%=dist/%.pdf)
	@$(if $(strip $(SPACED)),$(LK) build $(strip $(SPACED)) --layout $(LAYOUT))

dist/%.html dist/%.pdf &: slides/%.md $(THEMES) $(IMAGES) $(BUILD) | $(READY)
	@$(LK) build $< --layout $(LAYOUT)

# An interrupted build must never cost the published outputs (make deletes
# the targets of an interrupted recipe otherwise); the build replaces them
# atomically, so they are never half-written.
.PRECIOUS: dist/%.html dist/%.pdf

figures: | $(READY) ## Regenerate the figures in img/ from scripts/figures/
	@$(PY) scripts/figures/make_figures.py

figures-check: | $(READY) ## Fail if a figure in img/ is not what its script draws
	@$(PY) scripts/figures/make_figures.py --check

handout: | $(READY) ## Notebooks, reading HTML, vector n-up PDF (NUP=2|3|4), exercises, index; JOBS decks at a time
	@rm -f dist/.nup-*  # the layout stamp earlier versions left in dist/
	@$(MAKE) --no-print-directory -j$(JOBS) $(NAMES:%=dist/%$(NUPPDF)) dist/index.html
	@$(if $(strip $(SPACED)),$(LK) build $(strip $(SPACED)) --layout $(LAYOUT) && $(LK) handout $(strip $(SPACED)) --nup $(NUP))

# The printed handout's name says its layout (X-handout.pdf is 2-up, X-handout-3up.pdf,
# X-handout-4up.pdf), so a new NUP is a new target and no stamp file is needed.
NUPPDF  := -handout$(if $(filter 2,$(NUP)),,-$(NUP)up).pdf
dist/%.ipynb dist/%-handout.html dist/%$(NUPPDF) dist/%-exercises.ipynb &: slides/%.md dist/%.pdf $(THEMES) $(IMAGES) $(HANDOUT) | $(READY)
	@$(LK) handout $< --nup $(NUP) --no-index

# The index links only files that exist, so it is written after every deck's files.
dist/index.html: $(DECKS) $(NAMES:%=dist/%.ipynb) $(HANDOUT) pyproject.toml | $(READY)
	@$(LK) index

site: handout ## dist/ as a static site in dist/site/ (what GitHub Pages publishes)
	@$(LK) site

# More than one deck: check them CHECK_JOBS at a time (pytest-xdist; each deck stays on one worker).
CHECK_JOBS ?= 2
check: | $(READY) ## Run every Python block of every deck (or DECK=slides/X.md) and assert its outputs
	@$(LK) check -q $(if $(DECK),$(DECK),$(if $(and $(word 2,$(DECKS) $(SPACED)),$(filter-out 0 1,$(CHECK_JOBS))),-n $(CHECK_JOBS)) $(strip $(DECKS) $(SPACED)))

update-outputs: | $(READY) ## Rewrite the expected outputs of DECK=slides/X.md (or every deck) from what runs
	@$(LK) check -q --update-outputs $(DECK)

watch: | $(READY) ## Re-check DECK=slides/X.md on every save (warm kernel)
	@test -n "$(DECK)" || { echo "usage: make watch DECK=slides/X.md" >&2; exit 2; }
	@exec $(LK) watch $(DECK)

new: | $(READY) ## Start slides/<DECK>.md from the template: make new DECK=04-nn TITLE="…"
	@test -n "$$DECK" -a -n "$$TITLE" || { echo 'usage: make new DECK=04-nn TITLE="…"' >&2; exit 2; }
	@$(LK) new "$$DECK" --title "$$TITLE"

test: | $(READY) ## The full test suite (README's test command; CI runs it)
	@bash scripts/run-tests.sh

bench: | $(READY) ## Benchmarks: checker, build, handout and watch, each as a ratio with its goal
	@$(PY) scripts/bench/checker.py
	@$(PY) scripts/bench/build.py
	@$(PY) scripts/bench/handout.py
	@$(PY) scripts/bench/watch.py slides/03-autodiff.md

lint: | $(READY) ## ruff over the project's Python
	@.venv/bin/ruff check lecturekit scripts tests

preview: | $(READY) ## Serve the decks (or DECK=…) on 127.0.0.1:8080 (PORT=…), live reload, failure banners
	@exec $(LK) preview $(DECK) --port $(PORT)

clean: ## Remove build products
	rm -rf dist

.venv/.ready: pyproject.toml
	@bash scripts/setup.sh venv && touch $@

node_modules/.ready: package.json package-lock.json
	@bash scripts/setup.sh node && touch $@

.venv/.system-ready: scripts/setup.sh
	@bash scripts/setup.sh system && mkdir -p .venv && touch $@

.PHONY: help setup slides figures figures-check handout site check update-outputs watch new \
        test bench lint preview clean
