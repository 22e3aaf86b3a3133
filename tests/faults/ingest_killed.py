"""The ingest job, killed (SIGKILL) at the worst moment: a file of the named
source has its rows in bronze but no `loaded` entry in the file log yet.

    python tests/faults/ingest_killed.py <source> <ingest arguments...>

The fault lives here, in the tests: the product has no hook for it.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from ingest import cli, load  # noqa: E402


def main() -> int:
    source = sys.argv.pop(1)
    log_load = load.Loader._log_load

    def dying(self, out, result, **extra):
        if result.status == "loaded" and out.source.name == source:
            os.kill(os.getpid(), signal.SIGKILL)
        log_load(self, out, result, **extra)

    load.Loader._log_load = dying
    return cli.main()


if __name__ == "__main__":
    raise SystemExit(main())
