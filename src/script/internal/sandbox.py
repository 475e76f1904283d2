# The sandbox's private module, run once when the interpreter starts. It checks code before it
# runs (Odoo's safe_eval rules, docs/sandbox.md), rewrites its integer arithmetic to bounded
# functions, and builds the restricted builtins and the wrapped modules user code sees; it also
# turns exceptions into bounded message text. User code can never reach this module: names
# containing "__" are refused, attribute names starting with "_" too, and no evaluation context
# refers to it. `_arith` (the guard functions of internal/arith.cc) and `_checked` (min, max,
# filter and reduce calling C functions given to them through a check of the time limit:
# internal/deadline.cc) are set before it runs.
import ast as _ast
import base64 as _base64
import builtins as _builtins
import datetime as _datetime
import dis as _dis
import json as _json
import math as _math
import reprlib as _reprlib
import string as _string
import sys as _sys
import time as _time
import types as _types

import dateutil.parser as _dparser
import dateutil.relativedelta as _drelativedelta
import dateutil.rrule as _drrule
import dateutil.tz as _dtz
import pytz as _pytz

# Opcodes of CPython 3.11 that user code may use: literals and containers, arithmetic,
# comparisons, subscripts (item assignment included), local and global names, attribute
# reads, calls, lambdas and nested functions, comprehensions and generators, if/for/while,
# try/except/finally, raise, f-strings and unpacking. Everything else is refused: imports,
# attribute assignment or deletion, global declarations, with, class, async, match.
ALLOWED_OPCODES = frozenset("""
    NOP POP_TOP PUSH_NULL RESUME CACHE EXTENDED_ARG COPY SWAP
    LOAD_CONST BUILD_LIST BUILD_TUPLE BUILD_SET BUILD_MAP BUILD_CONST_KEY_MAP BUILD_STRING
    BUILD_SLICE LIST_APPEND SET_ADD MAP_ADD LIST_EXTEND SET_UPDATE DICT_UPDATE DICT_MERGE
    LIST_TO_TUPLE UNPACK_SEQUENCE UNPACK_EX
    BINARY_OP UNARY_POSITIVE UNARY_NEGATIVE UNARY_NOT UNARY_INVERT COMPARE_OP IS_OP CONTAINS_OP
    BINARY_SUBSCR STORE_SUBSCR DELETE_SUBSCR
    LOAD_NAME STORE_NAME DELETE_NAME LOAD_FAST STORE_FAST DELETE_FAST LOAD_GLOBAL
    LOAD_DEREF STORE_DEREF DELETE_DEREF LOAD_CLOSURE MAKE_CELL COPY_FREE_VARS
    LOAD_ATTR LOAD_METHOD
    PRECALL CALL KW_NAMES CALL_FUNCTION_EX MAKE_FUNCTION RETURN_VALUE
    RETURN_GENERATOR YIELD_VALUE GET_ITER FOR_ITER GET_YIELD_FROM_ITER SEND
    JUMP_FORWARD JUMP_BACKWARD JUMP_BACKWARD_NO_INTERRUPT JUMP_IF_FALSE_OR_POP JUMP_IF_TRUE_OR_POP
    POP_JUMP_FORWARD_IF_FALSE POP_JUMP_FORWARD_IF_TRUE POP_JUMP_FORWARD_IF_NONE
    POP_JUMP_FORWARD_IF_NOT_NONE POP_JUMP_BACKWARD_IF_FALSE POP_JUMP_BACKWARD_IF_TRUE
    POP_JUMP_BACKWARD_IF_NONE POP_JUMP_BACKWARD_IF_NOT_NONE
    PUSH_EXC_INFO POP_EXCEPT CHECK_EXC_MATCH RERAISE RAISE_VARARGS LOAD_ASSERTION_ERROR
    FORMAT_VALUE
""".split())

# Introspection attributes (Odoo's list) and the string formatting method that can walk them.
FORBIDDEN_NAMES = frozenset("""
    f_builtins f_code f_globals f_locals f_back f_trace f_lineno func_code func_globals
    co_code _co_code_adaptive mro tb_frame tb_next format_map gi_frame gi_code gi_yieldfrom
    gi_running cr_frame cr_code cr_await cr_running ag_frame ag_code ag_await ag_running
""".split())
FORBIDDEN_PREFIXES = ("f_", "co_", "tb_", "gi_", "cr_", "ag_", "func_")
# Attributes starting with "_" are refused, except these harmless ones of records.
ALLOWED_PRIVATE_ATTRIBUTES = frozenset(["_name", "_description"])

