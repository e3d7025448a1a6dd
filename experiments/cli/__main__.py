"""``python -m rainforest.experiments.cli``: the ``rainforest`` command.

The guard matters: sweeps start worker processes with the spawn method, and a spawned
worker imports the main module again; only the real main module may run the command.
"""

if __name__ == "__main__":
    from rainforest.experiments.cli import entry

    entry()
