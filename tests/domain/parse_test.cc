// Parsing of domains: the JSON form, the Python-literal text form, operator normalisation, and
// the error messages for malformed input.
#include <string>

#include <gtest/gtest.h>

#include "common/errors.h"
#include "domain/domain.h"

namespace autorules::domain {
namespace {

using common::ValueError;

Json j(std::string_view text) {
  return Json::parse(text);
}

// The message of the ValueError thrown by `f`, or "" (and a test failure) when none is thrown.
template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const ValueError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no ValueError thrown";
  return "";
}

std::string text_error(std::string_view text) {
  return error_of([&] { Domain::from_text(text); });
}
std::string json_error(std::string_view text) {
  return error_of([&] { Domain::from_json(j(text)); });
}

TEST(DomainParseTest, EmptyListIsTrue) {
  EXPECT_TRUE(Domain::from_json(j("[]")).is_true());
  EXPECT_TRUE(Domain::from_text("[]").is_true());
  EXPECT_TRUE(Domain().is_true());
  EXPECT_EQ(Domain().to_json(), j("[]"));
}

TEST(DomainParseTest, BlankTextIsTrue) {
  EXPECT_TRUE(Domain::from_text("  \n").is_true());
}

TEST(DomainParseTest, ParsesSingleJsonTerm) {
  Domain d = Domain::from_json(j(R"([["state", "=", "draft"]])"));
  const Node& n = d.root();
  ASSERT_EQ(n.kind, Node::Kind::kTerm);
  EXPECT_EQ(n.path, "state");
  EXPECT_EQ(n.op, Op::kEq);
  EXPECT_EQ(n.value, "draft");
}

TEST(DomainParseTest, ImplicitAndOfTopLevelTerms) {
  Domain d = Domain::from_json(j(R"([["a", "=", 1], ["b", "=", 2], ["c", "=", 3]])"));
  ASSERT_EQ(d.root().kind, Node::Kind::kAnd);
  EXPECT_EQ(d.root().children.size(), 3u);
  EXPECT_EQ(d.to_json(), j(R"(["&", "&", ["a", "=", 1], ["b", "=", 2], ["c", "=", 3]])"));
}

TEST(DomainParseTest, PrefixOperatorsBindTheirOperands) {
  // ['|', A, B, C] is (A or B) and C.
  Domain d = Domain::from_json(j(R"(["|", ["a", "=", 1], ["b", "=", 2], ["c", "=", 3]])"));
  ASSERT_EQ(d.root().kind, Node::Kind::kAnd);
  ASSERT_EQ(d.root().children.size(), 2u);
  EXPECT_EQ(d.root().children[0].kind, Node::Kind::kOr);
  EXPECT_EQ(d.root().children[1].path, "c");
}

TEST(DomainParseTest, NestedOperatorsAndNot) {
  Domain d =
      Domain::from_json(j(R"(["!", "|", "&", ["a", "=", 1], ["b", "=", 2], "!", ["c", "=", 3]])"));
  ASSERT_EQ(d.root().kind, Node::Kind::kNot);
  const Node& orr = d.root().children[0];
  ASSERT_EQ(orr.kind, Node::Kind::kOr);
  EXPECT_EQ(orr.children[0].kind, Node::Kind::kAnd);
  EXPECT_EQ(orr.children[1].kind, Node::Kind::kNot);
  EXPECT_EQ(d.to_json(), j(R"(["!", "|", "&", ["a", "=", 1], ["b", "=", 2], "!", ["c", "=", 3]])"));
}

TEST(DomainParseTest, SameOperatorsAreFlattened) {
  Domain d = Domain::from_json(j(R"(["|", ["a", "=", 1], "|", ["b", "=", 2], ["c", "=", 3]])"));
  ASSERT_EQ(d.root().kind, Node::Kind::kOr);
  EXPECT_EQ(d.root().children.size(), 3u);
}

TEST(DomainParseTest, ConstantTerms) {
  EXPECT_EQ(Domain::from_json(j(R"([[1, "=", 1]])")).root().kind, Node::Kind::kTrue);
  EXPECT_EQ(Domain::from_json(j(R"([[0, "=", 1]])")).root().kind, Node::Kind::kFalse);
  EXPECT_EQ(Domain::from_text("[(1, '=', 1)]").root().kind, Node::Kind::kTrue);
  EXPECT_EQ(Domain::from_text("[(0, '=', 1)]").root().kind, Node::Kind::kFalse);
  EXPECT_EQ(Domain::from_json(j(R"(["|", [0, "=", 1], ["a", "=", 1]])")).to_json(),
            j(R"(["|", [0, "=", 1], ["a", "=", 1]])"));
}

TEST(DomainParseTest, EveryOperatorIsRecognised) {
  const char* ops[] = {"=",        "!=",         "<",         "<=",       ">",
                       ">=",       "=?",         "in",        "not in",   "like",
                       "not like", "ilike",      "not ilike", "=like",    "not =like",
                       "=ilike",   "not =ilike", "child_of",  "parent_of"};
  for (const char* op : ops) {
    Domain d = Domain::from_json(Json::array({Json::array({"a", op, 1})}));
    EXPECT_EQ(op_text(d.root().op), op);
  }
  Domain any = Domain::from_json(j(R"([["a", "any", [["b", "=", 1]]]])"));
  EXPECT_EQ(any.root().op, Op::kAny);
  Domain not_any = Domain::from_json(j(R"([["a", "not any", []]])"));
  EXPECT_EQ(not_any.root().op, Op::kNotAny);
}

TEST(DomainParseTest, OperatorsAreNormalised) {
  EXPECT_EQ(parse_op("<>"), Op::kNe);
  EXPECT_EQ(parse_op("=="), Op::kEq);
  EXPECT_EQ(parse_op("IN"), Op::kIn);
  EXPECT_EQ(parse_op("Not ILike"), Op::kNotIlike);
  EXPECT_EQ(parse_op("NOT ANY"), Op::kNotAny);
  EXPECT_EQ(parse_op("Child_Of"), Op::kChildOf);
  EXPECT_EQ(parse_op("=~"), std::nullopt);
  EXPECT_EQ(parse_op("any!"), std::nullopt);
  Domain d = Domain::from_json(j(R"([["a", "<>", 1], ["b", "==", 2], ["c", "NOT IN", [1]]])"));
  EXPECT_EQ(d.to_json(), j(R"(["&", "&", ["a", "!=", 1], ["b", "=", 2], ["c", "not in", [1]]])"));
}

TEST(DomainParseTest, AnyValueIsParsedAsSubDomain) {
  Domain d = Domain::from_json(j(R"([["line_ids", "any", ["|", ["a", "=", 1], ["b", "=", 2]]]])"));
  ASSERT_TRUE(d.root().sub);
  EXPECT_EQ(d.root().sub->kind, Node::Kind::kOr);
  EXPECT_EQ(d.to_json(), j(R"([["line_ids", "any", ["|", ["a", "=", 1], ["b", "=", 2]]]])"));
}

TEST(DomainParseTest, ParsesPythonTextWithTuplesAndLists) {
  Domain d =
      Domain::from_text("[('state', '=', 'draft'), ['user_id', 'in', (1, 2, 3)], ('x', 'in', [])]");
  EXPECT_EQ(
      d.to_json(),
      j(R"(["&", "&", ["state", "=", "draft"], ["user_id", "in", [1, 2, 3]], ["x", "in", []]])"));
}

TEST(DomainParseTest, ParsesPythonLiterals) {
  Domain d = Domain::from_text(
      "[('a', '=', True), ('b', '=', False), ('c', '=', None), ('d', '=', -5), "
      "('e', '=', 2.5), ('f', '=', -1.5e3), ('g', '=', \"dq\"), ('h', 'in', (1,)), "
      "('i', '=', ()), ('j', '=', 0x1F), ('k', '=', 1_000), ('l', '=', +3), ('m', '=', .5)]");
  EXPECT_EQ(d.to_json(), j(R"(["&","&","&","&","&","&","&","&","&","&","&","&",
                 ["a","=",true],["b","=",false],["c","=",null],["d","=",-5],["e","=",2.5],
                 ["f","=",-1500.0],["g","=","dq"],["h","in",[1]],["i","=",[]],["j","=",31],
                 ["k","=",1000],["l","=",3],["m","=",0.5]])"));
}

TEST(DomainParseTest, ParsesStringEscapes) {
  Domain d = Domain::from_text(
      R"([('a', '=', 'it\'s'), ('b', '=', "q\"uote"), ('c', '=', 'tab\there'), ('d', '=', '\x41\u00e9\U0001F600'), ('e', 'like', '50\%'), ('f', '=', r'raw\n'), ('g', '=', u'uni'), ('h', '=', 'a' 'b'), ('i', '=', '''tri'ple'''), ('j', '=', '\\')])");
  Json out = d.to_json();
  ASSERT_EQ(out.size(), 19u);
  EXPECT_EQ(out[9][2], "it's");
  EXPECT_EQ(out[10][2], "q\"uote");
  EXPECT_EQ(out[11][2], "tab\there");
  EXPECT_EQ(out[12][2], "A\xC3\xA9\xF0\x9F\x98\x80");
  EXPECT_EQ(out[13][2], "50\\%");  // Python keeps unknown escapes
  EXPECT_EQ(out[14][2], "raw\\n");
  EXPECT_EQ(out[15][2], "uni");
  EXPECT_EQ(out[16][2], "ab");
  EXPECT_EQ(out[17][2], "tri'ple");
  EXPECT_EQ(out[18][2], "\\");
}

