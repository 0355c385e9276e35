"""Settings for the published site: absolute URLs from site.yaml's base_url.

Used by `make publish` and the publish workflow, always with --strict.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from pelicanconf import *

PUBLISH = True
# SITEURL and FEED_DOMAIN come from site.yaml's base_url (the pipeline sets them when PUBLISH).
RELATIVE_URLS = False
