"""Pelican's own settings for local builds. The site's identity is in site.yaml.

The pipeline (python build.py build) adds OUTPUT_PATH, the datasets (OPENDATA) and the
site settings (SITE) before Pelican runs; this file holds what Pelican needs to render.
"""

from pipeline.pelican_plugin.filters import JINJA_FILTERS  # noqa: F401 (read by Pelican)

SITENAME = "Données ouvertes du Nord"  # replaced by site.yaml's name at build time
SITEURL = ""
RELATIVE_URLS = False
PATH = "content"
THEME = "theme"
TIMEZONE = "Europe/Paris"
DEFAULT_LANG = "fr"
DEFAULT_DATE_FORMAT = "%d/%m/%Y"
LOCALE = ("C.UTF-8",)

PLUGINS = ["pipeline.pelican_plugin"]
DELETE_OUTPUT_DIRECTORY = False  # the pipeline builds into a fresh folder and swaps it in
LOAD_CONTENT_CACHE = False
CACHE_CONTENT = False
# Dates of pages come from their metadata, never from the file system's clock.
DEFAULT_DATE = None

ARTICLE_PATHS = ["articles"]
PAGE_PATHS = ["pages"]
STATIC_PATHS = ["documents"]

ARTICLE_URL = "actualites/{slug}/"
ARTICLE_SAVE_AS = "actualites/{slug}/index.html"
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"
CATEGORY_URL = "actualites/categorie/{slug}/"
CATEGORY_SAVE_AS = "actualites/categorie/{slug}/index.html"
CATEGORIES_SAVE_AS = ""
INDEX_SAVE_AS = "actualites/index.html"
TAG_SAVE_AS = ""
TAGS_SAVE_AS = ""
AUTHOR_SAVE_AS = ""
AUTHORS_SAVE_AS = ""
ARCHIVES_SAVE_AS = ""
ARTICLE_LANG_SAVE_AS = ""
PAGE_LANG_SAVE_AS = ""
DEFAULT_PAGINATION = False
DIRECT_TEMPLATES = ["index"]
SLUGIFY_SOURCE = "basename"

FEED_DOMAIN = None  # set from site.yaml's base_url at build time
FEED_ALL_ATOM = "feeds/actualites.atom.xml"
CATEGORY_FEED_ATOM = "feeds/actualites-{slug}.atom.xml"
FEED_ALL_RSS = None
CATEGORY_FEED_RSS = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
TRANSLATION_FEED_ATOM = None
TAG_FEED_ATOM = None

MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.extra": {},
        "markdown.extensions.toc": {"permalink": False},
        "markdown.extensions.sane_lists": {},
        "pipeline.pelican_plugin.safe_markdown": {},
    },
    "output_format": "html5",
}

# Every value is HTML-escaped unless a template marks it safe: titles, descriptions and
# cells come from data files. Only Pelican's rendered Markdown (content, summary) is |safe.
JINJA_ENVIRONMENT = {"trim_blocks": True, "lstrip_blocks": True, "extensions": [], "autoescape": True}
