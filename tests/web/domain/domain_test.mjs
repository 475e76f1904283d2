// The domain editor's reading and writing of domain text (web/src/domain/domain.js): Python
// literals, the tree of groups and conditions, the canonical text, the limits. Run with
// `node --test tests/web/`.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  DomainError, MAX_DEPTH, MAX_LENGTH, condition, formatLiteral, group, joinArchived, parseDomain, parseLiteral,
  splitArchived, textToDomain, treeToDomain, treeToText,
} from "../../../web/src/domain/domain.js";

// The canonical text of a domain's text.
const canon = (text) => treeToText(parseDomain(text));

// A DomainError of the given kind, whose message contains `words` when given.
function refused(text, kind, words) {
  assert.throws(() => parseDomain(text), (e) => {
    assert.ok(e instanceof DomainError, `not a DomainError: ${e}`);
    assert.equal(e.kind, kind, `kind of ${JSON.stringify(text)}: ${e.message}`);
    if (words) assert.match(e.message, words);
    return true;
  });
}

// Drops the rendering keys and depths, to compare trees.
function shape(node) {
  if (node.type === "group") {
    return { g: node.connector, not: node.negate, c: node.children.map(shape) };
  }
  const any = node.operator === "any" || node.operator === "not any";
  return [node.path, node.operator, any ? shape(node.value) : node.value];
}

test("the empty domain, in its spellings, is an empty 'all' group and writes as []", () => {
  for (const value of [false, null, undefined, "", "  ", "[]", "[ ]", "()"]) {
    const root = parseDomain(value);
    assert.deepEqual(shape(root), { g: "&", not: false, c: [] }, String(value));
    assert.equal(treeToText(root), "[]");
  }
});

test("the canonical form: double quotes, True/False/None, tuples for terms, lists for values", () => {
  assert.equal(canon(`[('a','=',1), ('b', 'ilike', 'x'), ('c','in',(1, 2)), ('d','=',None), ('e','!=',True)]`),
    `[("a", "=", 1), ("b", "ilike", "x"), ("c", "in", [1, 2]), ("d", "=", None), ("e", "!=", True)]`);
  // The example of a stored domain keeps its operators where they are needed only.
  const text = `[("stage_id", "=", 3), "|", ("user_id", "=", 2), ("user_id", "=", False)]`;
  assert.equal(canon(text), text);
  assert.deepEqual(shape(parseDomain(text)), {
    g: "&", not: false, c: [["stage_id", "=", 3], { g: "|", not: false, c: [["user_id", "=", 2], ["user_id", "=", false]] }],
  });
});

test("operators are minimal: an implicit '&' at the top, explicit ones inside '|'", () => {
  assert.equal(canon(`['&', ('a','=',1), ('b','=',2)]`), `[("a", "=", 1), ("b", "=", 2)]`);
  assert.equal(canon(`['&', '&', ('a','=',1), ('b','=',2), ('c','=',3)]`), `[("a", "=", 1), ("b", "=", 2), ("c", "=", 3)]`);
  assert.equal(canon(`['|', '|', ('a','=',1), ('b','=',2), ('c','=',3)]`),
    `["|", "|", ("a", "=", 1), ("b", "=", 2), ("c", "=", 3)]`);
  assert.equal(canon(`['|', ('a','=',1), '&', ('b','=',2), ('c','=',3)]`),
    `["|", ("a", "=", 1), "&", ("b", "=", 2), ("c", "=", 3)]`);
  // Nested "|" of "|" is one group of three.
  assert.deepEqual(shape(parseDomain(`['|', ('a','=',1), '|', ('b','=',2), ('c','=',3)]`)).c.length, 3);
});

