"""A module beside the Markdown file, imported by module-beside.md."""


def answer():
    return 42