TEST(DomainParseTest, TextAllowsTrailingCommasCommentsAndNewlines) {
  Domain d =
      Domain::from_text("[\n  ('a', '=', 1),  # first\n  '|', ('b', '=', 2), ('c', '=', 3),\n]");
  EXPECT_EQ(d.to_json(), j(R"(["&", ["a", "=", 1], "|", ["b", "=", 2], ["c", "=", 3]])"));
}

TEST(DomainParseTest, TextAndJsonGiveTheSameTree) {
  Domain a = Domain::from_text("['|', ('name', 'ilike', 'x'), '!', ('id', 'in', [1, 2])]");
  Domain b = Domain::from_json(j(R"(["|", ["name", "ilike", "x"], "!", ["id", "in", [1, 2]]])"));
  EXPECT_EQ(a.to_json(), b.to_json());
}

TEST(DomainParseTest, ConjoinAndDisjoin) {
  Domain a = Domain::term("a", Op::kEq, 1);
  Domain b = Domain::term("b", Op::kEq, 2);
  EXPECT_EQ(Domain::conjoin(a, b).to_json(), j(R"(["&", ["a", "=", 1], ["b", "=", 2]])"));
  EXPECT_EQ(Domain::disjoin(a, b).to_json(), j(R"(["|", ["a", "=", 1], ["b", "=", 2]])"));
  EXPECT_EQ(Domain::conjoin(Domain(), b).to_json(), b.to_json());
  EXPECT_EQ(Domain::disjoin(Domain(), b).to_json(), j("[]"));
  Domain f = Domain::from_json(j(R"([[0, "=", 1]])"));
  EXPECT_EQ(Domain::conjoin(a, f).to_json(), f.to_json());
  EXPECT_EQ(Domain::disjoin(f, a).to_json(), a.to_json());
}

