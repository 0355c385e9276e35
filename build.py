#!/usr/bin/env python3
"""Command line of the site: `python build.py --help`."""

from pipeline.cli import main

if __name__ == "__main__":
    main()
