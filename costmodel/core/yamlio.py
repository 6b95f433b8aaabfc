"""Safe YAML parsing, with libyaml's C parser where PyYAML was built with it.

Why: every command loads the price catalog, the assumptions, the readiness checks and a scenario;
the pure-Python parser spends about a second on them, the C one a tenth of that. Both are *safe*
loaders (plain scalars, lists and mappings; no object construction from tags), so user files are
never run as code either way.
"""

from __future__ import annotations

from typing import Any

import yaml

SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> Any:
    """``yaml.safe_load(text)``, through the C parser when available (same steps as PyYAML's own)."""
    loader = SAFE_LOADER(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()
