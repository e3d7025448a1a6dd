"""Speed measurements: ``model_speed`` (``rainforest bench``: the compiled model by scale
and the Mesa face's step) and ``sweep_speed`` (``rainforest sweep-bench``: runs per hour,
parallel efficiency, Dask's overhead)."""
