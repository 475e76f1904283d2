# Templates (docs/templates.md): the inline {{ }} language and QWeb, run as programs of the
# sandbox. Executed once when the interpreter starts, in the namespace of the sandbox's module,
# after sandbox.py, whose checks (checked_tree, _check_code) and bounded message helpers it uses.
#
# A template arrives as a *program* (script/template.h describes its form): the sites of its
# expressions, and a flat list of instructions that mail/internal/qweb.cc (QWeb) or
# script/template.cc (the inline language) made from its text. build_template turns it into one
# syntax tree, compiled once:
#   - text of the template only ever becomes string constants, never code;
#   - each expression is parsed, rewritten and checked on its own, like any user code, before its
#     tree is placed into the template's;
#   - the scaffolding around them uses only names of the form __qweb_<letters><digits>__, which
#     user code cannot write (names containing "__" are refused), so the template's own code
#     cannot reach or replace them, and the whole tree is checked again with just those allowed;
#   - every node of an instruction carries the instruction's site as its line number (offset by
#     2: line 1 is "no site"), so that the traceback of an error names the directive and the line
#     of the template it came from (template_site).
# Rendering writes into an _Output, which refuses (SandboxLimit) past TEMPLATE_LIMIT characters.
import decimal as _decimal
import gc as _gc
import keyword as _keyword
import re as _re
import urllib.parse as _urlparse

TEMPLATE_LIMIT = 1 << 20  # characters a rendered template may have (its t-set bodies included)
TEMPLATE_FILE = "<template>"  # the file name of templates' code, in tracebacks

_Records = None  # the record proxies' type (set by the server once the proxies are imported)


# --- Markup and escaping --------------------------------------------------------------------

class Markup(str):
    """Text that is HTML already: QWeb's t-out writes it as it is. Values of html fields arrive as
    Markup; Markup(text) vouches for a text. Adding, joining and %-formatting plain text into
    Markup escape that text (markupsafe's rules)."""
    __slots__ = ()

    def __new__(cls, text=""):
        if type(text) is Markup:
            return text
        return str.__new__(cls, text)

    def __add__(self, other):
        if isinstance(other, str):
            return Markup(str.__add__(self, escape(other)))
        return NotImplemented

    def __radd__(self, other):
        if isinstance(other, str):
            return Markup(str.__add__(escape(other), self))
        return NotImplemented

    def __mul__(self, count):
        return Markup(str.__mul__(self, count))

    __rmul__ = __mul__

    def __mod__(self, args):
        if isinstance(args, tuple):
            args = tuple(_format_argument(a) for a in args)
        elif isinstance(args, dict):
            args = {k: _format_argument(v) for k, v in args.items()}
        else:
            args = _format_argument(args)
        return Markup(str.__mod__(self, args))

    def join(self, items):
        return Markup(str.join(self, [escape(item) for item in items]))

    def replace(self, old, new, count=-1):
        return Markup(str.replace(self, escape(old), escape(new), count))

    def split(self, sep=None, maxsplit=-1):
        return [Markup(part) for part in str.split(self, sep, maxsplit)]

    def rsplit(self, sep=None, maxsplit=-1):
        return [Markup(part) for part in str.rsplit(self, sep, maxsplit)]

    def splitlines(self, keepends=False):
        return [Markup(part) for part in str.splitlines(self, keepends)]

    def __repr__(self):
        return "Markup(%s)" % str.__repr__(self)


def _keeps_markup(name):
    method = getattr(str, name)

    def wrapped(self, *args, **kwargs):
        return Markup(method(self, *args, **kwargs))
    wrapped.__name__ = name
    return wrapped


# What markupsafe's Markup also keeps as Markup (methods giving one text from this one).
for _name in ("__getitem__", "capitalize", "title", "lower", "upper", "swapcase", "casefold",
              "strip", "lstrip", "rstrip", "center", "ljust", "rjust", "zfill", "expandtabs",
              "removeprefix", "removesuffix"):
    setattr(Markup, _name, _keeps_markup(_name))
del _name


def _format_argument(value):
    # Numbers stay numbers (for %d and %.2f); anything else is escaped text.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return escape(value)


def _escape_text(text):
    """`text` (a str, Markup or not) with & < > " ' as HTML entities, as a plain str."""
    return (str.replace(text, "&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&#34;").replace("'", "&#39;"))