test("trees the editor makes survive a round trip through their text", () => {
  const trees = [
    group("&", [condition("name", "ilike", "a")]),
    group("|", [condition("a", "=", 1), condition("b", "!=", false)]),
    group("&", [condition("country_id", "in", [19, 20]),
                group("|", [condition("name", "ilike", "a"), condition("is_company", "=", true)])]),
    group("|", [group("&", [condition("a", "=", 1), condition("b", "=", 2)]), condition("c", "=", 3)]),
    group("&", [condition("d", "between", ["2024-01-01", "2024-12-31"]), condition("e", "=ilike", "ab%")]),
    group("|", [condition("d", "between", [1, 5]), condition("x", "in", ["a", "b"])]),
    group("&", [condition("partner_id", "any", group("|", [condition("name", "ilike", "x"),
                                                             condition("email", "=", false)]))]),
    group("&", [group("|", [condition("a", "=", 1), group("&", [condition("b", "<", 2.5), condition("c", ">", -3)])])]),
    group("&", [condition("s", "=", "quote \" backslash \\ newline \n tab \t nul \u0000 é ☃ 😀")]),
    group("|", [condition("a", "=", 1), condition("a", "=", 1e21), condition("b", "=", 0.1), condition("c", "=", -1e-7)]),
  ];
  for (const tree of trees) {
    const text = treeToText(tree);
    const again = parseDomain(text);
    assert.equal(treeToText(again), text, text);
    assert.equal(canon(text), text);
  }
  // The tree itself comes back the same (groups of one flattened into their parent).
  const mixed = trees[2];
  assert.deepEqual(shape(parseDomain(treeToText(mixed))), shape(mixed));
});

test("quotes and escapes: both quote kinds, every Python escape, prefixes, joined literals", () => {
  const value = (literal) => parseLiteral(literal);
  assert.equal(value(`'single'`), "single");
  assert.equal(value(`"double"`), "double");
  assert.equal(value(`'it\\'s'`), "it's");
  assert.equal(value(`"say \\"hi\\""`), 'say "hi"');
  assert.equal(value(`"a'b"`), "a'b");
  assert.equal(value(`'a"b'`), 'a"b');
  assert.equal(value(`"\\n\\t\\r\\\\\\a\\b\\f\\v"`), "\n\t\r\\\x07\b\f\v");
  assert.equal(value(`"\\x41\\u00e9\\U0001F600\\101\\0"`), "Aé😀A\0");
  assert.equal(value(`"line\\\ncontinued"`), "linecontinued");
  assert.equal(value(`"\\d\\%"`), "\\d\\%"); // unknown escapes are kept
  assert.equal(value(`r'\\d+'`), "\\d+");
  assert.equal(value(`u'x'`), "x");
  assert.equal(value(`'a' "b"  'c'`), "abc");
  assert.equal(value(`'''tri'ple'''`), "tri'ple");
  assert.equal(value(`"é ☃"`), "é ☃");
  // Writing: double quotes, escapes for what would break the literal.
  assert.equal(formatLiteral(`a"b\\c`), `"a\\"b\\\\c"`);
  assert.equal(formatLiteral("x\ny\tz\r\u0001\u007f"), `"x\\ny\\tz\\r\\x01\\x7f"`);
  assert.equal(formatLiteral("it's é"), `"it's é"`);
  for (const s of [`a"b\\c'd`, "x\ny", "\u0000\u001f", "😀 é", "'", "\\"]) {
    assert.equal(parseLiteral(formatLiteral(s)), s);
  }
});

test("malformed strings are refused with their position", () => {
  refused(`[("a", "=", "open)]`, "syntax", /Unterminated string/);
  refused(`[("a", "=", "line\nbreak")]`, "syntax", /line ends/);
  refused(`[("a", "=", "\\x4")]`, "syntax", /Truncated/);
  refused(`[("a", "=", "\\ud800")]`, "syntax", /invalid character/);
  refused(`[("a", "=", "\\N{DASH}")]`, "unsupported", /Named escapes/);
  assert.throws(() => parseLiteral(`"x`), /line 1, column 1/);
});

test("tuples and lists are the same to a domain; parentheses alone are not a tuple", () => {
  const a = canon(`[("a", "in", (1, 2)), ["b", "=", 1]]`);
  const b = canon(`(["a", "in", [1, 2]], ("b", "=", 1))`);
  assert.equal(a, b);
  assert.equal(a, `[("a", "in", [1, 2]), ("b", "=", 1)]`);
  assert.deepEqual(parseLiteral("(1,)"), [1]);
  assert.deepEqual(parseLiteral("()"), []);
  assert.equal(parseLiteral("(1)"), 1);
  assert.deepEqual(parseLiteral("((1, 2))"), [1, 2]);
  assert.equal(canon(`[("a", "=", ("x"))]`), `[("a", "=", "x")]`);
});

