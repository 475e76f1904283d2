// The domain editor's operators by field type (web/src/domain/operators.js) and its tree edits
// (web/src/domain/tree.js). Run with `node --test tests/web/`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { condition, group, parseDomain, treeToText } from "../../../web/src/domain/domain.js";
import {
  firstOperator, matchOperator, operatorLabel, operatorTable, shortOperator, termFor, typeFamily, valueForOperator,
  valueWarning,
} from "../../../web/src/domain/operators.js";
import { appendTo, insertAfter, removeNode, treeDepth, updateNode } from "../../../web/src/domain/tree.js";

const labels = (family) => operatorTable(family).map(([, label]) => label);
const match = (text, family) => {
  const [cond] = parseDomain(text).children;
  return matchOperator(cond, family);
};

test("each field type has its operators, labelled as the interface shows them", () => {
  assert.deepEqual(labels("boolean"), ["is set", "is not set"]);
  assert.deepEqual(labels("selection"), ["is equal to", "is not equal to", "is in", "is not in", "is set", "is not set"]);
  assert.deepEqual(labels("char"),
    ["is equal to", "is not equal to", "contains", "does not contain", "starts with", "is set", "is not set"]);
  assert.deepEqual(labels("date"), ["is equal to", "before", "after", "is between", "is set", "is not set"]);
  assert.deepEqual(labels("number"), ["is equal to", "is not equal to", "lower than", "greater than", "between"]);
  assert.deepEqual(labels("relational"),
    ["is equal to", "is not equal to", "contains", "does not contain", "is set", "is not set"]);
  assert.deepEqual(labels("binary"), ["is set", "is not set"]);
  const families = { boolean: "boolean", selection: "selection", char: "char", text: "char", html: "char",
    date: "date", datetime: "date", integer: "number", float: "number", monetary: "number",
    many2one: "relational", many2many: "relational", one2many: "relational", binary: "binary", json: "other" };
  for (const [type, family] of Object.entries(families)) assert.equal(typeFamily(type), family, type);
  assert.equal(firstOperator("relational"), "in");
  assert.equal(firstOperator("boolean"), "set");
});

test("menu entries write the terms of their meaning", () => {
  assert.deepEqual(termFor("set", "boolean"), { operator: "=", value: true });
  assert.deepEqual(termFor("not_set", "boolean"), { operator: "=", value: false });
  assert.deepEqual(termFor("set", "char"), { operator: "!=", value: false });
  assert.deepEqual(termFor("not_set", "relational"), { operator: "=", value: false });
  assert.deepEqual(termFor("starts_with", "char", "Ab"), { operator: "=ilike", value: "Ab%" });
  assert.deepEqual(termFor("in", "relational", [3, 4]), { operator: "in", value: [3, 4] });
  assert.deepEqual(termFor("between", "date", ["2024-01-01", "2024-02-01"]),
    { operator: "between", value: ["2024-01-01", "2024-02-01"] });
  // And the between of a date writes two terms.
  const root = group("&", [condition("date_deadline", "between", ["2024-01-01", "2024-02-01"])]);
  assert.equal(treeToText(root), `[("date_deadline", ">=", "2024-01-01"), ("date_deadline", "<=", "2024-02-01")]`);
});