def shown(value):
    """The text a value shows as in a template: records as their display names, separated by
    ", "; texts as they are; anything else str()."""
    if isinstance(value, str):
        return value
    if _Records is not None and isinstance(value, _Records):
        return ", ".join(record.display_name for record in value)
    return str(value)


def escape(value):
    """Markup of `value`: itself when it is Markup already, else its text escaped."""
    if isinstance(value, Markup):
        return value
    return Markup(_escape_text(shown(value)))


# --- What a template writes -----------------------------------------------------------------

_ATTRIBUTE_NAME = _re.compile(r"[A-Za-z_:][-A-Za-z0-9_:.]{0,199}\Z")


def _too_large():
    return SandboxLimit("the rendered template is larger than the limit of %d MiB"
                        % (TEMPLATE_LIMIT >> 20))


class _Output:
    """The text a template writes, bounded: SandboxLimit once TEMPLATE_LIMIT characters were
    written in all (the bodies of t-set included)."""
    __slots__ = ("_parts", "_outer", "_size")

    def __init__(self):
        self._parts = []
        self._outer = []
        self._size = 0

    def _count(self, size):
        self._size += size
        if self._size > TEMPLATE_LIMIT:
            raise _too_large()

    def text(self, text):
        """Writes `text` as it is (HTML made by the compiler, or an inline template's text)."""
        self._count(len(text))
        self._parts.append(text)

    def value(self, value):
        """t-out: Markup as it is, anything else escaped."""
        if isinstance(value, Markup):
            self.text(value)
            return
        text = shown(value)
        if len(text) > TEMPLATE_LIMIT:  # escaping only makes it longer
            raise _too_large()
        self.text(_escape_text(text))

    def inline(self, value, default):
        """{{ expression ||| default }}: a falsy value gives the default; nothing is escaped."""
        if not value:
            value = default
        if value:
            self.text(shown(value))

    def tag(self, tag, void, items):
        """An opening tag with attributes (kind, name, value): "s" static, "e" an expression's
        value, "d" t-att's dict, (name, value) pair or list of pairs. Static ones come first, then
        the others in order; a later one replaces an earlier one of the same name in place. An
        attribute whose value is false and not a text is left out; values are always escaped."""
        attributes = {}
        for kind, name, value in items:
            if kind != "d":
                attributes[name] = value
            elif isinstance(value, dict):
                attributes.update(value)
            elif isinstance(value, (list, tuple)) and value:
                if isinstance(value[0], (list, tuple)):
                    attributes.update(dict(value))
                else:
                    attributes.update([value])
        parts = ["<", tag]
        for name, value in attributes.items():
            if not (value or isinstance(value, str)):
                continue
            if not isinstance(name, str) or not _ATTRIBUTE_NAME.match(name):
                raise ValueError("%s is not a valid attribute name" % _REPR.repr(name))
            text = shown(value)
            if len(text) > TEMPLATE_LIMIT:
                raise _too_large()
            parts += (" ", name, '="', _escape_text(text), '"')
        parts.append("/>" if void else ">")
        self.text("".join(parts))

    def push(self):
        """Starts the body of a t-set: what follows is kept apart until pop()."""
        self._outer.append(self._parts)
        self._parts = []

    def pop(self):
        """Ends the body of a t-set: its text, as Markup."""
        text = "".join(self._parts)
        self._parts = self._outer.pop()
        return Markup(text)

    def result(self):
        return "".join(self._parts)


def _format_part(value):
    # A part of t-attf/t-valuef: None and False show as nothing.
    if value is None or value is False:
        return ""
    return shown(value)


def _format(*parts):
    """t-attf-*, t-valuef: the literal parts and the values of the expressions, joined."""
    return "".join([_format_part(part) for part in parts])


def _foreach(value):
    """t-foreach: for each item, (item, value, index, size, first, last, odd, even, parity) as
    Odoo names them. A dict gives its keys (item) and values; an int n counts from 0 to n - 1;
    a false value nothing. size and last are None when the iterable has no length."""
    if not value:
        return
    pairs = False
    if type(value) is int:
        size = value
        items = range(value)
    else:
        try:
            size = len(value)
        except TypeError:
            size = None
        pairs = isinstance(value, dict)
        items = value.items() if pairs else value
    index = 0
    for item in items:
        if pairs:
            key, item_value = item
        else:
            key = item_value = item
        odd = index % 2
        yield (key, item_value, index, size, index == 0,
               None if size is None else index + 1 == size, odd, not odd,
               "odd" if odd else "even")
        index += 1


