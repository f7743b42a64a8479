"""The audit trail: checkpoint signing, proofs from the hash tiles, live verification, bundles
and export files."""
