"""Pure renderers of the read models for readers: summaries, timeline entries, reports,
printable pages, claim packs, loss runs."""
