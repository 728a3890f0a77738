"""Parse, check, build and hand out Marp lecture decks."""
