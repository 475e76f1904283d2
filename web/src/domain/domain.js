// Domains as the visual editor sees them. A domain is stored as text, a Python literal such as
// [("stage_id", "=", 3), "|", ("user_id", "=", 2), ("user_id", "=", False)], in prefix
// notation ("&", "|" and "!" apply to the items that follow; consecutive items are and-ed).
// This module reads that text strictly (Python literals only: lists, tuples, strings, numbers,
// True, False, None), turns it into a tree of groups and conditions, and writes a tree back as
// text in one canonical form. No framework here: it is shared by the components and the tests.

// Beyond these, a domain is still valid for the server but not shown by the visual editor.
export const MAX_DEPTH = 20; // groups within groups
export const MAX_LENGTH = 100000; // characters of text
const MAX_LITERAL_DEPTH = 64; // brackets within brackets in the text

// Why a text is refused:
// - "syntax": not a domain at all (unbalanced brackets, a term of two items, an unknown
//   operator...). The server would refuse it too.
// - "expression": a Python expression where a value should be (uid, context_today()). Valid in
//   the domains of rules, which the server evaluates, but not something this editor can show.
// - "unsupported": a valid domain the visual editor cannot show (constant terms, too deep).
// - "limit": the text is too long, or nested too deeply, to be read at all.
export class DomainError extends Error {
  constructor(message, kind = "syntax", position = -1) {
    super(message);
    this.kind = kind;
    this.position = position;
  }
}

// Operators of the domain language, spelled as the server normalises them.
export const OPERATORS = [
  "=", "!=", "<", "<=", ">", ">=", "=?", "in", "not in", "like", "not like", "ilike", "not ilike",
  "=like", "not =like", "=ilike", "not =ilike", "child_of", "parent_of", "any", "not any",
];
const OPERATOR_SET = new Set(OPERATORS);
const OPERATOR_SPELLINGS = { "<>": "!=", "==": "=" };

// The operator a "!" in front of a term turns into, when the meaning is exactly the opposite.
const INVERSE = {
  "=": "!=", "!=": "=", "in": "not in", "not in": "in", "like": "not like", "not like": "like",
  "ilike": "not ilike", "not ilike": "ilike", "=like": "not =like", "not =like": "=like",
  "=ilike": "not =ilike", "not =ilike": "=ilike", "any": "not any", "not any": "any",
};

const PATH_RE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

// ---------------------------------------------------------------------------------------------
// Reading Python literals

function lineColumn(text, at) {
  let line = 1;
  let column = 1;
  for (let k = 0; k < at && k < text.length; k++) {
    if (text[k] === "\n") { line++; column = 1; } else column++;
  }
  return `line ${line}, column ${column}`;
}

const isSpace = (c) => c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f";
const isDigit = (c) => c >= "0" && c <= "9";
const isNameStart = (c) => (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "_" || c > "\x7f";
const isNameChar = (c) => isNameStart(c) || isDigit(c);

// Whether brackets and quotes are balanced: tells an expression the server may evaluate
// (uid, context_today()) from text that is broken anyway.
function balanced(text) {
  const stack = [];
  const pairs = { ")": "(", "]": "[", "}": "{" };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "#") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (c === "'" || c === '"') {
      const triple = text.startsWith(c.repeat(3), i);
      const end = triple ? c.repeat(3) : c;
      i += end.length;
      while (i < text.length && !text.startsWith(end, i)) {
        if (text[i] === "\\") i++;
        else if (text[i] === "\n" && !triple) return false;
        i++;
      }
      if (i >= text.length) return false;
      i += end.length - 1;
    } else if (c === "(" || c === "[" || c === "{") {
      stack.push(c);
    } else if (c in pairs) {
      if (stack.pop() !== pairs[c]) return false;
    }
  }
  return stack.length === 0;
}

class LiteralReader {
  constructor(text) {
    this.s = text;
    this.i = 0;
    this.depth = 0;
  }

  fail(what, at = this.i, kind = "syntax") {
    throw new DomainError(`${what} (${lineColumn(this.s, at)})`, kind, at);
  }