TEST(DomainParseTest, TermBuildsAnySubDomain) {
  Domain d = Domain::term("line_ids", Op::kAny, j(R"([["qty", ">", 1]])"));
  ASSERT_TRUE(d.root().sub);
  EXPECT_EQ(d.root().sub->path, "qty");
}

TEST(DomainParseTest, MentionsLooksAtPathsOutsideAny) {
  Domain d = Domain::from_json(
      j(R"(["|", ["active", "=", false], ["line_ids", "any", [["active", "=", true]]]])"));
  EXPECT_TRUE(d.mentions("active"));
  EXPECT_FALSE(d.mentions("act"));
  EXPECT_TRUE(Domain::from_json(j(R"([["partner_id.name", "=", "x"]])")).mentions("partner_id"));
  EXPECT_FALSE(
      Domain::from_json(j(R"([["line_ids", "any", [["active", "=", true]]]])")).mentions("active"));
}

// ----------------------------------------------------------------------------------- errors

TEST(DomainParseTest, RejectsTermWithTwoElements) {
  std::string e = json_error(R"([["a", "="]])");
  EXPECT_NE(e.find("Domain term #1 is malformed"), std::string::npos) << e;
  EXPECT_NE(e.find("expected [path, operator, value]"), std::string::npos) << e;
  EXPECT_NE(e.find("('a', '=')"), std::string::npos) << e;
}