# --- The render context: Odoo's mail.render.mixin (docs/templates.md) -----------------------

_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
# en_US, as Babel (CLDR) names them, with a plain space before AM/PM.
_DATE_FORMATS = {"short": "M/d/yy", "medium": "MMM d, y", "long": "MMMM d, y",
                 "full": "EEEE, MMMM d, y"}
_DATETIME_FORMATS = {"short": "M/d/yy, h:mm a", "medium": "MMM d, y, h:mm:ss a",
                     "long": "MMMM d, y 'at' h:mm:ss a z",
                     "full": "EEEE, MMMM d, y 'at' h:mm:ss a z"}
_PATTERN_LIMIT = 200  # characters of a date pattern


def _field(letter, count, value):
    """One field of a date pattern (Unicode's LDML, as Babel reads it), or None for a letter
    that is not a field."""
    if letter == "y":
        return "%02d" % (value.year % 100) if count == 2 else "%0*d" % (count, value.year)
    if letter in "ML":
        if count >= 4:
            return _MONTHS[value.month - 1]
        if count == 3:
            return _MONTHS[value.month - 1][:3]
        return "%0*d" % (count, value.month)
    if letter == "d":
        return "%0*d" % (count, value.day)
    if letter == "E":
        day = _DAYS[value.weekday()]
        return day if count >= 4 else day[:3]
    if not hasattr(value, "hour"):
        return None
    if letter == "H":
        return "%0*d" % (count, value.hour)
    if letter == "h":
        return "%0*d" % (count, (value.hour % 12) or 12)
    if letter == "m":
        return "%0*d" % (count, value.minute)
    if letter == "s":
        return "%0*d" % (count, value.second)
    if letter == "a":
        return "AM" if value.hour < 12 else "PM"
    if letter == "z":
        return value.tzname() or ""
    return None


def _format_pattern(value, pattern):
    """`value` (a date or datetime) in an LDML pattern ("MMM d, y"), or in a strftime one when
    the pattern holds a '%'."""
    if not isinstance(pattern, str):
        raise TypeError("a date format must be a text")
    if len(pattern) > _PATTERN_LIMIT:
        raise ValueError("a date format is longer than %d characters" % _PATTERN_LIMIT)
    if "%" in pattern:
        return value.strftime(pattern)
    out = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "'":
            end = pattern.find("'", i + 1)
            if end < 0:
                end = n
            out.append(pattern[i + 1:end] if end > i + 1 else "'")
            i = end + 1
            continue
        j = i
        while j < n and pattern[j] == c:
            j += 1
        text = _field(c, j - i, value) if c.isalpha() else None
        out.append(pattern[i:j] if text is None else text)
        i = j
    return "".join(out)


def _to_date(value):
    if isinstance(value, str):
        value = _datetime.date.fromisoformat(value[:10])
    if isinstance(value, _datetime.datetime):
        return value.date()
    if not isinstance(value, _datetime.date):
        raise TypeError("format_date() expects a date, not %s" % type(value).__name__)
    return value


def format_date(value, date_format=False, lang_code=False):
    """A date (or datetime, or 'YYYY-MM-DD...' text) in en_US: "01/15/2026" by default, or in
    `date_format` ("short", "medium", "long", "full", an LDML pattern or a strftime one)."""
    if not value:
        return ""
    value = _to_date(value)
    pattern = _DATE_FORMATS.get(date_format, date_format) if date_format else "MM/dd/y"
    return _format_pattern(value, pattern)


_context_tz = None  # set by the server: () -> the running evaluation's context "tz", or None


def _timezone_name(tz):
    if tz:
        return tz
    name = _context_tz() if _context_tz is not None else None
    return name if isinstance(name, str) and name else "UTC"


