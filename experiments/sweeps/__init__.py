"""Sweeps: many scenario variants with replicates, run in chunks and stored as Parquet.

``spec`` reads and checks sweep files, ``samplers`` draws their sample tables, ``runner``
plans the runs and resumes interrupted sweeps, ``executors`` runs chunks in local worker
processes or on a Dask cluster, ``storage`` is the results folder, ``progress`` shows a
running sweep, and ``analysis`` summarises a folder (outcomes by sample, Sobol' and
Morris indices). The shipped sweep
files are in ``library/``.
"""
