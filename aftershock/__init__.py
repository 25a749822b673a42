"""Aftershock: the glue around ingest, dbt, the quality gate and publishing."""