TEST(DomainParseTest, RejectsTermWithFourElementsAndNamesItsPosition) {
  std::string e = json_error(R"([["a", "=", 1], ["b", "=", 1, 2]])");
  EXPECT_NE(e.find("Domain term #2 is malformed"), std::string::npos) << e;
  EXPECT_NE(e.find("4 elements"), std::string::npos) << e;
}

TEST(DomainParseTest, RejectsMissingOperands) {
  std::string e = json_error(R"(["&", ["a", "=", 1]])");
  EXPECT_NE(e.find("operator '&' (item #1) expects 2 operands"), std::string::npos) << e;
  e = json_error(R"([["a", "=", 1], "!"])");
  EXPECT_NE(e.find("operator '!' (item #2) expects 1 operand"), std::string::npos) << e;
  e = text_error("['|']");
  EXPECT_NE(e.find("operator '|'"), std::string::npos) << e;
}

TEST(DomainParseTest, RejectsUnknownOperator) {
  std::string e = json_error(R"([["name", "eq", "x"]])");
  EXPECT_EQ(e, "Invalid term domain ('name', 'eq', 'x'), operator 'eq' doesn't exist.");
  e = text_error("[('a', 'any!', [])]");
  EXPECT_NE(e.find("operator 'any!' doesn't exist"), std::string::npos) << e;
}

TEST(DomainParseTest, RejectsNonStringOperator) {
  std::string e = json_error(R"([["a", 1, 2]])");
  EXPECT_NE(e.find("the operator must be a string"), std::string::npos) << e;
}

TEST(DomainParseTest, RejectsNonStringPath) {
  std::string e = json_error(R"([[5, "=", 1]])");
  EXPECT_NE(e.find("the path must be a field name"), std::string::npos) << e;
  e = json_error(R"([[1, "=", 2]])");
  EXPECT_NE(e.find("the path must be a field name"), std::string::npos) << e;
  e = json_error(R"([["", "=", 2]])");
  EXPECT_NE(e.find("the path must be a field name"), std::string::npos) << e;
  e = json_error(R"([["a..b", "=", 2]])");
  EXPECT_NE(e.find("'a..b' is not a field name or a dotted path"), std::string::npos) << e;
}

TEST(DomainParseTest, RejectsUnknownItems) {
  std::string e = json_error(R"([["a", "=", 1], "&&", ["b", "=", 1]])");
  EXPECT_NE(e.find("Domain item #2 is malformed"), std::string::npos) << e;
  e = json_error(R"([["a", "=", 1], 5])");
  EXPECT_NE(e.find("Domain item #2 is malformed"), std::string::npos) << e;
  e = json_error(R"({"a": 1})");
  EXPECT_NE(e.find("A domain must be a list"), std::string::npos) << e;
  e = json_error(R"("a")");
  EXPECT_NE(e.find("A domain must be a list"), std::string::npos) << e;
}

