"""Full-text search: Pagefind's index of the built site (pagefind.py) and the digest of
what Pagefind reads (digest.py), which lets a rebuild reuse the last index. The search
page and its filters are an extension: pipeline/extensions/search.py."""
