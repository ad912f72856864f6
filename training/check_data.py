"""Tell what is wrong with an InterHuman-layout folder.

    python -m training.check_data ROOT

Prints a per-split summary, every broken clip with its reason (missing motion or captions,
wrong shape, NaN/inf, too short) and a length histogram. Exits 1 when the folder cannot be
used for training (missing folders or train split, or no usable training clip).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from t2i_core.data.checks import check_folder, format_report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("root", type=Path, help="InterHuman-layout folder")
    parser.add_argument("--max-listed", type=int, default=30, help="broken clips listed per split")
    args = parser.parse_args(argv)
    report = check_folder(args.root)
    print(format_report(report, args.max_listed))
    return 0 if report.usable else 1


if __name__ == "__main__":
    sys.exit(main())