test("parsed terms find their menu entry; others keep a label of their own", () => {
  assert.deepEqual(match(`[("f", "=", True)]`, "boolean"), { id: "set" });
  assert.deepEqual(match(`[("f", "!=", False)]`, "boolean"), { id: "set" });
  assert.deepEqual(match(`[("f", "=", False)]`, "boolean"), { id: "not_set" });
  assert.deepEqual(match(`[("f", "!=", False)]`, "char"), { id: "set" });
  assert.deepEqual(match(`[("f", "=", False)]`, "date"), { id: "not_set" });
  assert.deepEqual(match(`[("f", "=", 3)]`, "relational"), { id: "in", value: [3] });
  assert.deepEqual(match(`[("f", "not in", [3, 4])]`, "relational"), { id: "not in", value: [3, 4] });
  assert.deepEqual(match(`[("f", "ilike", "x")]`, "relational"), { id: "ilike", value: "x" });
  assert.deepEqual(match(`[("f", "=ilike", "ab%")]`, "char"), { id: "starts_with", value: "ab" });
  assert.deepEqual(match(`[("f", "=ilike", "a%b")]`, "char"), { id: "raw", value: "a%b" });
  assert.deepEqual(match(`[("f", "=ilike", "ab\\\\%")]`, "char"), { id: "raw", value: "ab\\%" });
  assert.deepEqual(match(`[("f", ">=", 1), ("f", "<=", 3)]`, "number"), { id: "between", value: [1, 3] });
  assert.deepEqual(match(`[("f", "in", ["a", "b"])]`, "selection"), { id: "in", value: ["a", "b"] });
  assert.deepEqual(match(`[("f", "=", "draft")]`, "selection"), { id: "=", value: "draft" });
  assert.deepEqual(match(`[("f", ">", 2.5)]`, "number"), { id: ">", value: 2.5 });
  // A value of the wrong kind for the entry: shown as it is, not forced into an input.
  assert.deepEqual(match(`[("f", "=", "x")]`, "number"), { id: "raw", value: "x" });
  assert.deepEqual(match(`[("f", "<=", 5)]`, "number"), { id: "raw", value: 5 });
  assert.deepEqual(match(`[("f", "child_of", [1])]`, "relational"), { id: "raw", value: [1] });
  assert.equal(operatorLabel("raw", "number", "<="), "lower or equal to");
  assert.equal(operatorLabel("raw", "number", ">="), "greater or equal to");
  assert.equal(operatorLabel("raw", "date", "<="), "on or before");
  assert.equal(operatorLabel("raw", "char", "like"), "contains (case-sensitive)");
  assert.equal(operatorLabel("raw", "relational", "child_of"), "is a child of");
  assert.equal(operatorLabel("raw", "char", "=?"), "is equal to (if set)");
  assert.equal(operatorLabel("raw", "relational", "any"), "matches any of");
  // Words the menu already uses for something else are told apart by the operator.
  assert.equal(operatorLabel("raw", "relational", "="), "is equal to (=)");
  assert.equal(operatorLabel("raw", "char", "in"), "is in");
});

test("short forms for the folded summary", () => {
  assert.equal(shortOperator("in", "relational", "in", [1]), "=");
  assert.equal(shortOperator("in", "relational", "in", [1, 2]), "in");
  assert.equal(shortOperator("not in", "relational", "not in", [1]), "≠");
  assert.equal(shortOperator("!=", "char"), "≠");
  assert.equal(shortOperator("<", "date"), "before");
  assert.equal(shortOperator("set", "boolean"), "is set");
  assert.equal(shortOperator("raw", "number", "<="), "≤");
});

