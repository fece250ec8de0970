"""Spells: loading programs and their ``spell.yaml`` manifests, typed parameters, templates.

Importing this package stays cheap (no jsonschema) so that ``llmspell run`` starts fast.
"""

from engines.spell.errors import ManifestError, ParamError, Problem, SpellLoadError
from engines.spell.loader import discover_spells, load_spell
from engines.spell.model import ENGINES, Limits, Permissions, Spell
from engines.spell.params import (
    ParameterSpec,
    load_params_file,
    parse_param_args,
    resolve_params,
)
from engines.spell.templates import create_spell

__all__ = [
    "ENGINES",
    "Limits",
    "ManifestError",
    "ParamError",
    "ParameterSpec",
    "Permissions",
    "Problem",
    "Spell",
    "SpellLoadError",
    "create_spell",
    "discover_spells",
    "load_params_file",
    "load_spell",
    "parse_param_args",
    "resolve_params",
]
