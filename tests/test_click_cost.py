"""What keeps a click cheap (issue 11): the CPTS card is a few escaped Markdown blocks planned once,
and after the warm-up a click renders no folium selection (ui/warmup.py)."""
from __future__ import annotations

import dataclasses

from ui import cards, map_component, warmup
from ui.data import get_atlas


def _count(plan) -> int:
    return sum(1 + (_count(item[3]) if item[0] == "expander" else 0) for item in plan)


def test_card_is_a_few_blocks_planned_once_with_escaped_text(atlas):
    t = atlas.territory("pays-de-vitre")
    plan = cards.card_plan(atlas, t)
    assert _count(plan) <= 14          # was ~55 elements (38 Markdown + 16 captions + expanders)
    texts = "\n".join(item[1] for item in plan if item[0] == "md")
    assert "#### CPTS du Pays de Vitré" in texts and "81\u202f205 hab" in texts
    evil = dataclasses.replace(t, nom="**gras** <b>x</b> [lien](http://exemple.invalid)")
    head = cards.card_plan(atlas, evil)[0][1]
    assert "\\*\\*gras\\*\\*" in head and "&lt;b&gt;" in head and "\\[lien\\]\\(http" in head


def test_warm_up_prepares_every_commune_selection():
    warmup.prepare()
    atlas = get_atlas()
    code = "35360"
    before = map_component._cached_selection.cache_info()
    script = map_component.home_selection(code, [t.id for t in atlas.territories_of(code)])
    after = map_component._cached_selection.cache_info()
    assert after.hits == before.hits + 1 and after.misses == before.misses   # no folium rendering on the click
    assert map_component.CLICK_NOW_JS in script and "feature_group_feature_group_0" in script


def test_no_warm_up_thread_outside_a_server():
    assert warmup.start() is None   # a test or a script: nothing runs behind its back
