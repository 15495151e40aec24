"""Former home of the data-quality report, now geo/registry/quality.py. This alias keeps
``from geo.quality import …`` working for the modules not yet moved."""
from geo.registry.quality import *  # noqa: F401,F403
from geo.registry.quality import __all__  # noqa: F401