  // A Python expression where a literal should be: the server may evaluate it (in a rule's
  // domain), so it is "expression" when the text is otherwise well formed.
  expression(what, at) {
    if (balanced(this.s)) {
      throw new DomainError(`${what} is a Python expression, not a literal value (${lineColumn(this.s, at)})`,
                            "expression", at);
    }
    this.fail(`${what} is not a literal value, and the brackets or quotes are unbalanced`, at);
  }

  readAll() {
    this.space();
    if (this.i >= this.s.length) this.fail("The text is empty");
    const value = this.value();
    this.space();
    if (this.i < this.s.length) this.afterValue();
    return value;
  }

  space() {
    const s = this.s;
    while (this.i < s.length) {
      const c = s[this.i];
      if (isSpace(c)) this.i++;
      else if (c === "\\" && s[this.i + 1] === "\n") this.i += 2;
      else if (c === "#") { while (this.i < s.length && s[this.i] !== "\n") this.i++; }
      else break;
    }
  }

  // Something follows a complete value: a forgotten comma, or Python computing something.
  afterValue() {
    const c = this.s[this.i];
    if (")]}".includes(c)) this.fail(`Unexpected '${c}'`);
    if ("+-*/%.([<>=!&|^~@".includes(c) || isNameStart(c)) {
      if ((c === "(" || c === "[") && /[)\]]\s*$/.test(this.s.slice(0, this.i))) {
        this.fail(`Expected ',' between two items, found '${c}'`);
      }
      this.expression(`'${this.excerpt(this.i)}'`, this.i);
    }
    if (c === "'" || c === '"' || isDigit(c)) this.fail("Expected ',' between two items");
    this.fail(`Unexpected character '${c}'`);
  }

  excerpt(at) {
    const m = /^[^,\])\n]{0,30}/.exec(this.s.slice(at));
    return m[0].trim();
  }

  value() {
    if (++this.depth > MAX_LITERAL_DEPTH) this.fail("The text is nested too deeply", this.i, "limit");
    const v = this.valueInner();
    this.depth--;
    return v;
  }

  valueInner() {
    const s = this.s;
    if (this.i >= s.length) this.fail("The text ends where a value is missing");
    const c = s[this.i];
    if (c === "[") {
      const open = this.i++;
      return this.sequence("]", open, "list");
    }
    if (c === "(") {
      const open = this.i++;
      this.space();
      if (s[this.i] === ")") { this.i++; return []; }
      const first = this.value();
      this.space();
      if (this.i >= s.length) this.fail("Unclosed '(' (the text ends before ')')", open);
      if (s[this.i] === ")") { this.i++; return first; } // a value in parentheses, not a tuple
      if (s[this.i] !== ",") {
        if ("]}".includes(s[this.i])) this.fail(`'${s[this.i]}' does not close the '(' opened at ${lineColumn(s, open)}`);
        this.afterValue();
      }
      this.i++;
      const rest = this.sequence(")", open, "tuple");
      return [first, ...rest];
    }
    if (c === "'" || c === '"') return this.strings();
    if (isDigit(c) || (c === "." && isDigit(s[this.i + 1] || "")) || c === "-" || c === "+") return this.number();
    if (c === "{") this.expression("A dict", this.i);
    if (isNameStart(c)) {
      const start = this.i;
      while (this.i < s.length && isNameChar(s[this.i])) this.i++;
      const name = s.slice(start, this.i);
      if ((s[this.i] === "'" || s[this.i] === '"') && name.length <= 2) {
        const lower = name.toLowerCase();
        if (["r", "u", "b", "rb", "br"].includes(lower)) { this.i = start; return this.strings(); }
        if (lower.includes("f")) this.expression("An f-string", start);
      }
      if (name === "True") return true;
      if (name === "False") return false;
      if (name === "None") return null;
      if (["true", "false", "null", "none"].includes(name)) {
        const meant = { true: "True", false: "False", null: "None", none: "None" }[name];
        this.fail(`'${name}' is not a Python value: write ${meant}`, start);
      }
      this.space();
      this.expression(s[this.i] === "(" ? `The call '${name}(...)'` : `The name '${name}'`, start);
    }
    this.fail(`Unexpected character '${c}' where a value was expected`);
  }

  // Items up to `close`, separated by commas; a trailing comma is allowed (as in Python).
  sequence(close, open, kind) {
    const s = this.s;
    const out = [];
    for (;;) {
      this.space();
      if (this.i >= s.length) this.fail(`Unclosed ${kind} (the text ends before '${close}')`, open);
      if (s[this.i] === close) { this.i++; return out; }
      if (s[this.i] === ",") this.fail(`Unexpected ',' in a ${kind}`);
      out.push(this.value());
      this.space();
      if (this.i >= s.length) this.fail(`Unclosed ${kind} (the text ends before '${close}')`, open);
      if (s[this.i] === ",") { this.i++; continue; }
      if (s[this.i] === close) { this.i++; return out; }
      if (")]}".includes(s[this.i])) {
        this.fail(`'${s[this.i]}' does not close the ${kind} opened at ${lineColumn(s, open)}`);
      }
      this.afterValue();
    }
  }

  // One or more adjacent string literals, joined as Python joins them.
  strings() {
    let out = "";
    do {
      out += this.string();
      this.space();
    } while (this.i < this.s.length && /^[rRuUbB]{0,2}['"]/.test(this.s.slice(this.i, this.i + 3)));
    return out;
  }

  string() {
    const s = this.s;
    const start = this.i;
    let raw = false;
    while (s[this.i] !== "'" && s[this.i] !== '"') {
      raw = raw || s[this.i] === "r" || s[this.i] === "R";
      this.i++;
    }
    const quote = s[this.i];
    const triple = s.startsWith(quote.repeat(3), this.i);
    this.i += triple ? 3 : 1;
    let out = "";
    for (;;) {
      if (this.i >= s.length) this.fail("Unterminated string (no closing quote)", start);
      const c = s[this.i];
      if (c === quote && (!triple || s.startsWith(quote.repeat(3), this.i))) {
        this.i += triple ? 3 : 1;
        return out;
      }
      if (c === "\n" && !triple) this.fail("Unterminated string (the line ends before the closing quote)", start);
      if (c !== "\\") { out += c; this.i++; continue; }
      if (this.i + 1 >= s.length) this.fail("Unterminated string (it ends with a backslash)", start);
      const e = s[this.i + 1];
      if (raw) { out += c + e; this.i += 2; continue; }
      const at = this.i;
      this.i += 2;
      const simple = { "\n": "", "\\": "\\", "'": "'", '"': '"', a: "\x07", b: "\b", f: "\f", n: "\n",
                       r: "\r", t: "\t", v: "\v" };
      if (e in simple) out += simple[e];
      else if (e === "x") out += this.hexEscape(at, 2);
      else if (e === "u") out += this.hexEscape(at, 4);
      else if (e === "U") out += this.hexEscape(at, 8);
      else if (e === "N") this.fail("Named escapes (\\N{...}) are not supported", at, "unsupported");
      else if (e >= "0" && e <= "7") {
        let digits = e;
        while (digits.length < 3 && s[this.i] >= "0" && s[this.i] <= "7") digits += s[this.i++];
        out += String.fromCodePoint(parseInt(digits, 8));
      } else {
        out += "\\" + e; // Python keeps unknown escapes as written
      }
    }
  }

  hexEscape(at, digits) {
    const hex = this.s.slice(this.i, this.i + digits);
    if (!new RegExp(`^[0-9a-fA-F]{${digits}}$`).test(hex)) this.fail("Truncated \\x, \\u or \\U escape", at);
    this.i += digits;
    const code = parseInt(hex, 16);
    if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
      this.fail(`The escape names an invalid character (U+${hex.toUpperCase()})`, at);
    }
    return String.fromCodePoint(code);
  }

  number() {
    const s = this.s;
    const start = this.i;
    let sign = 1;
    if (s[this.i] === "-" || s[this.i] === "+") {
      if (s[this.i] === "-") sign = -1;
      this.i++;
      this.space();
    }
    const numStart = this.i;
    const c = s[this.i] || "";
    if (!(isDigit(c) || (c === "." && isDigit(s[this.i + 1] || "")))) {
      if (isNameStart(c) || c === "(" || c === "-" || c === "+") this.expression(`'${this.excerpt(start)}'`, start);
      this.fail("A sign must be followed by a number", start);
    }
    const m = /^(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:\d(?:_?\d)*)?(?:\.(?:\d(?:_?\d)*)?)?(?:[eE][+-]?\d(?:_?\d)*)?)/
      .exec(s.slice(this.i));
    const token = m[0];
    this.i += token.length;
    if (isNameChar(s[this.i] || "") || s[this.i] === ".") {
      if (s[this.i] === "j" || s[this.i] === "J") this.fail("Complex numbers are not domain values", numStart);
      this.fail(`Invalid number '${this.excerpt(numStart)}'`, numStart);
    }
    const clean = token.replace(/_/g, "");
    let value;
    if (/^0[xob]/i.test(clean)) {
      value = parseInt(clean.slice(2), { x: 16, o: 8, b: 2 }[clean[1].toLowerCase()]);
    } else if (/[.eE]/.test(clean)) {
      value = parseFloat(clean);
      if (!Number.isFinite(value)) this.fail(`The number '${token}' is too large`, numStart, "unsupported");
      return sign * value;
    } else {
      if (/^0\d/.test(clean) && /[1-9]/.test(clean)) {
        this.fail(`Invalid number '${token}' (leading zeros are not allowed in Python)`, numStart);
      }
      value = parseInt(clean, 10);
    }
    if (!Number.isSafeInteger(value)) {
      this.fail(`The integer '${token}' is too large for the visual editor`, numStart, "unsupported");
    }
    return sign * value || 0; // no -0
  }
}

