"""The authoring loop: a new deck from the template, a warm re-check on save, a safe preview.

These are the tools a lecturer runs while writing (`lecturekit new|watch|preview`);
the build and the checker stay where they are and are only called from here.
"""