def format_datetime(value, tz=False, dt_format=False, lang_code=False):
    """A datetime (naive: UTC, as stored; or 'YYYY-MM-DD HH:MM:SS' text) in the time zone `tz`
    (else the context's "tz", else UTC), en_US: "Jan 15, 2026, 10:00:00 AM" by default, or in
    `dt_format` ("short", "medium", "long", "full", an LDML pattern or a strftime one)."""
    if not value:
        return ""
    if isinstance(value, str):
        value = _datetime.datetime.fromisoformat(value[:19])
    elif not isinstance(value, _datetime.datetime):
        if isinstance(value, _datetime.date):
            value = _datetime.datetime(value.year, value.month, value.day)
        else:
            raise TypeError("format_datetime() expects a datetime, not %s" % type(value).__name__)
    if value.tzinfo is None:
        value = _pytz.utc.localize(value)
    value = value.astimezone(_pytz.timezone(_timezone_name(tz)))
    pattern = _DATETIME_FORMATS.get(dt_format, dt_format) if dt_format else \
        _DATETIME_FORMATS["medium"]
    return _format_pattern(value, pattern)


def format_amount(amount, currency, lang_code=False):
    """`amount` rounded as the currency says (its rounding and decimal places), with "," between
    thousands and "." before decimals, and the currency's symbol before or after it (its
    position) with a no-break space between: "$\u00a01,234.50", "1,234.50\u00a0\u20ac"."""
    number = float(amount or 0)
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError("format_amount(): the amount is not a finite number")
    places, rounding, symbol, position = 2, 0.0, "", "after"
    if currency:
        places = int(currency.decimal_places or 0)
        rounding = float(currency.rounding or 0)
        symbol = currency.symbol or ""
        position = currency.position or "after"
    places = min(max(places, 0), 20)
    with _decimal.localcontext() as context:
        context.prec = 400  # a float's 309 digits and the decimals
        value = _decimal.Decimal(repr(number))
        if rounding > 0:
            step = _decimal.Decimal(repr(rounding))
            value = (value / step).quantize(_decimal.Decimal(1), _decimal.ROUND_HALF_UP) * step
        value = value.quantize(_decimal.Decimal(1).scaleb(-places), _decimal.ROUND_HALF_UP)
        text = "{:,.{}f}".format(value, places)
    if not symbol:
        return text
    return "%s\u00a0%s" % (symbol, text) if position == "before" else "%s\u00a0%s" % (text, symbol)


def format_duration(value):
    """Hours as "HH:MM" (1.5 → "01:30"; negative values with a "-")."""
    number = float(value or 0)
    if number != number or abs(number) > 1e12:
        raise ValueError("format_duration(): the duration is not a number of hours")
    hours, minutes = divmod(abs(number) * 60, 60)
    minutes = round(minutes)
    if minutes == 60:
        minutes = 0
        hours += 1
    return "%s%02d:%02d" % ("-" if number < 0 else "", hours, minutes)


_EMPTY_TAGS = frozenset(["p", "div", "section", "span", "br", "b", "i", "font"])


def is_html_empty(html):
    """Whether `html` shows nothing: empty, or only blanks and the tags p, div, section, span,
    br, b, i and font (Odoo's rule). One pass over the text, whatever it holds."""
    if not html:
        return True
    if not isinstance(html, str):
        raise TypeError("is_html_empty() expects a text")
    position, length = 0, len(html)
    while True:
        start = html.find("<", position)
        if html[position:length if start < 0 else start].strip():
            return False
        if start < 0:
            return True
        end = html.find(">", start)
        if end < 0:
            return False
        inside = html[start + 1:end].strip()
        inside = inside[1:] if inside.startswith("/") else inside
        inside = inside[:-1] if inside.endswith("/") else inside
        words = inside.split(None, 1)
        if not words or words[0].lower() not in _EMPTY_TAGS:
            return False
        position = end + 1


def quote(text, safe="/"):
    """URL-quotes a text (urllib.parse.quote)."""
    return _urlparse.quote(shown(text), safe=safe)


def urlencode(query):
    """A query string from a dict or a list of pairs (urllib.parse.urlencode)."""
    return _urlparse.urlencode(query)


# The names both engines add to the sandbox's, besides object, ctx and user (per render).
TEMPLATE_CONTEXT = {
    "format_date": format_date,
    "format_datetime": format_datetime,
    "format_amount": format_amount,
    "format_duration": format_duration,
    "is_html_empty": is_html_empty,
    "Markup": Markup,
    "quote": quote,
    "urlencode": urlencode,
}
# QWeb's own.
QWEB_CONTEXT = {"true": True, "false": False}

