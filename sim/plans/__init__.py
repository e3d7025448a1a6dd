"""The six plans of the Action Plan, one module each, as the government step applies them.

``sim/steps/government.py`` calls foundation, leading, Hand-in-Hand, open source and
Rainforest in that order; the Array plan acts in the talents step (retention, and the
talents it brings arrive with the quarter's inflow).
"""