// The value of a Python literal text: arrays for lists and tuples, strings, numbers, booleans,
// null for None. DomainError otherwise.
export function parseLiteral(text) {
  if (typeof text !== "string") throw new DomainError("A domain is text");
  if (text.length > MAX_LENGTH) {
    throw new DomainError(`The text is too long (${text.length} characters, at most ${MAX_LENGTH})`, "limit");
  }
  return new LiteralReader(text).readAll();
}

// ---------------------------------------------------------------------------------------------
// Writing Python literals

function formatString(text) {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0);
    if (ch === "\\") out += "\\\\";
    else if (ch === '"') out += '\\"';
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f) out += "\\x" + code.toString(16).padStart(2, "0");
    else if (code >= 0xd800 && code <= 0xdfff) out += "\\u" + code.toString(16).padStart(4, "0");
    else out += ch;
  }
  return out + '"';
}

function formatNumber(n) {
  if (!Number.isFinite(n)) throw new DomainError("A number must be finite");
  if (Number.isInteger(n) && !Number.isSafeInteger(n)) return n.toExponential(); // a float, as read
  return String(n);
}

// A value as Python literal text: strings in double quotes, True/False/None, lists in [].
export function formatLiteral(value) {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number") return formatNumber(value);
  if (typeof value === "string") return formatString(value);
  if (Array.isArray(value)) return `[${value.map(formatLiteral).join(", ")}]`;
  throw new DomainError(`${typeof value} is not a domain value`);
}

