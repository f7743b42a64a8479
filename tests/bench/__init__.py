"""Benchmarks, run by ``make bench``; each prints its figures as one JSON object last."""
