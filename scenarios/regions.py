"""The producers Shanghai's future-industry firms compete with, as five aggregate regions.

Under the ``frontier`` market form (docs/ODD.md 7.7) each field's demand is China's
market plus exports, and Shanghai's sellers share it with these regions. A region is a
number of selling firms (its share of ``market.competitor_sellers``) at one knowledge
level per field, which catches up with the world frontier at a rate that scales with the
region's R&D intensity (absorptive capacity: Cohen & Levinthal 1990; Griffith, Redding &
Van Reenen 2004).

Numbers and sources (docs/ODD.md 7.7 lists them with their grades):

- ``SELLER_SHARE``: each region's share of the competing producers, in proportion to its
  share of the demand they serve, built from the related industries Shanghai's clusters
  grow from. Integrated circuits, 2021-24 (CSIA national sales 1,045.8 bn in 2021;
  Shanghai about 25 % of national, official, 2022-09-14; Shenzhen 256 bn and Guangdong
  about 270 bn of semiconductor revenue in 2023; Jiangsu 31 % and Zhejiang 7 % of chip
  units in 2024, MIIT): Shanghai 0.25, Jiangsu-Zhejiang 0.25, Guangdong 0.17, Beijing
  0.10, the rest 0.23 of national output. Artificial intelligence weighs Beijing up
  (about half of the national core AI industry, 2024). Foreign suppliers ("abroad") are
  taken to serve 0.30 of China's demand for the future fields and their exports: China
  buys about 30 % of the world's chips and makes about 10 % of their value (SIA 2020-24),
  but less of biomedicine and energy storage is imported. So the regions' shares of the
  demand are about Beijing 0.105, Guangdong 0.12, Jiangsu-Zhejiang 0.175, the rest of
  China 0.14 and abroad 0.30 (Shanghai 0.16); their shares of the competitors are those
  over 0.84. An assumption built on these figures, not a statistic of the 16 fields,
  which have none.
- ``RD_INTENSITY``: R&D expenditure over GDP, 2023-24 (national statistical bulletins;
  Beijing 6.58 % in 2024, Guangdong 3.54 %, Jiangsu 3.29 %, Zhejiang 3.20 %, China
  2.65 % in 2023; OECD MSTI for the leading foreign producers' economies), and Shanghai's
  own 4.4 % (2023-24) as the reference the catch-up rate is stated at.
"""

from __future__ import annotations

REGIONS: tuple[str, ...] = ("beijing", "guangdong", "jiangsu_zhejiang", "rest_of_china", "abroad")

# Share of the competing sellers (sums to 1).
SELLER_SHARE: tuple[float, ...] = (0.125, 0.143, 0.208, 0.167, 0.357)

# R&D / GDP of each region, and Shanghai's, around 2023-24.
RD_INTENSITY: tuple[float, ...] = (0.0658, 0.0354, 0.0325, 0.0200, 0.0350)
SHANGHAI_RD_INTENSITY = 0.044

# Each region's catch-up rate relative to a region of Shanghai's R&D intensity.
CATCH_UP_FACTOR: tuple[float, ...] = tuple(r / SHANGHAI_RD_INTENSITY for r in RD_INTENSITY)
N_REGIONS = len(REGIONS)

assert abs(sum(SELLER_SHARE) - 1.0) < 1e-9
assert len(SELLER_SHARE) == len(RD_INTENSITY) == N_REGIONS