TEST(DomainParseTest, RejectsAnyWhoseValueIsNotADomain) {
  std::string e = json_error(R"([["line_ids", "any", 5]])");
  EXPECT_NE(e.find("must be a domain"), std::string::npos) << e;
  e = json_error(R"([["line_ids", "any", [["a", "="]]]])");
  EXPECT_NE(e.find("In the sub-domain of term ('line_ids', 'any'"), std::string::npos) << e;
  EXPECT_NE(e.find("Domain term #1 is malformed"), std::string::npos) << e;
}

TEST(DomainParseTest, TextRejectsUnterminatedString) {
  std::string e = text_error("[('name', '=', 'abc)]");
  EXPECT_NE(e.find("unterminated string"), std::string::npos) << e;
  EXPECT_NE(e.find("line 1, column 16"), std::string::npos) << e;
  e = text_error("[('name', '=', 'abc\\')]");
  EXPECT_NE(e.find("unterminated string"), std::string::npos) << e;
  e = text_error("[('name', '=', '''abc'')]");
  EXPECT_NE(e.find("unterminated string"), std::string::npos) << e;
  e = text_error("[('name', '=', 'ab\nc')]");
  EXPECT_NE(e.find("unterminated string"), std::string::npos) << e;
}

TEST(DomainParseTest, TextRejectsUnclosedBrackets) {
  std::string e = text_error("[('a', '=', 1)");
  EXPECT_NE(e.find("unclosed list"), std::string::npos) << e;
  e = text_error("[('a', '=', 1]");
  EXPECT_NE(e.find("does not close the tuple"), std::string::npos) << e;
  e = text_error("[('a', '=' 1)]");
  EXPECT_NE(e.find("unexpected character '1'"), std::string::npos) << e;
  e = text_error("[('a', '=', 1)] x");
  EXPECT_NE(e.find("expression"), std::string::npos) << e;
  e = text_error("[('a', '=', 1)]]");
  EXPECT_NE(e.find("unexpected character ']'"), std::string::npos) << e;
  e = text_error("[('a', '=', 1) ('b', '=', 2)]");
  EXPECT_NE(e.find("expected ',' between two items"), std::string::npos) << e;
  e = text_error("[,]");
  EXPECT_NE(e.find("unexpected ','"), std::string::npos) << e;
}

TEST(DomainParseTest, TextRejectsNamesAsExpressions) {
  std::string e = text_error("[('user_id', '=', uid)]");
  EXPECT_NE(e.find("the name 'uid'"), std::string::npos) << e;
  EXPECT_NE(e.find("a domain sent in a call holds literals only"), std::string::npos) << e;
  EXPECT_NE(e.find("line 1, column 19"), std::string::npos) << e;
}

TEST(DomainParseTest, TextRejectsCallsAndAttributesAsExpressions) {
  std::string e = text_error("[('date', '<=', context_today())]");
  EXPECT_NE(e.find("the call 'context_today(...)'"), std::string::npos) << e;
  EXPECT_NE(e.find("a domain sent in a call holds literals only"), std::string::npos) << e;
  e = text_error("[('user_id', '=', user.id)]");
  EXPECT_NE(e.find("the name 'user'"), std::string::npos) << e;
  e = text_error("[('d', '<', datetime.datetime.now() - relativedelta(days=3))]");
  EXPECT_NE(e.find("a domain sent in a call holds literals only"), std::string::npos) << e;
  e = text_error("[('a', '=', 1 + 2)]");
  EXPECT_NE(e.find("'1 + 2)'"), std::string::npos) << e;
  EXPECT_NE(e.find("a domain sent in a call holds literals only"), std::string::npos) << e;
  e = text_error("[('a', '=', 'x'.upper())]");
  EXPECT_NE(e.find("a domain sent in a call holds literals only"), std::string::npos) << e;
  e = text_error("[('a', '=', -uid)]");
  EXPECT_NE(e.find("a domain sent in a call holds literals only"), std::string::npos) << e;
  e = text_error("[('a', '=', f'{uid}')]");
  EXPECT_NE(e.find("f-string"), std::string::npos) << e;
}

