# Lecture decks: build, check and hand out.  `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PY      := .venv/bin/python
DECKS   := $(wildcard slides/*.md)
NAMES   := $(DECKS:slides/%.md=%)
THEMES  := $(wildcard themes/*.css)
IMAGES  := $(wildcard img/*)
BUILD   := marp.config.mjs scripts/build-deck.py scripts/check-html.mjs \
           $(wildcard lecturekit/build/*.py lecturekit/deck/*.py)
HANDOUT := marp.config.mjs scripts/build-handout.py \
           $(wildcard lecturekit/handout/*.py lecturekit/handout/*.cjs lecturekit/handout/templates/*)
NUP     ?= 2
READY   := .venv/.ready node_modules/.ready .venv/.system-ready

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

setup: $(READY) ## Install what the build needs (apt packages, node_modules, .venv)

slides: $(NAMES:%=dist/%.html) $(NAMES:%=dist/%.pdf) ## Render every deck to dist/<deck>.html and .pdf

dist/%.html dist/%.pdf &: slides/%.md $(THEMES) $(IMAGES) $(BUILD) | $(READY)
	@$(PY) scripts/build-deck.py $<

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

check: | $(READY) ## Run every Python block of every deck and assert its outputs
	@$(PY) -m pytest -q slides

test: | $(READY) ## The full test suite (README's test command; CI runs it)
	@bash scripts/run-tests.sh

bench: | $(READY) ## Benchmark the slide checker against Sybil, pytest-codeblocks and plain exec
	@$(PY) scripts/bench-checker.py
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

.PHONY: help setup slides figures figures-check handout check test bench lint preview clean
