"""``python -m bench``: every benchmark, results in ``bench/results/``."""

from bench.run_all import main

main()