test("numbers: negatives, floats, exponents, underscores, other bases", () => {
  const n = (t) => parseLiteral(t);
  assert.equal(n("-1"), -1);
  assert.equal(n("- 1"), -1);
  assert.equal(n("+3"), 3);
  assert.equal(Object.is(n("-0"), 0), true);
  assert.equal(n("-1.5"), -1.5);
  assert.equal(n(".5"), 0.5);
  assert.equal(n("1."), 1);
  assert.equal(n("1e3"), 1000);
  assert.equal(n("2.5E-3"), 0.0025);
  assert.equal(n("1_000"), 1000);
  assert.equal(n("0x1F"), 31);
  assert.equal(n("0o17"), 15);
  assert.equal(n("0b101"), 5);
  assert.equal(n("0"), 0);
  assert.equal(n("00"), 0);
  assert.equal(canon(`[("a", ">", -3), ("b", "<", -0.25)]`), `[("a", ">", -3), ("b", "<", -0.25)]`);
  assert.throws(() => n("012"), (e) => e.kind === "syntax" && /leading zeros/.test(e.message));
  assert.throws(() => n("1.2.3"), (e) => e.kind === "syntax");
  assert.throws(() => n("3j"), (e) => e.kind === "syntax" && /Complex/.test(e.message));
  assert.throws(() => n("-"), (e) => e.kind === "syntax");
  // Beyond what JavaScript holds exactly: not shown, rather than changed.
  assert.throws(() => n("123456789012345678901"), (e) => e.kind === "unsupported");
  assert.throws(() => n("1e400"), (e) => e.kind === "unsupported");
  // A float too large to be an exact integer is written back as a float.
  assert.equal(formatLiteral(1e21), "1e+21");
  assert.equal(parseLiteral(formatLiteral(1e21)), 1e21);
});

test("Python expressions are 'expression' (valid in a rule's domain), not syntax errors", () => {
  for (const text of [
    `[("user_id", "=", uid)]`,
    `[("date", "<", context_today())]`,
    `[("date", ">=", (context_today() - relativedelta(days=7)).strftime("%Y-%m-%d"))]`,
    `[("partner_id", "=", user.partner_id.id)]`,
    `[("a", "=", 1 + 1)]`,
    `[("a", "=", f"x{y}")]`,
    `[("a", "in", {1: 2})]`,
    `[("a", "=", -uid)]`,
    `[("a", "=", "x".upper())]`,
  ]) {
    refused(text, "expression");
  }
  refused(`[("user_id", "=", uid)`, "syntax", /unbalanced/);
  refused(`[("a", "=", true)]`, "syntax", /write True/);
  refused(`[("a", "=", null)]`, "syntax", /write None/);
});

test("malformed domains: brackets, commas, operands, terms, operators", () => {
  refused(`[("a", "=", 1)`, "syntax", /Unclosed list/);
  refused(`[("a", "=", 1)))`, "syntax");
  refused(`[("a", "=", 1])`, "syntax", /does not close/);
  refused(`[("a", "=", 1) ("b", "=", 2)]`, "syntax", /Expected ','/);
  refused(`[("a", "in", [1, 2] [3])]`, "syntax", /Expected ','/);
  refused(`[,]`, "syntax", /Unexpected ','/);
  refused(`[("a", "=", 1),,]`, "syntax");
  refused(`[`, "syntax");
  refused(`]`, "syntax");
  refused(`[("a", "=", 1)] x`, "expression");
  refused(`["|", ("a", "=", 1)]`, "syntax", /needs two conditions/);
  refused(`["&"]`, "syntax", /needs two/);
  refused(`["!"]`, "syntax", /needs a condition/);
  refused(`[("a", "=", 1), "|"]`, "syntax", /needs two/);
  refused(`[("a", "=")]`, "syntax", /three parts/);
  refused(`[("a", "=", 1, 2)]`, "syntax", /three parts/);
  refused(`[("a", "resembles", 1)]`, "syntax", /unknown operator/);
  refused(`[("a", 3, 1)]`, "syntax", /operator must be text/);
  refused(`[(3, "=", 1)]`, "syntax", /field must be a name/);
  refused(`[("", "=", 1)]`, "syntax");
  refused(`["x"]`, "syntax", /not an operator/);
  refused(`[3]`, "syntax", /neither a condition nor an operator/);
  refused(`("a", "=", 1)`, "syntax"); // a term alone is not a domain
  refused(`"[]"`, "syntax", /list/);
  refused(`[("a", "any", 3)]`, "syntax", /takes a domain/);
  // Trailing commas are valid Python.
  assert.equal(canon(`[("a", "=", 1,), ("b", "in", [1, 2,],),]`), `[("a", "=", 1), ("b", "in", [1, 2])]`);
  // Comments and line breaks are fine.
  assert.equal(canon(`[\n  # the stage\n  ("a", "=", 1),\n]`), `[("a", "=", 1)]`);
});

