"""The ``rand`` module (Python's Mersenne Twister; sequences differ from Go's)."""

from __future__ import annotations

import random
from typing import Any

from ._util import arg_int, module, nargs

_rng = random.Random()


def _seed(*a: Any) -> None:
    nargs("seed", a, 1)
    _rng.seed(arg_int("seed", a, 0))


def _intn(*a: Any) -> int:
    nargs("intn", a, 1)
    n = arg_int("intn", a, 0)
    return _rng.randrange(n) if n > 0 else 0


def _read_with(r: random.Random, a: tuple) -> Any:
    nargs("read", a, 1)
    buf = a[0]
    if type(buf) is not bytearray:
        return 0
    buf[:] = r.randbytes(len(buf))  # fills the buffer in place, as upstream
    return len(buf)


def _read(*a: Any) -> Any:
    return _read_with(_rng, a)


def _reseed(r: random.Random, a: tuple) -> None:
    nargs("seed", a, 1)
    r.seed(arg_int("seed", a, 0))


def _rand_obj(seed: int) -> Any:
    r = random.Random(seed)
    return module(
        "rand",
        {
            "seed": lambda *a: _reseed(r, a),
            "int": lambda *a: r.getrandbits(63),
            "float": lambda *a: r.random(),
            "intn": lambda *a: r.randrange(max(arg_int("intn", a, 0), 1)),
            "exp_float": lambda *a: r.expovariate(1.0),
            "norm_float": lambda *a: r.gauss(0.0, 1.0),
            "read": lambda *a: _read_with(r, a),
        },
    )


MODULE = module(
    "rand",
    {
        "seed": _seed,
        "int": lambda *a: _rng.getrandbits(63),
        "float": lambda *a: _rng.random(),
        "intn": _intn,
        "exp_float": lambda *a: _rng.expovariate(1.0),
        "norm_float": lambda *a: _rng.gauss(0.0, 1.0),
        "perm": lambda *a: (
            nargs("perm", a, 1),
            _rng.sample(range(arg_int("perm", a, 0)), arg_int("perm", a, 0)),
        )[1],
        "read": _read,
        "rand": lambda *a: _rand_obj(arg_int("rand", a, 0)),
    },
)
