"""The corpus decks are inputs of the differential test, not slide tests of their own."""

collect_ignore_glob = ["corpus/*"]
