"""Expression code generation for the Tengo compiler.

Every method returns an *atom*: a Python expression (a name, a temporary or a
literal) holding the value, after emitting the statements that compute it.
Operations that can fail get their own generated line carrying the Tengo
position, so errors can be reported at upstream's positions.
"""

from __future__ import annotations

from . import ast as A
from .codegen import (
    _HELPERS,
    _MAX,
    _MIN,
    CodegenBase,
    _eq_expr,
    _int_atom,
    _is_float_atom,
    _is_str_atom,
    _may_change_vars,
    _out_of_range,
    _py_arith_ok,
)

# builtin -> inline expression for a single argument ``a`` (an atom)
_INLINE_BUILTINS = {
    "_b_len": "len({a}) if type({a}) is list else _b_len({a})",
    "_b_string": "{a} if type({a}) is str else str({a}) if type({a}) is int else _b_string({a})",
    "_b_int": "{a} if type({a}) is int else _b_int({a})",
    "_b_is_error": "type({a}) is _TError",
    "_b_is_undefined": "{a} is None",
    "_b_is_string": "type({a}) is str",
    "_b_is_int": "type({a}) is int",
    "_b_is_float": "type({a}) is float",
    "_b_is_bool": "type({a}) is bool",
    "_b_is_array": "type({a}) is list",
    "_b_is_map": "type({a}) is dict",
    "_b_is_bytes": "type({a}) is bytearray",
}


def _above(t: str) -> str:
    return f"{t} > 1073741823 and {t} > {_MAX}"


def _below(t: str) -> str:
    return f"{t} < -1073741823 and {t} < {_MIN}"


def _range_check(op: str, t: str, a_int: int | None, b_int: int | None) -> str:
    """Condition under which ``t = a op b`` (ints) left int64; with a
    literal operand only one direction can overflow."""
    if op == "+" and (a_int is not None or b_int is not None):
        c = a_int if a_int is not None else b_int
        assert c is not None
        return _above(t) if c >= 0 else _below(t)
    if op == "-" and b_int is not None:
        return _below(t) if b_int >= 0 else _above(t)
    return _out_of_range(t)


