# The sandbox's private module, run once when the interpreter starts. It checks code before it
# runs (Odoo's safe_eval rules, reference §7), and builds the restricted builtins and the
# wrapped modules user code sees. User code can never reach this module: names containing "__"
# are refused, attribute names starting with "_" too, and no evaluation context refers to it.
import base64 as _base64
import builtins as _builtins
import datetime as _datetime
import dis as _dis
import functools as _functools
import json as _json
import math as _math
import string as _string
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

# Introspection attributes (reference §7) and the string formatting method that can walk them.
FORBIDDEN_NAMES = frozenset("""
    f_builtins f_code f_globals f_locals f_back f_trace f_lineno func_code func_globals
    co_code _co_code_adaptive mro tb_frame tb_next format_map gi_frame gi_code gi_yieldfrom
    gi_running cr_frame cr_code cr_await cr_running ag_frame ag_code ag_await ag_running
""".split())
FORBIDDEN_PREFIXES = ("f_", "co_", "tb_", "gi_", "cr_", "ag_", "func_")
# Attributes starting with "_" are refused, except these harmless ones of records.
ALLOWED_PRIVATE_ATTRIBUTES = frozenset(["_name", "_description"])


def _forbidden_name(name):
    return ("__" in name or name in FORBIDDEN_NAMES
            or any(name.startswith(p) for p in FORBIDDEN_PREFIXES))


def _check_format_string(text, source):
    # "{0.attr}" and "{0[key]}" walk attributes and items at run time: only plain fields pass.
    try:
        parts = list(_string.Formatter().parse(text))
    except ValueError as e:
        raise ValueError("invalid format string %r in %r: %s" % (text, source, e))
    for _literal, field, spec, _conversion in parts:
        if field and ("." in field or "[" in field):
            raise NameError("Access to forbidden format field %r in %r" % (field, source))
        if spec and "{" in spec:
            _check_format_string(spec, source)


_ASYNC_FLAGS = 0x80 | 0x100 | 0x200  # CO_COROUTINE, CO_ITERABLE_COROUTINE, CO_ASYNC_GENERATOR


def _check_code(code, source):
    if code.co_flags & _ASYNC_FLAGS:
        raise ValueError("forbidden opcode(s) in %r: async functions are not allowed" % (source,))
    bad = set()
    instructions = list(_dis.get_instructions(code))
    for i, ins in enumerate(instructions):
        if ins.opname not in ALLOWED_OPCODES:
            bad.add(ins.opname)
            continue
        if ins.opname in ("LOAD_ATTR", "LOAD_METHOD"):
            name = ins.argval
            if name.startswith("_") and name not in ALLOWED_PRIVATE_ATTRIBUTES:
                raise NameError("Access to forbidden name %r (%r)" % (name, source))
            if name == "format":
                previous = instructions[i - 1] if i else None
                if (previous is None or previous.opname != "LOAD_CONST"
                        or not isinstance(previous.argval, str)):
                    raise NameError(
                        "Access to forbidden name 'format' (%r): only a literal format string "
                        "may be formatted" % (source,))
                _check_format_string(previous.argval, source)
    if bad:
        raise ValueError("forbidden opcode(s) in %r: %s" % (source, ", ".join(sorted(bad))))
    for name in code.co_names:
        if _forbidden_name(name):
            raise NameError("Access to forbidden name %r (%r)" % (name, source))
    for const in code.co_consts:
        if isinstance(const, _types.CodeType):
            _check_code(const, source)


def compile_checked(source, mode):
    """Compiles and checks user code; SyntaxError, NameError or ValueError otherwise."""
    code = compile(source, "<code>", mode)
    _check_code(code, source)
    return code


def syntax_message(source, mode):
    """Odoo's save-time message for code that does not compile, or None."""
    try:
        compile(source, "<code>", mode)
    except SyntaxError as e:
        line = (e.text or "").rstrip("\n")
        return "%s : %s at line %s\n%s\n" % (type(e).__name__, e.msg, e.lineno, line)
    return None


# --- Exceptions passed through to the caller unchanged (reference §7) ---------------------

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


# --- Builtins and wrapped modules (reference §7) -------------------------------------------

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
    "True": True, "False": False, "None": None,
    "unicode": str, "xrange": range, "reduce": _functools.reduce,
    "__import__": _import,
    "UserError": UserError, "ValidationError": ValidationError,
})

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
json_module = _ns(loads=_json.loads, dumps=_json.dumps)
time_module = _ns(time=_time.time, strptime=_time.strptime, strftime=_time.strftime,
                  sleep=_sleep)
pytz_module = _ns(utc=_pytz.utc, UTC=_pytz.UTC, timezone=_pytz.timezone)


def float_compare(value1, value2, precision_digits=None, precision_rounding=None):
    if precision_rounding is None:
        precision_rounding = 10 ** -(precision_digits if precision_digits is not None else 2)
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


class _Logger:
    """The restricted logger of code actions (_logger): messages go to the server's log."""

    def _emit(self, level, msg, args):
        text = str(msg) % args if args else str(msg)
        if _server_log is not None:
            _server_log(level, text)

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
    """The names every evaluation sees (reference §5.2), before the per-call ones."""
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
    """Odoo's message for an exception raised by user code, with the line it came from."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<code>":
            line = tb.tb_lineno
        tb = tb.tb_next
    text = "%r while evaluating\n%r" % (exc, source)
    if line is not None:
        lines = source.splitlines()
        if 0 < line <= len(lines):
            text += "\n(line %d: %s)" % (line, lines[line - 1].strip())
    return text


def error_line(exc):
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<code>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
