"""The built decks as a static site (dist/site/) for GitHub Pages; `main` is the CLI."""

from lecturekit.site.build import Site, SiteError, build_site
from lecturekit.site.cli import main

__all__ = ["Site", "SiteError", "build_site", "main"]
