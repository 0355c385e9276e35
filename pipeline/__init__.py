"""Open-data and transparency site generator of the Département du Nord."""

__version__ = "0.1.0"

# Bump when a change to validation or conversion must invalidate cached results.
PIPELINE_VERSION = "4"