# --- Bounded message text -------------------------------------------------------------------
# Messages quote what user code made (an exception's text, the source, a line). Each part is cut
# before it is copied anywhere: a 100-byte request must not make a 240 MB message.
MESSAGE_LIMIT = 8192  # characters of an exception's text
SOURCE_LIMIT = 8192   # characters of the source quoted
LINE_LIMIT = 500      # characters of the failing line quoted
# A whole exception text: its parts are cut at MESSAGE_LIMIT already, this leaves room for the
# exception's name and the marks of those cuts.
_WHOLE_LIMIT = MESSAGE_LIMIT + 1024


def truncated(text, limit=MESSAGE_LIMIT):
    """`text` cut to `limit` characters, with a note of its length."""
    if len(text) <= limit:
        return text
    return "%s\u2026 (truncated, %d characters)" % (text[:limit], len(text))


def source_excerpt(source):
    """repr(source) for a message, of the source's first SOURCE_LIMIT characters."""
    if len(source) <= SOURCE_LIMIT:
        return repr(source)
    return "%r\u2026 (truncated, %d characters)" % (source[:SOURCE_LIMIT], len(source))


class _BoundedRepr(_reprlib.Repr):
    """repr() whose output stays small whatever the value: long texts and big ints are cut
    before they are rendered, containers show their first items and levels."""

    def __init__(self):
        super().__init__()
        self.maxlevel = 3
        self.maxtuple = self.maxlist = self.maxarray = self.maxdict = 20
        self.maxset = self.maxfrozenset = self.maxdeque = 20
        self.maxstring = self.maxother = 200
        self.maxlong = 200

    def repr_str(self, x, level):
        limit = MESSAGE_LIMIT if level == self.maxlevel else self.maxstring
        if len(x) <= limit:
            return repr(x)
        return "%r\u2026 (truncated, %d characters)" % (x[:limit], len(x))

    def repr_bytes(self, x, level):
        limit = MESSAGE_LIMIT if level == self.maxlevel else self.maxstring
        if len(x) <= limit:
            return repr(x)
        return "%r\u2026 (truncated, %d bytes)" % (x[:limit], len(x))

    def repr_int(self, x, level):
        if x.bit_length() > 4000:  # past CPython's 4300-digit limit of int to text
            return "<an integer of %d bits>" % x.bit_length()
        return super().repr_int(x, level)

    def repr_instance(self, x, level):
        try:
            text = repr(x)
        except Exception:
            return "<%s object>" % type(x).__name__
        limit = MESSAGE_LIMIT if level == self.maxlevel else self.maxother
        return truncated(text, limit)


_REPR = _BoundedRepr()
_CONTAINERS = (list, tuple, dict, set, frozenset, bytes, int)


def _bounded_str(value):
    if isinstance(value, str):
        return truncated(value)
    if isinstance(value, _CONTAINERS):  # their str() is their repr()
        return truncated(_REPR.repr(value), _WHOLE_LIMIT)
    return truncated(str(value))


def exception_message(exc):
    """str(exc), cut at MESSAGE_LIMIT characters, without building the whole text when the
    exception's arguments are plain values."""
    cls = type(exc)
    args = exc.args
    if cls.__str__ is BaseException.__str__:
        if not args:
            return ""
        if len(args) == 1:
            return _bounded_str(args[0])
        return truncated(_REPR.repr(args), _WHOLE_LIMIT)
    if isinstance(exc, KeyError) and len(args) == 1:
        return truncated(_REPR.repr(args[0]), _WHOLE_LIMIT)
    return truncated(str(exc))  # its own __str__ (dateutil's ParserError, ...)


def exception_repr(exc):
    """repr(exc), cut at MESSAGE_LIMIT characters (the same way)."""
    cls = type(exc)
    if cls.__repr__ is BaseException.__repr__:
        args = exc.args
        if len(args) == 1:
            text = "%s(%s)" % (cls.__name__, _REPR.repr(args[0]))
        else:
            text = cls.__name__ + _REPR.repr(args)
        return truncated(text, _WHOLE_LIMIT)
    return truncated(repr(exc))