test("a new entry keeps the value that fits, or starts from a default", () => {
  const char = { type: "char" };
  const integer = { type: "integer" };
  const date = { type: "date" };
  const m2o = { type: "many2one", relation: "res.country" };
  const sel = { type: "selection", selection: [["draft", "Draft"], ["done", "Done"]] };
  assert.equal(valueForOperator("ilike", char, "abc"), "abc");
  assert.equal(valueForOperator("=", char, undefined), "");
  assert.equal(valueForOperator("=", integer, undefined), 0);
  assert.deepEqual(valueForOperator("between", integer, 4), [4, 4]);
  assert.equal(valueForOperator(">", integer, [2, 9]), 2);
  assert.match(valueForOperator("=", date, undefined), /^\d{4}-\d{2}-\d{2}$/);
  assert.match(valueForOperator("=", { type: "datetime" }, undefined), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  assert.deepEqual(valueForOperator("in", m2o, undefined), []);
  assert.deepEqual(valueForOperator("not in", m2o, [3]), [3]);
  assert.equal(valueForOperator("ilike", m2o, [3]), "");
  assert.equal(valueForOperator("=", sel, undefined), "draft");
  assert.deepEqual(valueForOperator("in", sel, "done"), ["done"]);
  assert.equal(valueForOperator("=", sel, ["done", "draft"]), "done");
  assert.equal(valueForOperator("set", char, "x"), undefined);
});

test("warnings for values that would not do what is meant", () => {
  const integer = { type: "integer" };
  const m2o = { type: "many2one", relation: "res.country" };
  const sel = { type: "selection", selection: [["draft", "Draft"]] };
  assert.equal(valueWarning("=", integer, 3), "");
  assert.equal(valueWarning("=", integer, 2.5), "This field holds whole numbers");
  assert.equal(valueWarning("=", { type: "float" }, 2.5), "");
  assert.match(valueWarning("between", integer, [5, 1]), /greater than the second/);
  assert.match(valueWarning("between", { type: "date" }, ["2024-02-01", "2024-01-01"]), /after the second/);
  assert.equal(valueWarning("between", { type: "date" }, ["2024-01-01", "2024-02-01"]), "");
  assert.match(valueWarning("in", m2o, []), /Pick at least one record/);
  assert.equal(valueWarning("in", m2o, [1]), "");
  assert.match(valueWarning("=", sel, "gone"), /not a value of this field/);
  assert.match(valueWarning("in", sel, ["draft", "gone"]), /"gone"/);
  assert.match(valueWarning("ilike", { type: "char" }, ""), /matches every record/);
  assert.match(valueWarning("=", { type: "date" }, "01/02/2024"), /Enter a date/);
  assert.equal(valueWarning("set", { type: "char" }), "");
});

test("tree edits: add after, append, update, delete (empty groups go too)", () => {
  const a = condition("a", "=", 1);
  const b = condition("b", "=", 2);
  const c = condition("c", "=", 3);
  const inner = group("|", [b, c]);
  const root = group("&", [a, inner]);
  const d = condition("d", "=", 4);
  assert.equal(treeToText(insertAfter(root, b.key, d)), `[("a", "=", 1), "|", "|", ("b", "=", 2), ("d", "=", 4), ("c", "=", 3)]`);
  assert.equal(treeToText(insertAfter(root, a.key, d)), `[("a", "=", 1), ("d", "=", 4), "|", ("b", "=", 2), ("c", "=", 3)]`);
  assert.equal(treeToText(appendTo(root, inner.key, d)), `[("a", "=", 1), "|", "|", ("b", "=", 2), ("c", "=", 3), ("d", "=", 4)]`);
  assert.equal(treeToText(updateNode(root, inner.key, { connector: "&" })), `[("a", "=", 1), ("b", "=", 2), ("c", "=", 3)]`);
  assert.equal(treeToText(updateNode(root, c.key, { operator: "!=" })), `[("a", "=", 1), "|", ("b", "=", 2), ("c", "!=", 3)]`);
  // The original is untouched.
  assert.equal(treeToText(root), `[("a", "=", 1), "|", ("b", "=", 2), ("c", "=", 3)]`);
  const oneLeft = removeNode(root, b.key);
  assert.equal(treeToText(oneLeft), `[("a", "=", 1), ("c", "=", 3)]`);
  assert.equal(oneLeft.children[1].children.length, 1); // the group stays, with one rule
  const noGroup = removeNode(oneLeft, c.key);
  assert.equal(noGroup.children.length, 1);
  assert.equal(treeToText(removeNode(noGroup, a.key)), "[]");
  assert.equal(treeDepth(root), 2);
  // Inside the sub-domain of "any".
  const sub = group("&", [condition("name", "ilike", "x")]);
  const any = group("&", [condition("partner_id", "any", sub)]);
  assert.equal(treeToText(appendTo(any, sub.key, condition("email", "!=", false))),
    `[("partner_id", "any", [("name", "ilike", "x"), ("email", "!=", False)])]`);
  assert.equal(treeToText(removeNode(any, sub.children[0].key)), `[("partner_id", "any", [])]`);
  assert.equal(treeDepth(any), 2);
});
