"""Carte des CPTS — data layer (no Streamlit here).

Modules, one concern each:
- ``paths``        where the repository's data files live
- ``download``     fetch the declared source packages into the local cache
- ``referential``  communes of the COG (codes, names, EPCI, population, geometry)
- ``registry``     CPTS facts and perimeters as published (data/registry)
- ``matching``     commune names as written -> current INSEE codes
- ``territories``  registry perimeters -> INSEE codes, totals, dissolved geometry, discrepancies
- ``lookup``       point -> commune -> CPTS
- ``cli``          ``python -m geo`` (build-data, territories, lookup, check)
"""