def _source_line(source, number):
    """Line `number` (from 1) of `source`, without splitting the whole text; None past it."""
    if number < 1:
        return None
    start = 0
    for _ in range(number - 1):
        start = source.find("\n", start) + 1
        if start == 0:
            return None
    end = source.find("\n", start)
    return source[start:] if end < 0 else source[start:end]


# --- Bounded integer arithmetic ---------------------------------------------------------------
# CPython's int *, **, <<, // and % run in C, where the time limit cannot interrupt them, and
# some take far more than linear time: `7 ** (2 * 10**6) // 7 ** 10**6` ran 21 s. compile_checked
# rewrites them (and their augmented forms, in nested functions, lambdas and comprehensions too)
# into calls of the guard functions of internal/arith.cc, which refuse int results or operands
# past about 10,000 digits before computing them. The guards are builtins whose names contain
# "__": user code can neither name them nor shadow them (refused before the rewrite).
_BINARY_GUARDS = {
    _ast.Mult: "__guard_mul__", _ast.Pow: "__guard_pow__", _ast.LShift: "__guard_lshift__",
    _ast.FloorDiv: "__guard_floordiv__", _ast.Mod: "__guard_mod__",
}
_INPLACE_GUARDS = {
    _ast.Mult: "__guard_imul__", _ast.Pow: "__guard_ipow__", _ast.LShift: "__guard_ilshift__",
    _ast.FloorDiv: "__guard_ifloordiv__", _ast.Mod: "__guard_imod__",
}
_ITEM_GUARD = "__guard_augitem__"
# The operator's index for __guard_augitem__ (internal/arith.cc's kOperators).
_OPERATOR_INDEX = {_ast.Mult: 0, _ast.Pow: 1, _ast.LShift: 2, _ast.FloorDiv: 3, _ast.Mod: 4}
GUARD_NAMES = frozenset(
    list(_BINARY_GUARDS.values()) + list(_INPLACE_GUARDS.values()) + [_ITEM_GUARD])
_GUARD_FUNCTIONS = {
    "__guard_mul__": "mul", "__guard_pow__": "pow", "__guard_lshift__": "lshift",
    "__guard_floordiv__": "floordiv", "__guard_mod__": "mod",
    "__guard_imul__": "imul", "__guard_ipow__": "ipow", "__guard_ilshift__": "ilshift",
    "__guard_ifloordiv__": "ifloordiv", "__guard_imod__": "imod",
    "__guard_augitem__": "augitem",
}
# Operands that make the operation anything but int arithmetic: '%s' % x, '-' * 20, [0] * n,
# x * 1.5. Those are left to CPython (the allocation budget bounds them).
_NOT_INT_LITERALS = (_ast.JoinedStr, _ast.List, _ast.Tuple, _ast.Set, _ast.Dict, _ast.ListComp,
                     _ast.SetComp, _ast.DictComp, _ast.GeneratorExp)
# ast.parse and compiling a tree recurse once per nesting level, and CPython counts those
# levels against the recursion limit (400 for user code): compiling gets the limit plain
# compile() would have, so code that compiled before the rewrite still does.
COMPILE_RECURSION_LIMIT = 1200


def _may_be_int(node):
    if isinstance(node, _ast.Constant):
        return not isinstance(node.value, (str, bytes, float, complex))
    return not isinstance(node, _NOT_INT_LITERALS)


def _guard_call(name, args, node):
    func = _ast.copy_location(_ast.Name(id=name, ctx=_ast.Load()), node)
    return _ast.copy_location(_ast.Call(func=func, args=args, keywords=[]), node)


def _has_slice(node):
    return isinstance(node, _ast.Slice) or (
        isinstance(node, _ast.Tuple) and any(isinstance(e, _ast.Slice) for e in node.elts))


