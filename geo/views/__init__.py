"""Views: what the app, the CLI and the exports show about the CPTS, computed from the territories
(pure Python and pandas; no Streamlit, no folium).

- ``facts``            the figures of a CPTS card, each tagged déclaré/calculé with its origin
- ``indicator_model``  classes, values, palettes of the thematic indicators
- ``indicators``       the six indicators to colour the map by, and ``classify``
- ``timeline``         ACI signatures over time, population covered at a date
- ``tables``           one CPTS's communes, all CPTS side by side, missions
- ``coverage``         how much of Brittany the documented CPTS cover, the sources' own figures
- ``sources``          datasets and source documents tables
- ``registry_scope``   « Registre partiel : 5 CPTS cartographiées sur 37 connues en 2024 » (app and exports)
- ``downloads``        CSV / GeoJSON files handed out by the pages
- ``declared``         every declared fact of a CPTS with value, date and source id (territories --json)
- ``registry_scope``   « Registre partiel : 5 CPTS cartographiées sur 37 connues en 2024 », from the registry

Import the module you need (``from geo.views.tables import comparison_table``): this package
imports nothing itself, so loading one view does not load them all.
"""
