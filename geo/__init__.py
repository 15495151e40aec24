"""Carte des CPTS — data layer (no Streamlit here).

One sub-package per stage of the pipeline, in the order the data flows:

    sources ──> referential ──> registry ──> matching ──> territories ──> views / exports
                (communes)      (CPTS facts)  (names → INSEE)  (perimeters)    (what users see)

- ``paths``         where the data files live (``CPTS_DATA_DIR``…)
- ``formatting``    French numbers, money, percentages and dates (Babel)
- ``referential/``  declared source packages (sources.yaml, download), COG tables and IGN contours,
                    build and load of data/communes.parquet, national index of commune codes,
                    point → commune (locator), commune search
- ``registry/``     CPTS facts as published in data/registry: pydantic models and JSON Schema, load
                    and validation, citations, atomic publication (store), quality report
- ``matching/``     commune names as written → current INSEE codes (rapidfuzz)
- ``importing/``    regional lists of CPTS (CSV, XLSX, GeoJSON): decoding, readers, columns, values,
                    analysis, report
- ``territories``   registry perimeters → INSEE codes, totals, dissolved geometry, discrepancies
- ``atlas``         referential + registry + territories + locator, loaded once per process
- ``views/``        what pages and commands show: card facts, indicators, timeline, tables,
                    coverage, sources, downloads, declared facts with their sources
- ``exports/``      offline files: PNG map, PDF fiche, CSV/XLSX/GeoJSON tables
- ``mapdata``, ``offline``  the browser map's layers and offline assets
- ``cli/``          ``python -m geo`` (one module per command, table in cli/commands.py)

Nothing in geo/ imports Streamlit, there is no import circle, and modules stay under 400 lines (checked by
tests/test_architecture.py).
"""
