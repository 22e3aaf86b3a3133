"""Thin PySpark ingestion: landing files -> bronze Delta tables (+ quarantine)."""