// ---------------------------------------------------------------------------------------------
// The tree: groups ("&" all, "|" any, possibly negated) of conditions.

let nextKey = 1;
// A key for rendering lists of nodes: unique within the page, never written out.
export function newKey() {
  return nextKey++;
}

export function group(connector, children = [], negate = false) {
  return { type: "group", key: newKey(), connector, negate, children };
}

// A condition: path, operator, value. Two pseudo-operators group terms the editor shows as one
// row: "between" (value [low, high]: >= low and <= high); "any"/"not any" have a group as value.
export function condition(path, operator, value) {
  return { type: "condition", key: newKey(), path, operator, value };
}

function depthOf(node) {
  if (node.type === "group") return node.depth;
  return node.operator === "any" || node.operator === "not any" ? node.value.depth : 0;
}

// A group, flattened (an "&" inside an "&" is one "&"), with pairs of terms ">= a", "<= b" on
// one field read as "between a and b", and its depth checked.
function makeGroup(connector, items, negate = false) {
  const children = [];
  for (let item of items) {
    // A group of one condition is that condition (such groups come from "between" pairs).
    if (item.type === "group" && !item.negate && item.children.length === 1) item = item.children[0];
    if (item.type === "group" && !item.negate && item.connector === connector) children.push(...item.children);
    else children.push(item);
  }
  if (connector === "&") {
    for (let k = 0; k + 1 < children.length; k++) {
      const a = children[k];
      const b = children[k + 1];
      if (a.type === "condition" && b.type === "condition" && a.path === b.path &&
          a.operator === ">=" && b.operator === "<=" && !Array.isArray(a.value) && !Array.isArray(b.value)) {
        children.splice(k, 2, condition(a.path, "between", [a.value, b.value]));
      }
    }
  }
  const node = group(connector, children, negate);
  node.depth = 1 + Math.max(0, ...children.map(depthOf));
  if (node.depth > MAX_DEPTH) {
    throw new DomainError(`The domain nests groups more than ${MAX_DEPTH} levels deep`, "unsupported");
  }
  return node;
}

