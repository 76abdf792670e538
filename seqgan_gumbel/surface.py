"""How a package names its public surface without loading it: each public name is looked up in its
module on first use (PEP 562), so importing a room does no work and loads no torch. Used by the
package itself (`seqgan_gumbel.train`) and by each room (`seqgan_gumbel.training.Trainer`): what a
room's `__all__` lists is what scripts and extensions may import from it (docs/python.md, "Rooms")."""
from __future__ import annotations

import importlib
from collections.abc import Callable


def lazy_surface(package: str, **modules: str) -> tuple[Callable[[str], object], list[str]]:
    """(the package's module-level __getattr__, its __all__) from the names each module (relative to
    the package, a keyword; `__` for a dot: `config__schema`) defines:
    `lazy_surface(__name__, trainer="Trainer", start="train resume")`."""
    where = {name: module.replace("__", ".") for module, names in modules.items() for name in names.split()}

    def __getattr__(name: str) -> object:
        if name in where:
            return getattr(importlib.import_module(f"{package}.{where[name]}"), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__, sorted(where)
