"""Benchmarks of issue 6: what the adapter costs over the raw ``openai`` client, and what it saves.

Scripts a person runs (``python -m bench``), not timed tests: every comparison runs its sides in
one process, alternating A and B for several rounds, and reports medians and ratios, because a
shared two-core machine is noisy.
"""