// The tree of a domain in its JSON form (a list of terms and operators). The root is always a
// group. `parentDepth` counts the groups around a sub-domain of "any".
export function domainToTree(domain, parentDepth = 0) {
  if (!Array.isArray(domain)) throw new DomainError("A domain is a list of conditions, such as [(\"name\", \"=\", \"x\")]");
  // Prefix notation, read from the end: operands are pushed, operators take theirs off the stack.
  const stack = [];
  for (let k = domain.length - 1; k >= 0; k--) {
    const item = domain[k];
    const where = `Item #${k + 1}`;
    if (item === "&" || item === "|") {
      if (stack.length < 2) throw new DomainError(`'${item}' (item #${k + 1}) needs two conditions after it`);
      const a = stack.pop();
      const b = stack.pop();
      stack.push(makeGroup(item, [a, b]));
    } else if (item === "!") {
      if (stack.length < 1) throw new DomainError(`'!' (item #${k + 1}) needs a condition after it`);
      stack.push(negate(stack.pop()));
    } else if (Array.isArray(item)) {
      stack.push(termToNode(item, where, parentDepth));
    } else if (typeof item === "string") {
      throw new DomainError(`${where}: ${formatLiteral(item)} is not an operator ('&', '|' or '!')`);
    } else {
      throw new DomainError(`${where}: ${formatLiteral(item)} is neither a condition nor an operator`);
    }
  }
  stack.reverse();
  const root = makeGroup("&", stack);
  if (parentDepth + root.depth > MAX_DEPTH) {
    throw new DomainError(`The domain nests groups more than ${MAX_DEPTH} levels deep`, "unsupported");
  }
  // A single group is the root itself ("Match any of...", "Match none of...").
  if (root.children.length === 1 && root.children[0].type === "group") return root.children[0];
  return root;
}

function negate(node) {
  if (node.type === "condition") {
    const inverse = INVERSE[node.operator];
    // A path through a relation means "some related record", whose negation is not the
    // negated operator: such terms stay under a "not".
    if (inverse && !node.path.includes(".")) return { ...node, operator: inverse, key: newKey() };
    return makeGroup("&", [node], true);
  }
  if (node.negate && node.children.length === 1) return node.children[0];
  return { ...node, negate: !node.negate, key: newKey() };
}

function termToNode(term, where, parentDepth) {
  if (term.length !== 3) {
    throw new DomainError(`${where}: a condition has three parts (field, operator, value), this one has ${term.length}`);
  }
  const [path, rawOperator, value] = term;
  if (path === 0 || path === 1) {
    throw new DomainError(`${where}: constant conditions (${path === 1 ? "always true" : "always false"}) are not shown by the visual editor`,
                          "unsupported");
  }
  if (typeof path !== "string" || !path) throw new DomainError(`${where}: the field must be a name in quotes`);
  if (typeof rawOperator !== "string") throw new DomainError(`${where}: the operator must be text in quotes`);
  const lower = rawOperator.toLowerCase();
  const operator = OPERATOR_SPELLINGS[lower] || lower;
  if (!OPERATOR_SET.has(operator)) throw new DomainError(`${where}: unknown operator ${formatLiteral(rawOperator)}`);
  if (!PATH_RE.test(path)) {
    throw new DomainError(`${where}: ${formatLiteral(path)} is not a field name or a path such as "partner_id.name"`, "unsupported");
  }
  if (operator === "any" || operator === "not any") {
    if (!Array.isArray(value)) throw new DomainError(`${where}: '${operator}' takes a domain (a list) as value`);
    return condition(path, operator, domainToTree(value, parentDepth + 1));
  }
  return condition(path, operator, value);
}

