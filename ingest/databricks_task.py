"""Entry point of the ingest task in the Databricks job (databricks.yml).

A spark_python_task runs this file with the job's parameters; it puts the
bundle's root on sys.path and calls the same CLI a developer runs locally,
on the cluster's own SparkSession (SPARK_REMOTE is not set there).
"""

from __future__ import annotations

import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from ingest.cli import main

    raise SystemExit(main(["load", *sys.argv[1:]]))
