"""rainforest: an agent-based simulator of Shanghai's future-industry innovation ecosystem.

The installed package's layers are its subpackages, imported one way only:
``experiments`` → ``viz`` → ``agents`` → ``sim`` → ``scenarios``.
"""