def _guarded(node):
    """The node that replaces `node` (itself when it needs no guard)."""
    if isinstance(node, _ast.BinOp):
        name = _BINARY_GUARDS.get(type(node.op))
        if name is None or not (_may_be_int(node.left) and _may_be_int(node.right)):
            return node
        return _guard_call(name, [node.left, node.right], node)
    # An augmented assignment.
    name = _INPLACE_GUARDS.get(type(node.op))
    if name is None or not _may_be_int(node.value):
        return node
    target = node.target
    if isinstance(target, _ast.Name):
        # x op= v  ->  x = guard(x, v)  (in place for non-ints: a list's *= still extends it)
        load = _ast.copy_location(_ast.Name(id=target.id, ctx=_ast.Load()), target)
        call = _guard_call(name, [load, node.value], node)
        return _ast.copy_location(_ast.Assign(targets=[target], value=call), node)
    if isinstance(target, _ast.Subscript) and not _has_slice(target.slice):
        # c[k] op= v  ->  __guard_augitem__(c, k, op, v)
        op = _ast.copy_location(_ast.Constant(value=_OPERATOR_INDEX[type(node.op)]), node)
        call = _guard_call(_ITEM_GUARD, [target.value, target.slice, op, node.value], node)
        return _ast.copy_location(_ast.Expr(value=call), node)
    # Attribute targets are refused by the checker; a slice gives a sequence, never an int.
    return node


def _rewrite(tree, source):
    """Rewrites the integer operators of `tree` in place, without recursion (a long chain of
    `a + b + ...` is as deep as it is long)."""
    # One walk, noting where each operator sits (parent, field, index in a list or None).
    AST, Op = _ast.AST, (_ast.BinOp, _ast.AugAssign)
    sites = []
    nodes = [tree]
    pending = [tree]
    while pending:
        node = pending.pop()
        for field in node._fields:
            value = getattr(node, field, None)
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if isinstance(item, AST):
                        pending.append(item)
                        if isinstance(item, Op):
                            sites.append((node, field, i, item))
            elif isinstance(value, AST):
                pending.append(value)
                if isinstance(value, _ast.BinOp):
                    sites.append((node, field, None, value))
        nodes.append(node)
    # A name the code wrote is in its text, or NFKC-normalised from non-ASCII text.
    if "__guard_" in source or not source.isascii():
        for node in nodes:
            for attr in ("id", "arg", "name", "attr"):
                if getattr(node, attr, None) in GUARD_NAMES:
                    raise NameError("Access to forbidden name %r (%s)"
                                    % (getattr(node, attr), source_excerpt(source)))
    # Children before parents (found after them): a guard call takes its operands once they are
    # rewritten.
    for parent, field, index, node in reversed(sites):
        new = _guarded(node)
        if new is node:
            continue
        if index is None:
            setattr(parent, field, new)
        else:
            getattr(parent, field)[index] = new


def _forbidden_name(name):
    if name in GUARD_NAMES:  # only the rewrite makes them: user-written ones are refused before
        return False
    return ("__" in name or name in FORBIDDEN_NAMES
            or any(name.startswith(p) for p in FORBIDDEN_PREFIXES))


def _check_format_string(text, source):
    # "{0.attr}" and "{0[key]}" walk attributes and items at run time: only plain fields pass.
    # Nested specs ("{0:{1}}") are checked too, without recursion.
    pending = [text]
    while pending:
        text = pending.pop()
        try:
            parts = list(_string.Formatter().parse(text))
        except ValueError as e:
            raise ValueError("invalid format string %s in %s: %s"
                             % (_REPR.repr(text), source_excerpt(source), e))
        for _literal, field, spec, _conversion in parts:
            if field and ("." in field or "[" in field):
                raise NameError("Access to forbidden format field %s in %s"
                                % (_REPR.repr(field), source_excerpt(source)))
            if spec and "{" in spec:
                pending.append(spec)


_ASYNC_FLAGS = 0x80 | 0x100 | 0x200  # CO_COROUTINE, CO_ITERABLE_COROUTINE, CO_ASYNC_GENERATOR


def _check_code(code, source, allowed=None):
    # Nested code (functions, lambdas, comprehensions) is checked too, without recursion.
    # `allowed` (a predicate) accepts names the code's own maker wrote: the scaffolding of a
    # template (template.py), whose user-written parts were checked on their own before.
    pending = [code]
    while pending:
        code = pending.pop()
        _check_one(code, source, allowed)
        pending.extend(c for c in code.co_consts if isinstance(c, _types.CodeType))


