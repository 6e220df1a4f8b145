"""Beejan complaints lakehouse: shared library for the Spark/Delta jobs."""

__version__ = "0.1.0"
