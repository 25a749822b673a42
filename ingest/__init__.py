"""Aftershock ingest: source clients, normalisation and the landing writer.

Ingest never opens the warehouse. Each source produces a normalised batch (a pandas
DataFrame with a fixed schema), rows that fail validation go to a quarantine file with
a reason, and the rest is landed as one Parquet file per batch under the lake.
"""
