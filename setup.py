"""Builds the Lua debugger's native line hook (engines/lua/native/linehook.c); everything else
about the package is in pyproject.toml.

The library is loaded by Lua (package.loadlib), not imported by Python, and finds the Lua C
API at run time (engines/lua/linehook.py), so it links against nothing but libdl. It is
optional: without a C compiler the install goes on and the Lua engine keeps its pure-Lua hook.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "engines.lua.native.linehook",
            sources=["engines/lua/native/linehook.c"],
            libraries=["dl"],
            extra_compile_args=["-O2", "-std=c99"],
            optional=True,
        )
    ]
)
