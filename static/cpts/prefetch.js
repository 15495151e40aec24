/* Carte des CPTS: the map's FIRST script (ui/map_component.py puts it before Leaflet in the list
   streamlit-folium loads one after another). It starts fetching the map's layer files, named in
   its own URL (?u=/app/static/generated/communes-….json&u=…), at once, so that they download and
   parse while Leaflet loads, instead of after Leaflet and the map's script (issue 10: the
   communes' 0.9 MB were fetched only then). The layers' loader (cptsFetch, ui/map_elements.py)
   takes the promise from window.cptsPrefetch; on any failure it fetches again itself. */
(function () {
  var me = document.currentScript, urls = me && me.src ? new URL(me.src).searchParams.getAll("u") : [];
  window.cptsPrefetch = window.cptsPrefetch || {};
  urls.forEach(function (u) {
    if (!/^\/[A-Za-z0-9._\/-]+\.json$/.test(u)) { return; }  // our own static JSON files only
    var p = fetch(u).then(function (r) {
      if (!r.ok) { throw new Error("HTTP " + r.status); }
      return r.json();
    });
    p.catch(function () {});  // reported by the layer that uses it, not as an unhandled rejection
    window.cptsPrefetch[u] = p;
  });
})();
