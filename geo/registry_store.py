"""Former home of the registry store: the code is now geo/registry/store.py (publish), export.py
(listing) and yaml_write.py. This alias keeps ``from geo.registry_store import …`` working for the
modules not yet moved to ``geo.registry.store``."""
from geo.registry.store import *  # noqa: F401,F403
from geo.registry.store import __all__  # noqa: F401