class _Values(dict):
    """QWeb's names: a name the template never set is None, as in Odoo (values.get); the
    sandbox's builtins stay reachable."""
    __slots__ = ()

    def __missing__(self, name):
        builtins = dict.get(self, "__builtins__")
        if isinstance(builtins, dict) and name in builtins:
            return builtins[name]
        return None


def template_values(names, record, engine):
    """The names a template renders with (`names`: the sandbox's, for the record's env) and the
    _Output it writes into."""
    names.update(TEMPLATE_CONTEXT)
    names["object"] = record
    names["ctx"] = names["env"].context
    output = _Output()
    names["__qweb_o__"] = output
    if engine == "qweb":
        names.update(QWEB_CONTEXT)
        names = _Values(names)
    return names, output


# --- Building a program's code --------------------------------------------------------------

class TemplateError(Exception):
    """A program that cannot be compiled: the message says where and why."""


_SCAFFOLDING = _re.compile(r"__qweb_[a-z]+[0-9]*__\Z")
_VARIABLE = _re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,99}\Z")
_LOOP_NAMES = ("", "_value", "_index", "_size", "_first", "_last", "_odd", "_even", "_parity")


def _scaffolding_name(name):
    return _SCAFFOLDING.match(name) is not None


def site_label(site):
    """How an error names a site: "line 3, t-out" (the directive is left out when empty)."""
    line, where = site[0], site[1]
    return "line %d, %s" % (line, where) if where else "line %d" % line


