"""The local lakehouse platform: engine lifecycle and the pipeline commands."""
