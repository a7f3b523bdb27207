"""`python -m sandbox.cohort --data-dir DIR [--socialwork-url URL]`: build the demo cohort stores."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from sandbox.cohort import DEFAULT_SEED, DEFAULT_SIZE, generate, write


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.cohort", description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=Path("instance/sandbox"))
    parser.add_argument("--socialwork-url", default=None, help="PostgreSQL URL; default is socialwork.db in DIR")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--size", type=int, default=DEFAULT_SIZE)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    cohort = generate(seed=args.seed, size=args.size)
    write(cohort, args.data_dir, socialwork_url=args.socialwork_url)
    # Counts only: the cohort is fictional, but the habit of not printing personal data holds.
    print(f"wrote {len(cohort.children)} children to {args.data_dir} in {time.perf_counter() - started:.1f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
