"""The slide checker: run every Python block of a Marp deck and assert the outputs it shows."""

from lecturekit.check.session import BlockResult, DeckSession, run_deck

__all__ = ["BlockResult", "DeckSession", "run_deck"]