class ExprCompiler(CodegenBase):
    # --- provided by the function compiler (int specialisation) ------------------

    def int_binary_op(self, op: str, a: str, b: str, lazy: bool = False) -> str | None:
        raise NotImplementedError

    def spec_arith(self, n: A.BinaryExpr) -> str | None:
        raise NotImplementedError

    def spec_call(self, n: A.CallExpr) -> str | None:
        raise NotImplementedError

    def spec_callee(self, n: A.CallExpr, args: list[str]) -> tuple[str, bool] | None:
        raise NotImplementedError

    def _normalise_call(self, n: A.CallExpr, t: str) -> None:
        raise NotImplementedError

    # --- expressions ----------------------------------------------------------------

    def expr(self, n: A.Node) -> str:
        return getattr(self, "x_" + type(n).__name__)(n)

    def x_BadExpr(self, n: A.Node) -> str:  # pragma: no cover
        raise self.error(n, "bad expression")

    def x_IntLit(self, n: A.IntLit) -> str:
        return str(n.value)

    def x_FloatLit(self, n: A.FloatLit) -> str:
        v = n.value
        if v != v or v in (float("inf"), float("-inf")):
            return self.const(v, ("f", repr(v)))
        return repr(v)

    def x_StringLit(self, n: A.StringLit) -> str:
        if self.opts.max_string_len is not None and len(n.value) > self.opts.max_string_len:
            raise self.error(n, "exceeding string size limit")
        return repr(n.value)

    def x_CharLit(self, n: A.CharLit) -> str:
        from .values import Char

        return self.const(Char(n.value), ("c", n.value))

    def x_BoolLit(self, n: A.BoolLit) -> str:
        return "True" if n.value else "False"

    def x_UndefinedLit(self, n: A.UndefinedLit) -> str:
        return "None"

    def x_ParenExpr(self, n: A.ParenExpr) -> str:
        return self.expr(n.expr)

    def x_Ident(self, n: A.Ident) -> str:
        sym = self.resolve(n.name)
        if sym is None:
            raise self.error(n, f"unresolved reference '{n.name}'")
        return self.read_sym(sym)

    def x_ArrayLit(self, n: A.ArrayLit) -> str:
        items = [self.expr(e) for e in n.elements]
        t = self.tmp()
        self.count_alloc(n.pos)
        self.emit(f"{t} = [{', '.join(items)}]")
        return t

    def x_MapLit(self, n: A.MapLit) -> str:
        items = []
        for e in n.elements:
            if self.opts.max_string_len is not None and len(e.key) > self.opts.max_string_len:
                raise self.error(n, "exceeding string size limit")
            if isinstance(e.value, A.FuncLit):
                self.fn_hint = e.key
            items.append(f"{e.key!r}: {self.expr(e.value)}")
        t = self.tmp()
        self.count_alloc(n.pos)
        self.emit(f"{t} = {{{', '.join(items)}}}")
        return t

    def x_ErrorExpr(self, n: A.ErrorExpr) -> str:
        v = self.expr(n.expr)
        t = self.tmp()
        self.count_alloc(n.pos)
        self.emit(f"{t} = _TError({v})")
        return t

    def x_ImmutableExpr(self, n: A.ImmutableExpr) -> str:
        v = self.expr(n.expr)
        t = self.tmp()
        self.count_alloc(n.pos)
        self.emit(f"{t} = _immutable({v})")
        return t

    def x_UnaryExpr(self, n: A.UnaryExpr) -> str:
        op = n.op
        if op == "-" and isinstance(n.expr, A.IntLit):
            v = -n.expr.value
            return str(v) if v >= -(1 << 63) else str(v + (1 << 64))
        if op == "-" and isinstance(n.expr, A.FloatLit):
            return self.x_FloatLit(A.FloatLit(-n.expr.value, "", n.pos))
        a = self.expr(n.expr)
        if op == "+":
            return a
        if op != "!":
            self.count_alloc(n.pos)
        t = self.tmp()
        if op == "-":
            self.emit(f"{t} = -{a} if type({a}) is int and {a} != {_MIN} else _neg({a})", n.pos)
        elif op == "!":
            self.emit(f"{t} = not {self.truth(a)}")
            self.bool_atoms.add(t)
        else:
            self.emit(f"{t} = ~{a} if type({a}) is int else _bitnot({a})", n.pos)
        return t

    def x_BinaryExpr(self, n: A.BinaryExpr) -> str:
        op = n.op
        if op in ("&&", "||"):
            return self.logical(n)
        if self.f.spec is not None and op in ("+", "-", "*"):
            r = self.spec_arith(n)
            if r is not None:
                return r
        if op in ("<", "<="):
            b = self.expr(n.rhs)
            if _may_change_vars(n.lhs) and self.copy_needed(b):
                t = self.tmp()
                self.emit(f"{t} = {b}")
                b = t
            a = self.expr(n.lhs)
        else:
            a = self.expr(n.lhs)
            if _may_change_vars(n.rhs) and self.copy_needed(a):
                t = self.tmp()
                self.emit(f"{t} = {a}")
                a = t
            b = self.expr(n.rhs)
        spec = self.f.spec
        return self.binary_op(op, a, b, n.pos, spec is not None and id(n) in spec.lazy.nodes)

    def binary_op(self, op: str, a: str, b: str, pos: int, lazy: bool = False) -> str:
        if op not in ("==", "!="):
            self.count_alloc(pos)
        if self.f.spec is not None and self.is_int(a) and self.is_int(b):
            r = self.int_binary_op(op, a, b, lazy)
            if r is None:  # / % << >> &^ of ints: the generic code, an int result
                r = self._binary_op(op, a, b, pos)
                self.f.int_atoms.add(r)
            return r
        return self._binary_op(op, a, b, pos)

    def _binary_op(self, op: str, a: str, b: str, pos: int) -> str:
        t = self.tmp()
        a_int = _int_atom(a)
        b_int = _int_atom(b)
        if not self.hot and op not in ("==", "!=") and (a_int is None or b_int is None):
            # code that runs once: a compact helper call keeps the generated
            # source (and Python's compile time) small
            helper = _HELPERS.get(op)
            call = f"{helper}({a}, {b})" if helper else f"_binop({op!r}, {a}, {b})"
            self.emit(f"{t} = {call}", pos)
            if op in ("<", ">", "<=", ">="):
                self.bool_atoms.add(t)
            return t
        if op in ("+", "-", "*"):
            if a_int is not None and b_int is not None:
                from .values import wrap_int

                v = {"+": a_int + b_int, "-": a_int - b_int, "*": a_int * b_int}[op]
                return str(wrap_int(v))
            helper = {"+": "_add", "-": "_sub", "*": "_mul"}[op]
            if not (_py_arith_ok(a) and _py_arith_ok(b)):
                self.emit(f"{t} = {helper}({a}, {b})", pos)
                return t
            if _is_str_atom(a) or _is_str_atom(b) or _is_float_atom(a) or _is_float_atom(b):
                check = ""  # the result cannot be an int
            # Each range check first compares with a small ("compact") bound,
            # which CPython specialises; the int64 bound is only consulted
            # for large values.
            elif a_int is not None or b_int is not None or op == "*":
                check = _range_check(op, t, a_int, b_int)
            else:
                check = _out_of_range(t)
                if op == "+" and not self.opts.length_limits:
                    # str/list/bytes concatenation is already right: skip the
                    # range check for it instead of failing into the helper
                    check = f"type({t}) is int and {check}"
            # Python's own operator is right for int/float/str/list/bytes; other
            # operand types raise TypeError and take upstream's rules in the
            # helper.  A non-number result (e.g. Python's "ab" * 2) makes the
            # int64 range check raise TypeError too, which also sends it there.
            self.emit("try:")
            self.f.ind += 1
            self.emit(f"{t} = {a} {op} {b}", pos)
            if check:
                self.emit(f"if {check}: {t} = _wrap({t})")
            self.f.ind -= 1
            self.emit(f"except TypeError: {t} = {helper}({a}, {b})", pos)
            return t
        if op in ("<", ">", "<=", ">="):
            helper = {"<": "_lt", ">": "_gt", "<=": "_le", ">=": "_ge"}[op]
            if not (_py_arith_ok(a) and _py_arith_ok(b)):
                self.emit(f"{t} = {helper}({a}, {b})", pos)
            elif a_int is not None and b_int is not None:
                self.emit(f"{t} = {a} {op} {b}")
            else:
                self.emit("try:")
                self.emit(f"    {t} = {a} {op} {b}", pos)
                self.emit(f"except TypeError: {t} = {helper}({a}, {b})", pos)
            self.bool_atoms.add(t)
            return t
        if op in ("==", "!="):
            self.emit(f"{t} = {_eq_expr(op, a, b, self.f.int_atoms)}")
            self.bool_atoms.add(t)
            return t
        if op == "%" and b_int is not None and b_int > 0:
            self.emit(f"{t} = {a} % {b} if type({a}) is int and {a} >= 0 else _rem({a}, {b})", pos)
            return t
        if op == "/" and b_int is not None and b_int > 0:
            self.emit(f"{t} = {a} // {b} if type({a}) is int and {a} >= 0 else _quo({a}, {b})", pos)
            return t
        if op in ("&", "|", "^"):
            guard = " and ".join(
                f"type({x}) is int" for x, k in ((a, a_int), (b, b_int)) if k is None
            )
            if guard:
                self.emit(f"{t} = {a} {op} {b} if {guard} else _binop({op!r}, {a}, {b})", pos)
            else:
                self.emit(f"{t} = {a} {op} {b}")
            return t
        if op == ">>" and b_int is not None and 0 <= b_int < 64:
            self.emit(f"{t} = {a} >> {b} if type({a}) is int else _binop('>>', {a}, {b})", pos)
            return t
        self.emit(f"{t} = _binop({op!r}, {a}, {b})", pos)
        return t

    def logical(self, n: A.BinaryExpr) -> str:
        a = self.expr(n.lhs)
        t = self.tmp()
        self.emit(f"{t} = {a}")
        tv = self.truth(t)
        self.emit(f"if {tv}:" if n.op == "&&" else f"if not {tv}:")
        self.f.ind += 1
        b = self.expr(n.rhs)
        self.emit(f"{t} = {b}")
        self.f.ind -= 1
        if a in self.bool_atoms and b in self.bool_atoms:
            self.bool_atoms.add(t)
        return t

    def x_CondExpr(self, n: A.CondExpr) -> str:
        c = self.cond_atom(n.cond)
        t = self.tmp()
        self.emit(f"if {c}:")
        self.f.ind += 1
        v = self.expr(n.true)
        self.emit(f"{t} = {v}")
        self.f.ind -= 1
        self.emit("else:")
        self.f.ind += 1
        v2 = self.expr(n.false)
        self.emit(f"{t} = {v2}")
        self.f.ind -= 1
        if self.is_int(v) and self.is_int(v2):
            self.f.int_atoms.add(t)
        return t

    def x_IndexExpr(self, n: A.IndexExpr) -> str:
        x = self.expr(n.expr)
        if _may_change_vars(n.index) and self.copy_needed(x):
            t0 = self.tmp()
            self.emit(f"{t0} = {x}")
            x = t0
        i = self.expr(n.index)
        t = self.tmp()
        i_int = _int_atom(i)
        if not self.hot:
            self.emit(f"{t} = _index({x}, {i})", n.pos)
        elif i_int is not None and i_int >= 0:
            self.emit(
                f"{t} = {x}[{i}] if type({x}) is list and len({x}) > {i} else _index({x}, {i})",
                n.pos,
            )
        elif _is_str_atom(i):
            self.emit(f"{t} = {x}.get({i}) if type({x}) is dict else _index({x}, {i})", n.pos)
        else:
            self.emit(
                f"{t} = {x}[{i}] if type({x}) is list and type({i}) is int and 0 <= {i} < len({x})"
                f" else _index({x}, {i})",
                n.pos,
            )
        return t

    def x_SelectorExpr(self, n: A.SelectorExpr) -> str:
        x = self.expr(n.expr)
        t = self.tmp()
        k = repr(n.sel.value)
        if self.hot:
            self.emit(f"{t} = {x}.get({k}) if type({x}) is dict else _index({x}, {k})", n.pos)
        else:
            self.emit(f"{t} = _index({x}, {k})", n.pos)
        return t

    def x_SliceExpr(self, n: A.SliceExpr) -> str:
        x = self.expr(n.expr)
        lo = self.expr(n.low) if n.low is not None else "None"
        hi = self.expr(n.high) if n.high is not None else "None"
        t = self.tmp()
        self.count_alloc(n.pos)
        self.emit(f"{t} = _slice({x}, {lo}, {hi})", n.pos)
        return t

    def x_CallExpr(self, n: A.CallExpr) -> str:
        fn = n.func
        callee: str = ""
        spec = self.f.spec
        if spec is not None:
            r = self.spec_call(n)
            if r is not None:
                return r
        if spec is not None and isinstance(fn, A.Ident) and self.resolve(fn.name) is spec.self_sym:
            pass  # a call to itself: the callee is chosen once the arguments are known
        elif isinstance(fn, A.Ident):
            sym = self.resolve(fn.name)
            if sym is None:
                raise self.error(fn, f"unresolved reference '{fn.name}'")
            callee = f"_b_{sym.name}" if sym.kind == "builtin" else self.read_sym(sym)
        else:
            callee = self.expr(fn)
        args = []
        for i, arg in enumerate(n.args):
            a = self.expr(arg)
            later_complex = any(_may_change_vars(x) for x in n.args[i + 1 :])
            if later_complex and self.copy_needed(a):
                t0 = self.tmp()
                self.emit(f"{t0} = {a}")
                a = t0
            args.append(a)
        if not callee:
            direct = self.spec_callee(n, args)
            if direct is not None:
                t = self.tmp()
                self.emit(f"{t} = {direct[0]}({', '.join(args)})", n.pos)
                if direct[1]:
                    self.f.int_atoms.add(t)
                    self._normalise_call(n, t)
                return t
            assert isinstance(fn, A.Ident)
            sym = self.resolve(fn.name)
            assert sym is not None
            callee = self.read_sym(sym)
        if n.ellipsis and args:
            args[-1] = f"*_spread({args[-1]})"
        self.count_alloc(n.pos, "None" if callee.startswith("_b_") else callee)
        t = self.tmp()
        inline = _INLINE_BUILTINS.get(callee)
        if inline is not None and len(args) == 1 and not n.ellipsis and self.hot:
            # common one-argument builtins: skip the call for the usual types
            self.emit(f"{t} = " + inline.format(a=args[0]), n.pos)
            if callee.startswith("_b_is_"):
                self.bool_atoms.add(t)
        else:
            self.emit(f"{t} = {callee}({', '.join(args)})", n.pos)
        return t

    def x_ImportExpr(self, n: A.ImportExpr) -> str:
        name = n.name
        if name == "":
            raise self.error(n, "empty module name")
        mod = self.opts.modules.get(name)
        if mod is None:
            raise self.error(n, f"module '{name}' not found")
        kind, payload = mod[0], mod[1]
        if kind == "value":
            return self.const(payload, ("m", name))
        # file modules are known by their path, as upstream reports them
        path = mod[2] if len(mod) > 2 else name
        t = self.tmp()
        if path in self.module_stack:
            raise self.error(n, f"cyclic module import: {path}")
        fn = self.module_fn.get(path)
        if fn is None:
            fn = self.compile_module(path, payload)
        self.emit(f"{t} = {fn}()", n.pos)
        return t