def _check_one(code, source, allowed=None):
    if code.co_flags & _ASYNC_FLAGS:
        raise ValueError("forbidden opcode(s) in %s: async functions are not allowed"
                         % (source_excerpt(source),))
    # Opcodes first, from the raw bytecode (an instruction is two bytes in 3.11): cheap.
    bad = set(_dis.opname[op] for op in set(code.co_code[::2])) - ALLOWED_OPCODES
    if bad:
        raise ValueError("forbidden opcode(s) in %s: %s"
                         % (source_excerpt(source), ", ".join(sorted(bad))))
    # Attribute reads need the instructions only when a name could be refused as an attribute
    # (the guards are globals: user-written ones are refused before the rewrite).
    # (Names `allowed` accepts are the maker's globals, never attributes: its user-written parts
    # were checked on their own.)
    if any((n.startswith("_") and n not in ALLOWED_PRIVATE_ATTRIBUTES and n not in GUARD_NAMES
            and not (allowed is not None and allowed(n)))
           or n == "format" for n in code.co_names):
        instructions = list(_dis.get_instructions(code))
        for i, ins in enumerate(instructions):
            if ins.opname not in ("LOAD_ATTR", "LOAD_METHOD"):
                continue
            name = ins.argval
            if name.startswith("_") and name not in ALLOWED_PRIVATE_ATTRIBUTES:
                raise NameError("Access to forbidden name %r (%s)"
                                % (name, source_excerpt(source)))
            if name == "format":
                previous = instructions[i - 1] if i else None
                if (previous is None or previous.opname != "LOAD_CONST"
                        or not isinstance(previous.argval, str)):
                    raise NameError(
                        "Access to forbidden name 'format' (%s): only a literal format string "
                        "may be formatted" % (source_excerpt(source),))
                _check_format_string(previous.argval, source)
    for name in code.co_names:
        if _forbidden_name(name) and not (allowed is not None and allowed(name)):
            raise NameError("Access to forbidden name %s (%s)"
                            % (_REPR.repr(name), source_excerpt(source)))


def _compile_rewritten(source, mode):
    limit = _sys.getrecursionlimit()
    _sys.setrecursionlimit(max(limit, COMPILE_RECURSION_LIMIT))
    try:
        tree = compile(source, "<code>", mode, _ast.PyCF_ONLY_AST)
    finally:
        _sys.setrecursionlimit(limit)
    _rewrite(tree, source)
    _sys.setrecursionlimit(max(limit, COMPILE_RECURSION_LIMIT))
    try:
        code = compile(tree, "<code>", mode)
    finally:
        _sys.setrecursionlimit(limit)
    _check_code(code, source)
    return tree, code


def compile_checked(source, mode):
    """Compiles, rewrites (bounded integer arithmetic) and checks user code; SyntaxError,
    NameError or ValueError otherwise."""
    return _compile_rewritten(source, mode)[1]


def checked_tree(source, mode):
    """The syntax tree of user code, rewritten and checked as compile_checked does, for code
    that becomes part of a larger tree (a template's expressions: template.py)."""
    return _compile_rewritten(source, mode)[0]


def syntax_message(source, mode):
    """Odoo's save-time message for code that does not compile, or None."""
    limit = _sys.getrecursionlimit()
    _sys.setrecursionlimit(max(limit, COMPILE_RECURSION_LIMIT))
    try:
        compile(source, "<code>", mode)
    except SyntaxError as e:
        # Errors of the compiler proper ('return' outside function) come without their line.
        text = e.text if e.text is not None else _source_line(source, e.lineno or 0)
        line = truncated((text or "").rstrip("\n"), LINE_LIMIT)
        return "%s : %s at line %s\n%s\n" % (type(e).__name__, truncated(str(e.msg)), e.lineno,
                                               line)
    finally:
        _sys.setrecursionlimit(limit)
    return None


# --- Exceptions passed through to the caller unchanged ------------------------------------

class UserError(Exception):
    pass


class ValidationError(UserError):
    pass


class AccessError(UserError):
    pass


class MissingError(UserError):
    pass


class RedirectWarning(UserError):
    pass


class SandboxTimeout(BaseException):
    """Raised asynchronously when an evaluation runs past its time limit."""