class _Builder:
    """Turns the flat instructions of a program into statements, with an explicit stack of the
    blocks open (no recursion: nesting is bounded by the compiler that made the program, and the
    depth of a Python stack is not). Every node of an instruction gets the line number of its
    site (+ 2), see the header."""

    def __init__(self, sites):
        self.sites = sites
        self.body = []
        self.target = self.body
        self.stack = []  # the blocks open, innermost last
        self.line = 1

    def fail(self, site, message):
        raise TemplateError("%s: %s" % (site_label(self.sites[site]), message))

    def at(self, site):
        if not isinstance(site, int) or not 0 <= site < len(self.sites):
            raise TemplateError("malformed template program (site %r)" % (site,))
        self.line = site + 2
        return site

    def expression(self, site):
        """The checked tree of the site's expression, its nodes at the site's line."""
        source = self.sites[site][2]
        if not isinstance(source, str) or not source.strip():
            self.fail(site, "the expression is empty")
        try:
            tree = checked_tree(source.strip(), "eval").body
        except SyntaxError:
            self.fail(site, syntax_message(source.strip(), "eval") or "invalid syntax")
        except TemplateError:
            raise
        except Exception as e:
            self.fail(site, exception_message(e))
        for node in _ast.walk(tree):
            if "lineno" in node._attributes:
                node.lineno = node.end_lineno = self.line
                node.col_offset = node.end_col_offset = 0
        return tree

    def variable(self, site, name):
        if (not isinstance(name, str) or not _VARIABLE.match(name) or "__" in name
                or _keyword.iskeyword(name) or name in ("None", "True", "False")):
            self.fail(site, "%s is not a valid variable name (letters, digits and underscores, "
                            "not starting with a digit, without '__')" % _REPR.repr(name))
        return name

    def add(self, statement):
        """Writes a statement, at the instruction's line (what it holds that has no line yet gets
        it too: _locate)."""
        statement.lineno = self.line
        self.target.append(statement)

    def call(self, function, args):
        return _ast.Call(func=function, args=args, keywords=[])

    def output(self, method, args):
        return _ast.Expr(value=self.call(_ast.Attribute(
            value=_ast.Name(id="__qweb_o__", ctx=_ast.Load()), attr=method, ctx=_ast.Load()),
            args))

    def open(self, kind, node=None, extra=None):
        self.stack.append(_Block(kind, self.target, node, extra))

    def frame(self, kinds):
        if not self.stack or self.stack[-1].kind not in kinds:
            raise TemplateError("malformed template program (unbalanced blocks)")
        return self.stack[-1]

    def format_call(self, parts):
        args = []
        for part in parts:
            args.append(_ast.Constant(value=part) if isinstance(part, str)
                        else self.expression(self.at(part)))
        return self.call(_ast.Name(id="__qweb_fmt__", ctx=_ast.Load()), args)

    def instruction(self, ins):
        op = ins[0]
        if op == "text":
            self.add(self.output("text", [_ast.Constant(value=ins[1])]))
        elif op in ("if", "ifvalue"):
            site = self.at(ins[1])
            test = self.expression(site)
            if op == "ifvalue":
                temp = "__qweb_v%d__" % len(self.stack)
                self.add(_ast.Assign(targets=[_ast.Name(id=temp, ctx=_ast.Store())], value=test))
                name = _ast.Name(id=temp, ctx=_ast.Load())
                test = _ast.BoolOp(op=_ast.And(), values=[
                    _ast.Compare(left=name, ops=[_ast.IsNot()], comparators=[
                        _ast.Constant(value=None)]),
                    _ast.Compare(left=_ast.Name(id=temp, ctx=_ast.Load()), ops=[_ast.IsNot()],
                                 comparators=[_ast.Constant(value=False)])])
            node = _ast.If(test=test, body=[], orelse=[])
            self.add(node)
            self.open(op, node, temp if op == "ifvalue" else None)
            self.target = node.body
        elif op == "elif":
            frame = self.frame(("if",))
            if frame.has_else:
                raise TemplateError("malformed template program (elif after else)")
            site = self.at(ins[1])
            node = _ast.If(test=self.expression(site), body=[], orelse=[], lineno=self.line)
            frame.nodes[-1].orelse.append(node)
            frame.nodes.append(node)
            self.target = node.body
        elif op == "else":
            frame = self.frame(("if", "ifvalue"))
            if frame.has_else:
                raise TemplateError("malformed template program (a second else)")
            frame.has_else = True
            self.target = frame.nodes[-1].orelse
        elif op == "emit":
            temp = next((f.extra for f in reversed(self.stack) if f.kind == "ifvalue"), None)
            if temp is None:
                raise TemplateError("malformed template program (emit outside ifvalue)")
            self.add(self.output("value", [_ast.Name(id=temp, ctx=_ast.Load())]))
        elif op == "foreach":
            site = self.at(ins[1])
            name = self.variable(site, ins[2])
            names = [_ast.Name(id=name + suffix, ctx=_ast.Store()) for suffix in _LOOP_NAMES]
            node = _ast.For(
                target=_ast.Tuple(elts=names, ctx=_ast.Store()),
                iter=self.call(_ast.Name(id="__qweb_foreach__", ctx=_ast.Load()),
                               [self.expression(site)]),
                body=[], orelse=[])
            self.add(node)
            self.open("foreach", node)
            self.target = node.body
        elif op in ("set", "setf"):
            site = self.at(ins[1])
            name = self.variable(site, ins[2])
            value = self.expression(site) if op == "set" else self.format_call(ins[3])
            self.add(_ast.Assign(targets=[_ast.Name(id=name, ctx=_ast.Store())], value=value))
        elif op == "capture":
            site = self.at(ins[1])
            name = self.variable(site, ins[2])
            self.add(self.output("push", []))
            self.open("capture", None, (name, self.line))
        elif op == "tag":
            element = self.at(ins[1])
            items = []
            for item in ins[4]:
                kind, name = item[0], item[1]
                if kind == "s":
                    value = _ast.Constant(value=item[2])
                elif kind == "f":
                    value = self.format_call(item[2])
                else:
                    value = self.expression(self.at(item[2]))
                items.append(_ast.Tuple(elts=[_ast.Constant(value=kind),
                                              _ast.Constant(value=name), value],
                                        ctx=_ast.Load()))
            self.at(element)
            self.add(self.output("tag", [_ast.Constant(value=ins[2]),
                                         _ast.Constant(value=bool(ins[3])),
                                         _ast.List(elts=items, ctx=_ast.Load())]))
        elif op == "inline":
            site = self.at(ins[1])
            self.add(self.output("inline", [self.expression(site),
                                            _ast.Constant(value=ins[2])]))
        elif op == "end":
            frame = self.frame(("if", "ifvalue", "foreach", "capture"))
            self.stack.pop()
            self.target = frame.outer
            for node in frame.nodes:  # Python wants a statement in every block
                node.body = node.body or [_ast.Pass(lineno=node.lineno)]
            if frame.kind == "capture":
                name, self.line = frame.extra
                value = _ast.Call(func=_ast.Attribute(
                    value=_ast.Name(id="__qweb_o__", ctx=_ast.Load()), attr="pop",
                    ctx=_ast.Load()), args=[], keywords=[])
                self.add(_ast.Assign(targets=[_ast.Name(id=name, ctx=_ast.Store())],
                                     value=value))
        else:
            raise TemplateError("malformed template program (instruction %s)" % _REPR.repr(op))

    def module(self):
        if self.stack:
            raise TemplateError("malformed template program (a block is not closed)")
        module = _ast.Module(body=self.body or [_ast.Pass(lineno=1)], type_ignores=[])
        _locate(module)
        return module


