"""Fixture decks are inputs of tests, not slide tests of their own."""

collect_ignore_glob = ["*/fixtures/*", "fixtures/*"]
