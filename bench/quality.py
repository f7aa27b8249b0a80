"""All quality figures in one run: news filter + categories, then threads.

    python bench/quality.py

Runs bench/quality_categories.py (score.py categories on ../shared/eval/cats_dev.jsonl) and
bench/quality_threads.py (score.py threads on ../shared/eval/pairs_dev.jsonl, plus the Toloka
pairs, OG2021 titles and the seeds check), each printing its own figures.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    status = 0
    for script in ("quality_categories.py", "quality_threads.py"):
        print(f"== {script}", flush=True)
        status |= subprocess.call([sys.executable, str(HERE / script), *sys.argv[1:]])
    return status


if __name__ == "__main__":
    sys.exit(main())