test("operators are normalised: any case, <> and ==", () => {
  assert.equal(canon(`[("a", "ILIKE", "x"), ("b", "<>", 1), ("c", "==", 2), ("d", "Not In", [1])]`),
    `[("a", "ilike", "x"), ("b", "!=", 1), ("c", "=", 2), ("d", "not in", [1])]`);
});

test("constant terms and strange paths parse but are not shown by the visual editor", () => {
  refused(`[(1, "=", 1)]`, "unsupported", /always true/);
  refused(`[(0, "=", 1)]`, "unsupported", /always false/);
  refused(`[("a b", "=", 1)]`, "unsupported");
  refused(`[("a..b", "=", 1)]`, "unsupported");
});

test("'!' turns into the opposite operator where that is exact, a negated group otherwise", () => {
  assert.equal(canon(`["!", ("a", "=", 1)]`), `[("a", "!=", 1)]`);
  assert.equal(canon(`["!", ("a", "in", [1])]`), `[("a", "not in", [1])]`);
  assert.equal(canon(`["!", ("a", "ilike", "x")]`), `[("a", "not ilike", "x")]`);
  assert.equal(canon(`["!", "!", ("a", "=", 1)]`), `[("a", "=", 1)]`);
  // "<" is not the opposite of ">=" on a field that may be unset, nor "." paths of their negation.
  assert.equal(canon(`["!", ("a", "<", 1)]`), `["!", ("a", "<", 1)]`);
  assert.equal(canon(`["!", ("partner_id.name", "=", "x")]`), `["!", ("partner_id.name", "=", "x")]`);
  const none = parseDomain(`["!", "|", ("a", "=", 1), ("b", "=", 2)]`);
  assert.deepEqual(shape(none), { g: "|", not: true, c: [["a", "=", 1], ["b", "=", 2]] });
  assert.equal(treeToText(none), `["!", "|", ("a", "=", 1), ("b", "=", 2)]`);
  assert.equal(canon(`[("c", "=", 3), "!", "&", ("a", "=", 1), ("b", "=", 2)]`),
    `[("c", "=", 3), "!", "&", ("a", "=", 1), ("b", "=", 2)]`);
  assert.equal(canon(`["!", "!", "|", ("a", "=", 1), ("b", "=", 2)]`), `["|", ("a", "=", 1), ("b", "=", 2)]`);
});

test("'>= a' then '<= b' on one field is one 'between' condition, written back as two terms", () => {
  const root = parseDomain(`[("d", ">=", "2024-01-01"), ("d", "<=", "2024-01-31"), ("x", "=", 1)]`);
  assert.deepEqual(shape(root).c, [["d", "between", ["2024-01-01", "2024-01-31"]], ["x", "=", 1]]);
  assert.equal(treeToText(root), `[("d", ">=", "2024-01-01"), ("d", "<=", "2024-01-31"), ("x", "=", 1)]`);
  const inAny = parseDomain(`["|", "&", ("n", ">=", 1), ("n", "<=", 5), ("x", "=", 1)]`);
  assert.deepEqual(shape(inAny), { g: "|", not: false, c: [["n", "between", [1, 5]], ["x", "=", 1]] });
  assert.equal(treeToText(inAny), `["|", "&", ("n", ">=", 1), ("n", "<=", 5), ("x", "=", 1)]`);
  // Other fields, or the other order, stay two conditions.
  assert.equal(shape(parseDomain(`[("d", "<=", 5), ("d", ">=", 1)]`)).c.length, 2);
  assert.equal(shape(parseDomain(`[("d", ">=", 1), ("e", "<=", 5)]`)).c.length, 2);
});