class _Block:
    """A block being built: its kind, the statements it is written into, and for if, ifvalue
    and foreach the nodes whose bodies it fills (an if's elifs after it)."""
    __slots__ = ("kind", "outer", "nodes", "extra", "has_else")

    def __init__(self, kind, outer, node, extra):
        self.kind = kind
        self.outer = outer
        self.nodes = [node] if node is not None else []
        self.extra = extra
        self.has_else = False


def _locate(tree):
    """Gives every node without a position its parent's line, without recursion."""
    pending = [(tree, 1)]
    while pending:
        node, line = pending.pop()
        if "lineno" in node._attributes:
            if getattr(node, "lineno", None) is None:
                node.lineno = line
            line = node.lineno
            node.end_lineno = line
            node.col_offset = node.end_col_offset = 0
        for child in _ast.iter_child_nodes(node):
            pending.append((child, line))


def build_template(program):
    """(code, sites, engine) of a program (a dict: engine, sites, code), its code checked; a
    TemplateError saying where and why it cannot be built."""
    engine = program.get("engine")
    sites = program.get("sites")
    instructions = program.get("code")
    if engine not in ("qweb", "inline") or not isinstance(sites, list) \
            or not isinstance(instructions, list):
        raise TemplateError("malformed template program")
    for site in sites:
        if not (isinstance(site, list) and len(site) == 3 and isinstance(site[0], int)
                and isinstance(site[1], str)):
            raise TemplateError("malformed template program (site %s)" % _REPR.repr(site))
    # The tree grows to many objects, none of them garbage: the collector's passes over them
    # would make building it slower than linear. Nothing else runs meanwhile (the GIL is held).
    collecting = _gc.isenabled()
    _gc.disable()
    try:
        builder = _Builder(sites)
        for ins in instructions:
            if not isinstance(ins, list) or not ins:
                raise TemplateError("malformed template program (instruction %s)"
                                    % _REPR.repr(ins))
            try:
                builder.instruction(ins)
            except (IndexError, TypeError) as e:
                raise TemplateError("malformed template program (%s)" % exception_message(e))
        module = builder.module()
        limit = _sys.getrecursionlimit()
        _sys.setrecursionlimit(max(limit, COMPILE_RECURSION_LIMIT))
        try:
            code = compile(module, TEMPLATE_FILE, "exec")
        except (SyntaxError, RecursionError) as e:
            raise TemplateError("the template nests too deeply to be compiled (%s)"
                                % exception_message(e))
        finally:
            _sys.setrecursionlimit(limit)
        _check_code(code, "the template", _scaffolding_name)
    finally:
        if collecting:
            _gc.enable()
    return code, sites, engine


def template_site(exc, sites):
    """(label, expression) of the site whose code raised `exc`, from its traceback (the
    innermost frame of a template's code), or None."""
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == TEMPLATE_FILE:
            line = tb.tb_lineno
        tb = tb.tb_next
    if line is None or not 0 <= line - 2 < len(sites):
        return None
    site = sites[line - 2]
    return site_label(site), site[2] if isinstance(site[2], str) else ""


# The scaffolding's names, set in every template's values (template_values adds __qweb_o__).
SCAFFOLDING = {"__qweb_fmt__": _format, "__qweb_foreach__": _foreach}
TEMPLATE_CONTEXT.update(SCAFFOLDING)