// The tree of a domain's text; false, "" and "[]" are the empty domain (all records).
export function parseDomain(text) {
  if (text === false || text === null || text === undefined || String(text).trim() === "") return group("&");
  return domainToTree(parseLiteral(String(text)));
}

// The prefix items of a node: conditions as [path, operator, value], groups with their
// operators. An "&" group's items are given without their "&"s when `inline` (for the
// caller, itself an "&", to join them with its own).
function nodeItems(node, inline = false) {
  if (node.type === "condition") {
    if (node.operator === "between") {
      const items = [[node.path, ">=", node.value[0]], [node.path, "<=", node.value[1]]];
      return inline ? items : ["&", ...items];
    }
    if (node.operator === "any" || node.operator === "not any") {
      return [[node.path, node.operator, treeToDomain(node.value)]];
    }
    return [[node.path, node.operator, node.value]];
  }
  // Groups: "&" children are flattened into their parent, empty groups are left out.
  const parts = [];
  for (const child of node.children) {
    const nested = node.connector === "&" && !node.negate;
    const items = nodeItems(child, nested);
    if (items.length) parts.push({ items, count: nested ? countTerms(child) : 1 });
  }
  const count = parts.reduce((n, p) => n + p.count, 0);
  if (count === 0) return [];
  const items = [];
  if (node.negate) items.push("!");
  if (!(inline && !node.negate && node.connector === "&")) {
    for (let k = 1; k < count; k++) items.push(node.connector);
  }
  for (const p of parts) items.push(...p.items);
  return items;
}

// How many operands a node gives an "&" that inlines it.
function countTerms(node) {
  if (node.type === "condition") return node.operator === "between" ? 2 : 1;
  if (node.negate || node.connector !== "&") return node.children.some((c) => nodeItems(c).length) ? 1 : 0;
  return node.children.reduce((n, c) => n + countTerms(c), 0);
}

// The JSON form of a tree: the list of terms and operators, with no "&" for the root's "all".
export function treeToDomain(root) {
  return nodeItems(root, root.type === "group");
}

// A domain's JSON form as text: [("a", "=", 1), "|", ("b", "ilike", "x"), ("c", "in", [1, 2])].
export function formatDomain(domain) {
  const items = domain.map((item) => {
    if (typeof item === "string") return formatLiteral(item);
    const [path, operator, value] = item;
    const valueText = (operator === "any" || operator === "not any") && Array.isArray(value)
      ? formatDomain(value) : formatLiteral(value);
    return `(${formatLiteral(path)}, ${formatLiteral(operator)}, ${valueText})`;
  });
  return `[${items.join(", ")}]`;
}

// The canonical text of a tree.
export function treeToText(root) {
  return formatDomain(treeToDomain(root));
}

// The JSON form of a domain's text, for calls (search_count): DomainError when it is not a
// domain of literals.
export function textToDomain(text) {
  return treeToDomain(parseDomain(text));
}

// ---------------------------------------------------------------------------------------------
// "Include archived": the term the editor adds at the root, and shows as a switch.

export function isArchivedTerm(node) {
  return node.type === "condition" && node.path === "active" && node.operator === "in" &&
    Array.isArray(node.value) && node.value.length === 2 && node.value.includes(true) && node.value.includes(false);
}

// The root without its "active in [True, False]" term, and whether it had one.
export function splitArchived(root) {
  if (root.connector !== "&" || root.negate || !root.children.some(isArchivedTerm)) return { root, archived: false };
  const children = root.children.filter((c) => !isArchivedTerm(c));
  if (children.length === 1 && children[0].type === "group" && !children[0].negate) {
    return { root: children[0], archived: true };
  }
  return { root: { ...root, children }, archived: true };
}

// The root with the "active in [True, False]" term added at its end.
export function joinArchived(root, archived) {
  if (!archived) return root;
  const term = condition("active", "in", [true, false]);
  if (root.connector === "&" && !root.negate) return { ...root, children: [...root.children, term] };
  return group("&", [root, term]);
}
