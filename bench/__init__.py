"""The benchmark suite: `python bench/run.py --smoke|--quick|--full` (make bench, bench-quick)."""
