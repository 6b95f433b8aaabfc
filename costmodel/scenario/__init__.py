"""Scenario: the what-if settings (regions, growth, time profile, Serverless v2 and DSQL settings).

:func:`load_scenario` reads a preset or file with overrides; :mod:`.activity` turns the time profile
(or a measured series) into one week of per-minute activity.
"""

from __future__ import annotations

from costmodel.scenario.model import Scenario, list_presets, load_scenario, scenario_assumptions

__all__ = ["Scenario", "list_presets", "load_scenario", "scenario_assumptions"]
