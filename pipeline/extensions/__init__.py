"""Extensions of the site, discovered from the modules of this package.

To add one: a module pipeline/extensions/<name>.py defining `EXTENSION`, an object with
the attributes and methods of `base.Extension` (subclass `base.BaseExtension`). Nothing
else to register.
"""

from __future__ import annotations

import importlib
import pkgutil

from pipeline.extensions.base import Extension


def discover() -> list[Extension]:
    found: list[Extension] = []
    for module_info in pkgutil.iter_modules(__path__):
        if module_info.name.startswith("_") or module_info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        extension = getattr(module, "EXTENSION", None)
        if extension is not None:
            found.append(extension)
    return sorted(found, key=lambda e: (e.order, e.name))
