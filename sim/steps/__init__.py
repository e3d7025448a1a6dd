"""The tick's steps, one module each, in the order ``sim/loop.py`` runs them: government,
talents, knowledge, partnering, maturation, market, demography, indicators."""