TEST(DomainParseTest, TextSuggestsPythonSpellingOfConstants) {
  std::string e = text_error("[('active', '=', true)]");
  EXPECT_NE(e.find("did you mean True?"), std::string::npos) << e;
  e = text_error("[('a', '=', null)]");
  EXPECT_NE(e.find("did you mean None?"), std::string::npos) << e;
}

TEST(DomainParseTest, TextRejectsBadNumbersAndValues) {
  EXPECT_NE(text_error("[('a', '=', 99999999999999999999)]").find("too large"), std::string::npos);
  EXPECT_NE(text_error("[('a', '=', 12abc)]").find("invalid number"), std::string::npos);
  EXPECT_NE(text_error("[('a', '=', 1j)]").find("complex"), std::string::npos);
  EXPECT_NE(text_error("[('a', '=', {'x': 1})]").find("dict"), std::string::npos);
  EXPECT_NE(text_error("[('a', '=', '\\ud800')]").find("invalid code point"), std::string::npos);
  EXPECT_NE(text_error("[('a', '=', '\\x4')]").find("truncated"), std::string::npos);
  EXPECT_NE(text_error("[('a', '=', @)]").find("unexpected character '@'"), std::string::npos);
}

TEST(DomainParseTest, TextTermErrorsNameTheTerm) {
  std::string e = text_error("[('a', '=', 1), ('b', 'like')]");
  EXPECT_NE(e.find("Domain term #2 is malformed"), std::string::npos) << e;
  EXPECT_NE(e.find("('b', 'like')"), std::string::npos) << e;
}

TEST(DomainParseTest, TextTopLevelMustBeAList) {
  std::string e = text_error("'abc'");
  EXPECT_NE(e.find("A domain must be a list"), std::string::npos) << e;
}

TEST(DomainParseTest, NegativeIntegerExtremes) {
  Domain d = Domain::from_text("[('a', '=', -9223372036854775808)]");
  EXPECT_EQ(d.root().value.get<std::int64_t>(), std::numeric_limits<std::int64_t>::min());
}

TEST(DomainParseTest, LongChainsOfOneOperatorAreFlat) {
  Json items = Json::array();
  for (int i = 0; i < 20000; ++i)
    items.push_back("|");
  for (int i = 0; i <= 20000; ++i)
    items.push_back(Json::array({"id", "=", i}));
  Domain d = Domain::from_json(items);
  ASSERT_EQ(d.root().kind, Node::Kind::kOr);
  EXPECT_EQ(d.root().children.size(), 20001u);
}

TEST(DomainParseTest, RejectsTooDeepNesting) {
  Json bangs = Json::array();
  for (int i = 0; i < 100000; ++i) {
    bangs.push_back("!");
  }
  bangs.push_back(Json::array({"a", "=", 1}));
  std::string e = error_of([&] { Domain::from_json(bangs); });
  EXPECT_NE(e.find("too deeply nested"), std::string::npos) << e;
  Json alternating = Json::array();
  for (int i = 0; i < 1000; ++i) {
    alternating.push_back(i % 2 ? "&" : "|");
    alternating.push_back(Json::array({"a", "=", i}));
  }
  alternating.push_back(Json::array({"a", "=", -1}));
  e = error_of([&] { Domain::from_json(alternating); });
  EXPECT_NE(e.find("too deeply nested"), std::string::npos) << e;
  Json sub = Json::array();
  for (int i = 0; i < 300; ++i) {
    Json term = Json::array({"a", "any", std::move(sub)});
    sub = Json::array({std::move(term)});
  }
  e = error_of([&] { Domain::from_json(sub); });
  EXPECT_NE(e.find("too deeply nested"), std::string::npos) << e;
}

}  // namespace
}  // namespace autorules::domain
