"""Prints the conformance summary table at the end of the test session."""

from __future__ import annotations


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # noqa: ARG001
    from . import test_conformance

    if test_conformance.RESULTS:
        terminalreporter.write_sep("=", "Tengo conformance summary")
        terminalreporter.write_line(test_conformance.pytest_terminal_summary_table())
