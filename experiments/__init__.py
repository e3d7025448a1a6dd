"""Experiments with the model: runs, sweeps, studies, benchmarks and the command line.

``run`` holds one run (``run_one``, seeds); ``scorecard`` and ``run_files`` turn replicates
into the 2030 scorecard and result files; ``sweeps``, ``studies`` and ``benchmarks`` are
subpackages; ``cli`` is the ``rainforest`` command and ``api`` the Python API that
``import rainforest`` re-exports. Nothing here is imported by the layers below it.
"""
