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


class AliasRefused(yaml.YAMLError):
    """An untrusted YAML document uses an anchor or an alias (refused: aliases can expand exponentially)."""

    def __init__(self, line: int | None) -> None:
        super().__init__("anchors and aliases (&name, *name) are not allowed in this file")
        self.line = line


def safe_load_untrusted(text: str) -> Any:
    """:func:`safe_load` for files that come from elsewhere (bundles, uploads): no anchors, no aliases.

    Why: a ~1 KB "billion laughs" document (nested aliases) expands to gigabytes when constructed.
    The event stream is scanned first (cheap, linear in the text) and any anchor or alias refused
    before a single object is built; a tool-written bundle never contains one (its dumper ignores
    aliases).
    """
    loader = SAFE_LOADER(text)
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
                mark = event.start_mark
                raise AliasRefused(mark.line + 1 if mark is not None else None)
    finally:
        loader.dispose()
    return safe_load(text)