class SandboxConflict(BaseException):
    """The database reported a conflict under user code: the whole call is tried again. Not an
    Exception, so `except Exception` does not swallow it; caught by a bare `except:` it is still
    raised again, as the original error, when the evaluation ends (internal/interpreter.h)."""


class SandboxLimit(BaseException):
    """A limit of the sandbox's own helpers was reached (a rendered template's size): the
    evaluation ends with its message (a BaseException, like SandboxTimeout)."""


class SandboxInternalError(BaseException):
    """An internal error (a bug, a disk failure) under user code: the call fails with it, as
    SandboxConflict, its details only in the server's log."""


# --- Builtins and wrapped modules (docs/sandbox.md) ----------------------------------------

_IMPORTABLE = frozenset(["_strptime", "math", "time", "datetime", "_datetime"])


def _import(name, globals=None, locals=None, fromlist=(), level=0):
    # Only for the internals of datetime/time, which import these lazily.
    if name in _IMPORTABLE and level == 0:
        return _builtins.__import__(name, globals, locals, fromlist, level)
    raise ImportError("import of %r is not allowed" % name)


def _sleep(seconds):
    # In short steps, so that the time limit can interrupt it.
    end = _time.monotonic() + seconds
    while True:
        left = end - _time.monotonic()
        if left <= 0:
            return
        _time.sleep(min(left, 0.05))


SAFE_BUILTINS = {name: getattr(_builtins, name) for name in """
    bytes str bool int float dict list tuple set enumerate map filter sorted abs min max sum
    round len repr all any ord chr divmod isinstance range zip
    Exception ArithmeticError AssertionError AttributeError IndexError KeyError LookupError
    NameError StopIteration TypeError ValueError ZeroDivisionError
""".split()}
SAFE_BUILTINS.update({
    # divmod, round, range and sum bounded like the operators (internal/arith.cc).
    "divmod": _arith["divmod"], "round": _arith["round"], "sum": _arith["sum"],
    "range": _arith["range"], "xrange": _arith["range"],
    # min, max, filter and reduce check the time limit before each call of a C function given
    # to them (internal/deadline.cc).
    "min": _checked["min"], "max": _checked["max"], "filter": _checked["filter"],
    "reduce": _checked["reduce"],
    "True": True, "False": False, "None": None,
    "unicode": str,
    "__import__": _import,
    "UserError": UserError, "ValidationError": ValidationError,
})
SAFE_BUILTINS.update({name: _arith[fn] for name, fn in _GUARD_FUNCTIONS.items()})

_ns = _types.SimpleNamespace

datetime_module = _ns(
    date=_datetime.date, datetime=_datetime.datetime, time=_datetime.time,
    timedelta=_datetime.timedelta, timezone=_datetime.timezone, tzinfo=_datetime.tzinfo,
    MAXYEAR=_datetime.MAXYEAR, MINYEAR=_datetime.MINYEAR)

_weekdays = dict(MO=_drelativedelta.MO, TU=_drelativedelta.TU, WE=_drelativedelta.WE,
                 TH=_drelativedelta.TH, FR=_drelativedelta.FR, SA=_drelativedelta.SA,
                 SU=_drelativedelta.SU)
dateutil_module = _ns(
    relativedelta=_ns(relativedelta=_drelativedelta.relativedelta, **_weekdays),
    parser=_ns(isoparse=_dparser.isoparse, parse=_dparser.parse),
    tz=_ns(UTC=_dtz.UTC, tzutc=_dtz.tzutc, gettz=_pytz.timezone),
    rrule=_ns(rrule=_drrule.rrule, rruleset=_drrule.rruleset, rrulestr=_drrule.rrulestr,
              YEARLY=_drrule.YEARLY, MONTHLY=_drrule.MONTHLY, WEEKLY=_drrule.WEEKLY,
              DAILY=_drrule.DAILY, HOURLY=_drrule.HOURLY, MINUTELY=_drrule.MINUTELY,
              SECONDLY=_drrule.SECONDLY, **_weekdays),
)
# json's C scanner and encoder call these for every value: C code given here is called behind a
# check of the time limit (internal/deadline.cc), like map's function.
_JSON_HOOKS = ("object_hook", "object_pairs_hook", "parse_float", "parse_int", "parse_constant",
               "default")


