"""Placeholder."""

from engines.tengo.values import ImmutableMap

MODULE = ImmutableMap({})