test("'any' holds a sub-domain, read and written as one", () => {
  const text = `[("partner_id", "any", ["|", ("name", "ilike", "x"), ("email", "=", False)]), ("tag_ids", "not any", [])]`;
  const root = parseDomain(text);
  assert.deepEqual(shape(root).c[0], ["partner_id", "any", { g: "|", not: false, c: [["name", "ilike", "x"], ["email", "=", false]] }]);
  assert.equal(treeToText(root), text);
  assert.deepEqual(textToDomain(text),
    [["partner_id", "any", ["|", ["name", "ilike", "x"], ["email", "=", false]]], ["tag_ids", "not any", []]]);
});

test("depth is bounded: groups within groups, brackets within brackets", () => {
  // n groups alternating "|" and "&": ["|", a, "&", b, "|", c, ...].
  const nested = (levels) => {
    const items = [];
    for (let k = 0; k < levels - 1; k++) items.push(k % 2 ? `"&"` : `"|"`, `("f${k}", "=", ${k})`);
    items.push(`("last", "=", 1)`);
    return `[${items.join(", ")}]`;
  };
  const deepest = parseDomain(nested(MAX_DEPTH));
  assert.equal(canon(treeToText(deepest)), treeToText(deepest));
  refused(nested(MAX_DEPTH + 1), "unsupported", /levels deep/);
  // "any" sub-domains count as levels too.
  let sub = `[("a", "=", 1)]`;
  for (let k = 0; k < MAX_DEPTH + 1; k++) sub = `[("p", "any", ${sub})]`;
  refused(sub, "unsupported", /levels deep/);
  // Long flat chains are no depth at all.
  const chain = `[${Array(500).fill(`"|"`).join(", ")}, ${Array(501).fill(`("a", "=", 1)`).join(", ")}]`;
  assert.equal(parseDomain(chain).children.length, 501);
  // Brackets: refused before any recursion gets deep.
  refused("[".repeat(100) + "]".repeat(100), "limit", /nested too deeply/);
  refused("[" + "(".repeat(5000), "limit");
});

test("length is bounded", () => {
  const long = `[("name", "=", "${"x".repeat(MAX_LENGTH)}")]`;
  refused(long, "limit", /too long/);
  const fits = `[("name", "=", "${"x".repeat(MAX_LENGTH - 100)}")]`;
  assert.equal(parseDomain(fits).children.length, 1);
});

test("'Include archived' is the root's active term, taken out and put back at the end", () => {
  const text = `["|", ("a", "=", 1), ("b", "=", 2), ("active", "in", [True, False])]`;
  const { root, archived } = splitArchived(parseDomain(text));
  assert.equal(archived, true);
  assert.deepEqual(shape(root), { g: "|", not: false, c: [["a", "=", 1], ["b", "=", 2]] });
  assert.equal(treeToText(joinArchived(root, true)), text);
  assert.equal(treeToText(joinArchived(root, false)), `["|", ("a", "=", 1), ("b", "=", 2)]`);
  const other = splitArchived(parseDomain(`[("active", "in", [False, True]), ("a", "=", 1)]`));
  assert.equal(other.archived, true);
  assert.equal(treeToText(joinArchived(other.root, true)), `[("a", "=", 1), ("active", "in", [True, False])]`);
  assert.equal(treeToText(joinArchived(group("&"), true)), `[("active", "in", [True, False])]`);
  // A term on active inside a group, or another active term, is a condition like any other.
  assert.equal(splitArchived(parseDomain(`["|", ("active", "in", [True, False]), ("a", "=", 1)]`)).archived, false);
  assert.equal(splitArchived(parseDomain(`[("active", "=", False)]`)).archived, false);
});

test("empty groups write nothing; a group of one writes its condition", () => {
  assert.equal(treeToText(group("&", [group("|"), condition("a", "=", 1)])), `[("a", "=", 1)]`);
  assert.equal(treeToText(group("|", [group("&"), condition("a", "=", 1)])), `[("a", "=", 1)]`);
  assert.equal(treeToText(group("|", [group("&", [condition("a", "=", 1)]), condition("b", "=", 2)])),
    `["|", ("a", "=", 1), ("b", "=", 2)]`);
  assert.deepEqual(treeToDomain(group("&", [group("|", [condition("a", "=", 1), condition("b", "=", 2)]), condition("c", "=", 3)])),
    ["|", ["a", "=", 1], ["b", "=", 2], ["c", "=", 3]]);
});