def _checked_hooks(kwargs):
    for name in _JSON_HOOKS:
        hook = kwargs.get(name)
        if hook is not None:
            kwargs[name] = _checked["callback"](hook)
    return kwargs


def _json_loads(s, **kwargs):
    return _json.loads(s, **_checked_hooks(kwargs))


def _json_dumps(obj, **kwargs):
    return _json.dumps(obj, **_checked_hooks(kwargs))


json_module = _ns(loads=_json_loads, dumps=_json_dumps)
time_module = _ns(time=_time.time, strptime=_time.strptime, strftime=_time.strftime,
                  sleep=_sleep)
pytz_module = _ns(utc=_pytz.utc, UTC=_pytz.UTC, timezone=_pytz.timezone)


def float_compare(value1, value2, precision_digits=None, precision_rounding=None):
    if precision_rounding is None:
        # Bounded: precision_digits=-10**8 would otherwise compute 10 ** 10**8 in C.
        precision_rounding = _arith["pow"](
            10, -(precision_digits if precision_digits is not None else 2))
    delta = round((value1 - value2) / precision_rounding) * precision_rounding
    if abs(delta) < precision_rounding / 2:
        return 0
    return -1 if delta < 0 else 1


def b64encode(data):
    return _base64.b64encode(data.encode() if isinstance(data, str) else data)


def b64decode(data):
    return _base64.b64decode(data)


class Command:
    """x2many command builder (Odoo's Command)."""
    CREATE, UPDATE, DELETE, UNLINK, LINK, CLEAR, SET = range(7)

    @staticmethod
    def create(values):
        return (0, 0, values)

    @staticmethod
    def update(id, values):
        return (1, id, values)

    @staticmethod
    def delete(id):
        return (2, id, 0)

    @staticmethod
    def unlink(id):
        return (3, id, 0)

    @staticmethod
    def link(id):
        return (4, id, 0)

    @staticmethod
    def clear():
        return (5, 0, 0)

    @staticmethod
    def set(ids):
        return (6, 0, list(ids))


_server_log = None  # set by the server: (level, message) -> None


LOGGER_LINE_LIMIT = 8192  # characters of one _logger line in the server's log


class _Logger:
    """The restricted logger of code actions (_logger): messages go to the server's log, each cut
    at LOGGER_LINE_LIMIT characters (the server also bounds how many one evaluation writes)."""

    def _emit(self, level, msg, args):
        text = str(msg) % args if args else str(msg)
        if _server_log is not None:
            _server_log(level, truncated(text, LOGGER_LINE_LIMIT))

    def debug(self, msg, *args):
        self._emit("debug", msg, args)

    def info(self, msg, *args):
        self._emit("info", msg, args)

    def warning(self, msg, *args):
        self._emit("warn", msg, args)

    def error(self, msg, *args):
        self._emit("err", msg, args)

    def exception(self, msg, *args):
        self._emit("err", msg, args)

    def log(self, level, msg, *args):
        names = {10: "debug", 20: "info", 30: "warn", 40: "err", 50: "critical"}
        self._emit(names.get(level, "info"), msg, args)


_LOGGER = _Logger()


def date_of(year, month, day):
    return _datetime.date(year, month, day)


def base_context():
    """The names every evaluation sees, before the per-call ones."""
    return {
        "__builtins__": SAFE_BUILTINS,
        "datetime": datetime_module,
        "dateutil": dateutil_module,
        "time": time_module,
        "json": json_module,
        "timezone": _pytz.timezone,
        "float_compare": float_compare,
        "b64encode": b64encode,
        "b64decode": b64decode,
        "Command": Command,
        "UserError": UserError,
        "relativedelta": _drelativedelta.relativedelta,
        "_logger": _LOGGER,
    }


def describe_error(exc, source):
    """Odoo's message for an exception raised by user code, with the line it came from; each
    part bounded (exception_repr, source_excerpt, LINE_LIMIT)."""
    line = error_line(exc)
    text = "%s while evaluating\n%s" % (exception_repr(exc), source_excerpt(source))
    if line is not None:
        found = _source_line(source, line)
        if found is not None:
            text += "\n(line %d: %s)" % (line, truncated(found.strip(), LINE_LIMIT))
    return text


def error_line(exc):
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<code>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line

