# Lecture decks: build, check and hand out.  `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PY      := .venv/bin/python
DECKS   := $(wildcard slides/*.md)
NAMES   := $(DECKS:slides/%.md=%)
THEMES  := $(wildcard themes/*.css)
IMAGES  := $(wildcard img/*)
BUILD   := marp.config.mjs package-lock.json scripts/build-deck.py \
           $(wildcard lecturekit/build/*.py lecturekit/build/engine/*.mjs lecturekit/deck/*.py)
LAYOUT  ?= error
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
HANDOUT := marp.config.mjs scripts/build-handout.py \
           $(wildcard lecturekit/handout/*.py lecturekit/handout/*.cjs lecturekit/handout/templates/*)
NUP     ?= 2
READY   := .venv/.ready node_modules/.ready .venv/.system-ready

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

setup: $(READY) ## Install what the build needs (apt packages, node_modules, .venv)

slides: | $(READY) ## Render every deck to dist/<deck>.html and .pdf, JOBS at a time (LAYOUT=warn)
	@$(MAKE) --no-print-directory -j$(JOBS) $(NAMES:%=dist/%.pdf)

dist/%.html dist/%.pdf &: slides/%.md $(THEMES) $(IMAGES) $(BUILD) | $(READY)
	@$(PY) scripts/build-deck.py $< --layout $(LAYOUT)

# An interrupted build must never cost the published outputs (make deletes
# the targets of an interrupted recipe otherwise); build-deck.py replaces them
# atomically, so they are never half-written.
.PRECIOUS: dist/%.html dist/%.pdf

figures: | $(READY) ## Regenerate the figures in img/ from scripts/figures/
	@$(PY) scripts/figures/make_figures.py

figures-check: | $(READY) ## Fail if a figure in img/ is not what its script draws
	@$(PY) scripts/figures/make_figures.py --check

handout: $(NAMES:%=dist/%.ipynb) dist/index.html ## Notebooks, reading HTML, vector n-up PDF (NUP=2|4), exercises, index

dist/%.ipynb dist/%-handout.html dist/%-handout.pdf dist/%-exercises.ipynb &: slides/%.md dist/%.pdf $(THEMES) $(IMAGES) $(HANDOUT) dist/.nup-$(NUP) | $(READY)
	@$(PY) scripts/build-handout.py $< --nup $(NUP)

dist/.nup-$(NUP):
	@mkdir -p dist && rm -f dist/.nup-* && touch $@

dist/index.html: $(DECKS) $(HANDOUT) pyproject.toml | $(READY)
	@$(PY) scripts/build-index.py $(DECKS)

site: handout ## dist/ as a static site in dist/site/ (what GitHub Pages publishes)
	@$(PY) scripts/build-site.py $(DECKS)

# More than one deck: check them CHECK_JOBS at a time (pytest-xdist; each deck stays on one worker).
CHECK_JOBS ?= 2
check: | $(READY) ## Run every Python block of every deck and assert its outputs (CHECK_JOBS=2 in parallel)
	@$(PY) -m pytest -q $(if $(and $(word 2,$(DECKS)),$(filter-out 0 1,$(CHECK_JOBS))),-n $(CHECK_JOBS)) $(or $(DECKS),slides)

test: | $(READY) ## The full test suite (README's test command; CI runs it)
	@bash scripts/run-tests.sh

bench: | $(READY) ## Benchmarks: the checker vs Sybil, pytest-codeblocks, exec; the build vs bare marp-cli
	@$(PY) scripts/bench-checker.py
	@$(PY) scripts/bench-build.py
	@$(PY) scripts/bench-handout.py

lint: | $(READY) ## ruff over the project's Python
	@.venv/bin/ruff check lecturekit scripts tests

preview: | $(READY) ## Serve the decks with live reload at http://localhost:8080/slides/
	@npx marp --config-file marp.config.mjs --server --input-dir .

clean: ## Remove build products
	rm -rf dist

.venv/.ready: pyproject.toml
	@bash scripts/setup.sh venv && touch $@

node_modules/.ready: package.json package-lock.json
	@bash scripts/setup.sh node && touch $@

.venv/.system-ready: scripts/setup.sh
	@bash scripts/setup.sh system && mkdir -p .venv && touch $@

.PHONY: help setup slides figures figures-check handout site check test bench lint preview clean
