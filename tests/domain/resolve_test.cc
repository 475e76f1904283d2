// Resolution (docs/domains.md): each normalisation rule, checked on the resolved tree's
// debug rendering, and the errors for terms that do not fit the model.
#include "domain/resolve.h"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/errors.h"
#include "domain/test_schema.h"

namespace autorules::domain {
namespace {

class ResolveTest : public ::testing::Test {
 protected:
  schema::Registry registry_ = testing::test_registry();

  Resolved resolved(std::string_view json, std::string_view model = "t.record",
                    NameLookup* names = nullptr) {
    return resolve(Domain::from_json(Json::parse(json)), registry_.get(model), registry_, names);
  }
  std::string r(std::string_view json, std::string_view model = "t.record") {
    return debug_string(resolved(json, model));
  }
  std::string error(std::string_view json, std::string_view model = "t.record") {
    try {
      resolved(json, model);
    } catch (const common::ValueError& e) {
      return e.what();
    }
    ADD_FAILURE() << "no ValueError for " << json;
    return "";
  }
};

TEST_F(ResolveTest, PlainComparisons) {
  EXPECT_EQ(r(R"([["name", "=", "x"]])"), "name = 'x'");
  EXPECT_EQ(r(R"([["count", ">", 5]])"), "count > 5");
  EXPECT_EQ(r(R"([["amount", "<=", 2.5]])"), "amount <= 2.5");
  EXPECT_EQ(r(R"([["state", "!=", "done"]])"), "state != 'done'");
  EXPECT_EQ(r(R"([["name", "<>", "x"]])"), "name != 'x'");
  EXPECT_EQ(r(R"([["name", "==", "x"]])"), "name = 'x'");
}

TEST_F(ResolveTest, ConstantsAndEmptyDomain) {
  EXPECT_EQ(r("[]"), "TRUE");
  EXPECT_EQ(r(R"([[1, "=", 1]])"), "TRUE");
  EXPECT_EQ(r(R"([[0, "=", 1]])"), "FALSE");
  EXPECT_EQ(r(R"(["|", [0, "=", 1], ["name", "=", "x"]])"), "name = 'x'");
  EXPECT_EQ(r(R"(["&", [0, "=", 1], ["name", "=", "x"]])"), "FALSE");
  EXPECT_EQ(r(R"(["|", [1, "=", 1], ["name", "=", "x"]])"), "TRUE");
}

TEST_F(ResolveTest, EqualsWithListBecomesIn) {
  EXPECT_EQ(r(R"([["name", "=", ["a", "b"]]])"), "name IN ['a', 'b']");
  EXPECT_EQ(r(R"([["name", "!=", ["a", "b"]]])"), "name NOT IN ['a', 'b']");
  EXPECT_EQ(r(R"([["tag_id", "=", [1, 2]]])"), "tag_id IN [1, 2]");
}

TEST_F(ResolveTest, InWithBooleanBecomesEquals) {
  EXPECT_EQ(r(R"([["flag", "in", true]])"), "flag IS SET");
  EXPECT_EQ(r(R"([["name", "in", false]])"), "name NOT SET");
  EXPECT_EQ(r(R"([["name", "not in", false]])"), "name IS SET");
}

TEST_F(ResolveTest, InWithScalarBecomesOneElementList) {
  EXPECT_EQ(r(R"([["count", "in", 5]])"), "count = 5");
  EXPECT_EQ(r(R"([["name", "not in", "a"]])"), "name != 'a'");
  EXPECT_EQ(r(R"([["name", "in", ["a", "a"]]])"), "name = 'a'");
}

TEST_F(ResolveTest, EmptyInListsFold) {
  EXPECT_EQ(r(R"([["name", "in", []]])"), "FALSE");
  EXPECT_EQ(r(R"([["name", "not in", []]])"), "TRUE");
  EXPECT_EQ(r(R"([["name", "=", []]])"), "FALSE");
  EXPECT_EQ(r(R"([["tag_ids", "in", []]])"), "FALSE");
}

TEST_F(ResolveTest, OptionalEquals) {
  EXPECT_EQ(r(R"([["name", "=?", false]])"), "TRUE");
  EXPECT_EQ(r(R"([["name", "=?", ""]])"), "TRUE");
  EXPECT_EQ(r(R"([["count", "=?", 0]])"), "TRUE");
  EXPECT_EQ(r(R"([["tag_id", "=?", []]])"), "TRUE");
  EXPECT_EQ(r(R"([["name", "=?", "x"]])"), "name = 'x'");
  EXPECT_EQ(r(R"([["tag_id", "=?", [1, 2]]])"), "tag_id IN [1, 2]");
}

TEST_F(ResolveTest, EqualsFalseIsNotSet) {
  EXPECT_EQ(r(R"([["name", "=", false]])"), "name NOT SET");
  EXPECT_EQ(r(R"([["name", "=", null]])"), "name NOT SET");
  EXPECT_EQ(r(R"([["name", "!=", false]])"), "name IS SET");
  EXPECT_EQ(r(R"([["day", "=", false]])"), "day NOT SET");
  EXPECT_EQ(r(R"([["state", "!=", false]])"), "state IS SET");
  EXPECT_EQ(r(R"([["tag_id", "=", false]])"), "tag_id NOT SET");
}

TEST_F(ResolveTest, EmptyStringIsFalseForTextFields) {
  EXPECT_EQ(r(R"([["name", "=", ""]])"), "name NOT SET");
  EXPECT_EQ(r(R"([["note", "!=", ""]])"), "note IS SET");
  EXPECT_EQ(r(R"([["body", "in", ["a", ""]]])"), "(body NOT SET OR body = 'a')");
  EXPECT_EQ(r(R"([["name", "in", ["a", false, "b"]]])"), "(name NOT SET OR name IN ['a', 'b'])");
  EXPECT_EQ(r(R"([["name", "not in", ["a", ""]]])"), "(name IS SET AND name != 'a')");
  // Not for selections: '' is a value there.
  EXPECT_EQ(r(R"([["state", "=", ""]])"), "state = ''");
}

TEST_F(ResolveTest, NumbersTreatFalseAsZero) {
  EXPECT_EQ(r(R"([["count", "=", false]])"), "count NOT SET");
  EXPECT_EQ(r(R"([["count", "in", [false, 3]]])"), "count IN [0, 3]");
  EXPECT_EQ(r(R"([["amount", "<", false]])"), "amount < 0");
  EXPECT_EQ(r(R"([["count", "=", true]])"), "count = 1");
}

TEST_F(ResolveTest, NumbersParseNumericStrings) {
  EXPECT_EQ(r(R"([["count", "=", "12"]])"), "count = 12");
  EXPECT_EQ(r(R"([["amount", ">", " 1.5 "]])"), "amount > 1.5");
  std::string e = error(R"([["count", "=", "abc"]])");
  EXPECT_EQ(e,
            "Invalid value 'abc' for field 'count' (integer) in term ('count', '=', 'abc'): "
            "not a number");
  EXPECT_NE(error(R"([["amount", "in", [1, "x"]]])").find("not a number"), std::string::npos);
}

TEST_F(ResolveTest, BooleansAreCoercedToSetTests) {
  EXPECT_EQ(r(R"([["flag", "=", true]])"), "flag IS SET");
  EXPECT_EQ(r(R"([["flag", "=", false]])"), "flag NOT SET");
  EXPECT_EQ(r(R"([["flag", "!=", true]])"), "flag NOT SET");
  EXPECT_EQ(r(R"([["flag", "=", 1]])"), "flag IS SET");
  EXPECT_EQ(r(R"([["flag", "=", 0]])"), "flag NOT SET");
  EXPECT_EQ(r(R"([["flag", "=", "true"]])"), "flag IS SET");
  EXPECT_EQ(r(R"([["flag", "=", "False"]])"), "flag NOT SET");
  EXPECT_EQ(r(R"([["flag", "in", [true, false]]])"), "TRUE");
  EXPECT_EQ(r(R"([["flag", "not in", [true, false]]])"), "FALSE");
  EXPECT_EQ(r(R"([["flag", ">", false]])"), "flag IS SET");
  EXPECT_EQ(r(R"([["flag", ">=", false]])"), "TRUE");
  EXPECT_EQ(r(R"([["flag", "<", false]])"), "FALSE");
  EXPECT_NE(error(R"([["flag", "=", "yes"]])").find("expected a boolean"), std::string::npos);
}

TEST_F(ResolveTest, DatesAreParsed) {
  EXPECT_EQ(r(R"([["day", "=", "2024-01-31"]])"), "day = '2024-01-31'");
  EXPECT_EQ(r(R"([["day", ">=", "2024-01-31 23:59:59"]])"), "day >= '2024-01-31'");
  EXPECT_EQ(r(R"([["moment", "<", "2024-01-31"]])"), "moment < '2024-01-31 00:00:00'");
  EXPECT_EQ(r(R"([["moment", "=", "2024-01-31T10:20:30Z"]])"), "moment = '2024-01-31 10:20:30'");
  EXPECT_EQ(r(R"([["day", "in", ["2024-01-01", "2024-02-01"]]])"),
            "day IN ['2024-01-01', '2024-02-01']");
  std::string e = error(R"([["day", "=", "2024-13-01"]])");
  EXPECT_NE(e.find("Invalid value '2024-13-01' for field 'day' (date)"), std::string::npos) << e;
  EXPECT_NE(e.find("not a valid date"), std::string::npos) << e;
  EXPECT_NE(error(R"([["moment", ">", "yesterday"]])").find("not a valid datetime"),
            std::string::npos);
  EXPECT_NE(error(R"([["day", "=", 20240101]])").find("expected a date"), std::string::npos);
}

TEST_F(ResolveTest, InequalitiesWithFalseAreFalse) {
  EXPECT_EQ(r(R"([["day", "<", false]])"), "FALSE");
  EXPECT_EQ(r(R"([["moment", ">=", false]])"), "FALSE");
  EXPECT_EQ(r(R"([["name", ">", false]])"), "FALSE");
  EXPECT_EQ(r(R"([["tag_id", "<", false]])"), "FALSE");
  EXPECT_EQ(r(R"(["!", ["day", "<", false]])"), "TRUE");
}

TEST_F(ResolveTest, LikeWrapsTheValue) {
  EXPECT_EQ(r(R"([["name", "like", "ab"]])"), "name LIKE '%ab%'");
  EXPECT_EQ(r(R"([["name", "ilike", "ab"]])"), "name ILIKE '%ab%'");
  EXPECT_EQ(r(R"([["name", "not like", "ab"]])"), "name NOT LIKE '%ab%'");
  EXPECT_EQ(r(R"([["name", "not ilike", "ab"]])"), "name NOT ILIKE '%ab%'");
  EXPECT_EQ(r(R"([["name", "=like", "a_%"]])"), "name LIKE 'a_%'");
  EXPECT_EQ(r(R"([["name", "=ilike", "A%"]])"), "name ILIKE 'A%'");
  EXPECT_EQ(r(R"([["name", "not =like", "a"]])"), "name NOT LIKE 'a'");
  EXPECT_EQ(r(R"([["name", "not =ilike", "a"]])"), "name NOT ILIKE 'a'");
  EXPECT_EQ(r(R"([["state", "ilike", "op"]])"), "state ILIKE '%op%'");
  EXPECT_EQ(r(R"([["day", "like", "2024-01"]])"), "day LIKE '%2024-01%'");
  EXPECT_EQ(r(R"([["data", "like", "QUJD"]])"), "data LIKE '%QUJD%'");
}

TEST_F(ResolveTest, LikeKeepsWildcardsAndEscapes) {
  EXPECT_EQ(r(R"([["name", "like", "50%"]])"), "name LIKE '%50%%'");
  EXPECT_EQ(r(R"([["name", "like", "a\\%b"]])"), "name LIKE '%a\\%b%'");
  // A trailing lone backslash is a literal backslash.
  EXPECT_EQ(r(R"([["name", "like", "ab\\"]])"), "name LIKE '%ab\\\\%'");
  EXPECT_EQ(r(R"([["name", "=like", "ab\\\\"]])"), "name LIKE 'ab\\\\'");
}

TEST_F(ResolveTest, LikeWithEmptyValue) {
  EXPECT_EQ(r(R"([["name", "like", ""]])"), "TRUE");
  EXPECT_EQ(r(R"([["name", "ilike", false]])"), "TRUE");
  EXPECT_EQ(r(R"([["name", "not like", ""]])"), "FALSE");
  EXPECT_EQ(r(R"([["name", "not ilike", ""]])"), "FALSE");
  EXPECT_EQ(r(R"([["name", "=like", ""]])"), "name NOT SET");
  EXPECT_EQ(r(R"([["name", "not =ilike", ""]])"), "name IS SET");
  EXPECT_EQ(r(R"([["state", "=like", ""]])"), "state NOT SET");
}

TEST_F(ResolveTest, LikeOnNumbersAndBooleansIsRejected) {
  std::string e = error(R"([["count", "like", "1"]])");
  EXPECT_NE(e.find("operator 'like' cannot be used on field 'count' of type integer"),
            std::string::npos)
      << e;
  EXPECT_NE(error(R"([["flag", "not ilike", "x"]])")
                .find("operator 'not ilike' cannot be used on field 'flag' of type boolean"),
            std::string::npos);
  EXPECT_NE(error(R"([["amount", "=ilike", "1"]])").find("of type float"), std::string::npos);
  EXPECT_NE(error(R"([["id", "like", "1"]])").find("field 'id'"), std::string::npos);
  EXPECT_NE(error(R"([["name", "like", ["a"]]])").find("expects a single value"),
            std::string::npos);
}

TEST_F(ResolveTest, Many2oneComparesIds) {
  EXPECT_EQ(r(R"([["tag_id", "=", 3]])"), "tag_id = 3");
  EXPECT_EQ(r(R"([["tag_id", "!=", 3]])"), "tag_id != 3");
  EXPECT_EQ(r(R"([["tag_id", "in", [3, false]]])"), "(tag_id NOT SET OR tag_id = 3)");
  EXPECT_EQ(r(R"([["tag_id", "not in", [3, 4]]])"), "tag_id NOT IN [3, 4]");
  EXPECT_EQ(r(R"([["tag_id", ">", 3]])"), "tag_id > 3");
  EXPECT_NE(error(R"([["tag_id", "=", true]])").find("expected a record id"), std::string::npos);
  EXPECT_NE(error(R"([["tag_id", "in", [1, "a"]]])").find("mixes record ids and names"),
            std::string::npos);
}

TEST_F(ResolveTest, RelationalComparedWithNamesUsesDisplayName) {
  EXPECT_EQ(r(R"([["tag_id", "=", "abc"]])"), "tag_id ANY (name = 'abc')");
  EXPECT_EQ(r(R"([["tag_id", "!=", "abc"]])"), "tag_id NOT ANY (name = 'abc')");
  EXPECT_EQ(r(R"([["tag_id", "ilike", "abc"]])"), "tag_id ANY (name ILIKE '%abc%')");
  EXPECT_EQ(r(R"([["tag_id", "not ilike", "abc"]])"), "tag_id NOT ANY (name ILIKE '%abc%')");
  EXPECT_EQ(r(R"([["tag_id", "not like", "abc"]])"), "tag_id NOT ANY (name LIKE '%abc%')");
  EXPECT_EQ(r(R"([["tag_id", "not =like", "a%"]])"), "tag_id NOT ANY (name LIKE 'a%')");
  EXPECT_EQ(r(R"([["tag_id", "not =ilike", "a%"]])"), "tag_id NOT ANY (name ILIKE 'a%')");
  EXPECT_EQ(r(R"([["tag_ids", "in", ["a", "b"]]])"), "tag_ids ANY (name IN ['a', 'b'])");
  EXPECT_EQ(r(R"([["tag_ids", "not in", ["a", "b"]]])"), "tag_ids NOT ANY (name IN ['a', 'b'])");
  EXPECT_EQ(r(R"([["tag_id", "in", ["a", false]]])"),
            "(tag_id NOT SET OR tag_id ANY (name = 'a'))");
  // A model without a name field: its display name is "model,id".
  EXPECT_EQ(r(R"([["category_id", "ilike", "t.category,1"]])"),
            "category_id ANY (display_name ILIKE '%t.category,1%')");
  std::string e = error(R"([["tag_id", "<", "abc"]])");
  EXPECT_NE(e.find("operator '<' cannot be used on field 'tag_id' of type many2one"),
            std::string::npos)
      << e;
}

TEST_F(ResolveTest, X2manyComparisonsBecomeAny) {
  EXPECT_EQ(r(R"([["tag_ids", "in", [1, 2]]])"), "tag_ids ANY (id IN [1, 2])");
  EXPECT_EQ(r(R"([["tag_ids", "not in", [1, 2]]])"), "tag_ids NOT ANY (id IN [1, 2])");
  EXPECT_EQ(r(R"([["tag_ids", "=", 5]])"), "tag_ids ANY (id = 5)");
  EXPECT_EQ(r(R"([["tag_ids", "!=", 5]])"), "tag_ids NOT ANY (id = 5)");
  EXPECT_EQ(r(R"([["tag_ids", "=", false]])"), "tag_ids NOT ANY (TRUE)");
  EXPECT_EQ(r(R"([["line_ids", "!=", false]])"), "line_ids ANY (TRUE)");
  EXPECT_EQ(r(R"([["tag_ids", "in", [false, 3]]])"),
            "(tag_ids NOT ANY (TRUE) OR tag_ids ANY (id = 3))");
  EXPECT_EQ(r(R"([["line_ids", ">", 3]])"), "line_ids ANY (id > 3)");
}

TEST_F(ResolveTest, DottedPathsBecomeAny) {
  EXPECT_EQ(r(R"([["tag_id.name", "=", "x"]])"), "tag_id ANY (name = 'x')");
  // For every operator, negative ones included: the linked record must exist.
  EXPECT_EQ(r(R"([["tag_id.name", "!=", "x"]])"), "tag_id ANY (name != 'x')");
  EXPECT_EQ(r(R"([["tag_id.name", "not ilike", "x"]])"), "tag_id ANY (name NOT ILIKE '%x%')");
  EXPECT_EQ(r(R"([["line_ids.tag_ids.name", "ilike", "x"]])"),
            "line_ids ANY (tag_ids ANY (name ILIKE '%x%'))");
  EXPECT_EQ(r(R"([["tag_id.id", "=", 3]])"), "tag_id ANY (id = 3)");
  EXPECT_EQ(r(R"([["line_ids.qty", ">", 1]])"), "line_ids ANY (qty > 1)");
  EXPECT_EQ(r(R"([["parent_id.tag_ids", "=", false]])"), "parent_id ANY (tag_ids NOT ANY (TRUE))");
  EXPECT_EQ(r(R"([["line_ids.record_id.count", "=", 1]])"),
            "line_ids ANY (record_id ANY (count = 1))");
}

TEST_F(ResolveTest, IdComparesIds) {
  EXPECT_EQ(r(R"([["id", "=", 3]])"), "id = 3");
  EXPECT_EQ(r(R"([["id", "in", [1, 2]]])"), "id IN [1, 2]");
  EXPECT_EQ(r(R"([["id", "=", false]])"), "FALSE");
  EXPECT_EQ(r(R"([["id", "!=", false]])"), "TRUE");
  EXPECT_EQ(r(R"([["id", "in", [1, false]]])"), "id = 1");
  EXPECT_EQ(r(R"(["!", ["id", "<", 3]])"), "id >= 3");
}

TEST_F(ResolveTest, NotIsPushedDown) {
  EXPECT_EQ(r(R"(["!", ["name", "=", "x"]])"), "name != 'x'");
  EXPECT_EQ(r(R"(["!", ["name", "ilike", "x"]])"), "name NOT ILIKE '%x%'");
  EXPECT_EQ(r(R"(["!", ["name", "in", ["a", false]]])"), "(name IS SET AND name != 'a')");
  EXPECT_EQ(r(R"(["!", ["tag_ids", "any", [["name", "=", "x"]]]])"),
            "tag_ids NOT ANY (name = 'x')");
  EXPECT_EQ(r(R"(["!", "|", ["name", "=", "x"], ["count", ">", 1]])"),
            "(name != 'x' AND count <= 1)");
  EXPECT_EQ(r(R"(["!", "!", ["name", "=", "x"]])"), "name = 'x'");
  EXPECT_EQ(r(R"(["!", ["flag", "=", true]])"), "flag NOT SET");
  EXPECT_EQ(r(R"(["!", ["tag_id.name", "=", "x"]])"), "tag_id NOT ANY (name = 'x')");
}

TEST_F(ResolveTest, NegatedInequalityKeepsUnsetValues) {
  // Numbers are never unset: the inequality flips.
  EXPECT_EQ(r(R"(["!", ["count", "<", 5]])"), "count >= 5");
  EXPECT_EQ(r(R"(["!", ["amount", ">", 5]])"), "amount <= 5");
  // Anything that can be unset keeps a NOT.
  EXPECT_EQ(r(R"(["!", ["name", "<", "m"]])"), "NOT name < 'm'");
  EXPECT_EQ(r(R"(["!", ["day", ">=", "2024-01-01"]])"), "NOT day >= '2024-01-01'");
  EXPECT_EQ(r(R"(["!", ["tag_id", ">", 2]])"), "NOT tag_id > 2");
  EXPECT_EQ(r(R"(["!", "!", ["tag_id", ">", 2]])"), "tag_id > 2");
}

TEST_F(ResolveTest, AnyResolvesTheSubDomainOnTheComodel) {
  EXPECT_EQ(r(R"([["line_ids", "any", [["qty", ">", 1], ["name", "=", "x"]]]])"),
            "line_ids ANY (qty > 1 AND name = 'x')");
  EXPECT_EQ(r(R"([["tag_id", "not any", [["color", "=", 1]]]])"), "tag_id NOT ANY (color = 1)");
  EXPECT_EQ(r(R"([["tag_id", "any", []]])"), "tag_id ANY (TRUE)");
  EXPECT_EQ(r(R"([["tag_id", "any", [[0, "=", 1]]]])"), "FALSE");
  EXPECT_EQ(r(R"([["tag_id", "not any", [[0, "=", 1]]]])"), "TRUE");
  EXPECT_EQ(r(R"([["tag_id.parent_id", "any", [["name", "=", "x"]]]])"),
            "tag_id ANY (parent_id ANY (name = 'x'))");
  std::string e = error(R"([["name", "any", []]])");
  EXPECT_NE(e.find("operator 'any' cannot be used on field 'name' of type char"), std::string::npos)
      << e;
  e = error(R"([["line_ids", "any", [["foo", "=", 1]]]])");
  EXPECT_NE(e.find("Invalid field 'foo' on model 't.line'"), std::string::npos) << e;
}

class FakeNames : public NameLookup {
 public:
  IdList ids_by_name(const schema::Model& model, const std::string& name) override {
    calls.push_back(model.name() + ":" + name);
    return name == "root" ? IdList{7, 3} : IdList{};
  }
  std::vector<std::string> calls;
};

TEST_F(ResolveTest, Hierarchy) {
  EXPECT_EQ(r(R"([["parent_id", "child_of", 1]])"), "parent_id CHILD_OF [1]");
  EXPECT_EQ(r(R"([["id", "child_of", [2, 1, 2]]])"), "id CHILD_OF [1, 2]");
  EXPECT_EQ(r(R"([["category_id", "parent_of", 3]])"), "category_id PARENT_OF [3]");
  EXPECT_EQ(r(R"([["tag_ids", "child_of", [4]]])"), "tag_ids CHILD_OF [4]");
  EXPECT_EQ(r(R"([["id", "child_of", []]])"), "FALSE");
  EXPECT_EQ(r(R"([["id", "child_of", false]])"), "FALSE");
  EXPECT_EQ(r(R"(["!", ["id", "child_of", 1]])"), "NOT id CHILD_OF [1]");
  EXPECT_EQ(r(R"([["tag_id.parent_id", "child_of", 1]])"), "tag_id ANY (parent_id CHILD_OF [1])");
  Resolved h = resolved(R"([["category_id", "child_of", 3]])");
  EXPECT_EQ(h.kind, Resolved::Kind::kHierarchy);
  EXPECT_EQ(h.hierarchy_model, &registry_.get("t.category"));
  EXPECT_TRUE(h.descendants);
  EXPECT_EQ(h.roots, IdList{3});
}

TEST_F(ResolveTest, HierarchyLooksUpNames) {
  FakeNames names;
  Resolved h = resolved(R"([["tag_id", "child_of", ["root", "none"]]])", "t.record", &names);
  EXPECT_EQ(debug_string(h), "tag_id CHILD_OF [3, 7]");
  EXPECT_EQ(names.calls, (std::vector<std::string>{"t.tag:root", "t.tag:none"}));
  EXPECT_EQ(debug_string(resolved(R"([["tag_id", "child_of", "none"]])", "t.record", &names)),
            "FALSE");
  std::string e = error(R"([["tag_id", "child_of", "root"]])");
  EXPECT_NE(e.find("looking up records by name"), std::string::npos) << e;
}

TEST_F(ResolveTest, HierarchyNeedsAParentField) {
  std::string e = error(R"([["line_ids", "child_of", 1]])");
  EXPECT_NE(e.find("model 't.line' has no parent field"), std::string::npos) << e;
  e = error(R"([["id", "child_of", 1]])", "t.line");
  EXPECT_NE(e.find("model 't.line' has no parent field"), std::string::npos) << e;
  e = error(R"([["name", "child_of", 1]])");
  EXPECT_NE(e.find("operator 'child_of' cannot be used on field 'name'"), std::string::npos) << e;
  e = error(R"([["id", "parent_of", 1.5]])");
  EXPECT_NE(e.find("expected record ids or names"), std::string::npos) << e;
}

TEST_F(ResolveTest, DisplayNameSearchesTheRecName) {
  EXPECT_EQ(r(R"([["display_name", "ilike", "x"]])"), "name ILIKE '%x%'");
  EXPECT_EQ(r(R"([["display_name", "=", false]])"), "name NOT SET");
  EXPECT_EQ(r(R"([["display_name", "ilike", "x"]])", "t.category"), "display_name ILIKE '%x%'");
  EXPECT_EQ(r(R"([["display_name", "=", false]])", "t.category"), "FALSE");
  EXPECT_EQ(r(R"([["display_name", "!=", ""]])", "t.category"), "TRUE");
  EXPECT_EQ(r(R"(["!", ["display_name", "<", "t"]])", "t.category"), "display_name >= 't'");
}

TEST_F(ResolveTest, RejectsUnknownFields) {
  EXPECT_EQ(error(R"([["foo", "=", 1]])"),
            "Invalid field 'foo' on model 't.record' in term ('foo', '=', 1)");
  EXPECT_EQ(error(R"([["tag_id.foo", "=", 1]])"),
            "Invalid field 'foo' on model 't.tag' in term ('tag_id.foo', '=', 1)");
  std::string e = error(R"([["name.foo", "=", 1]])");
  EXPECT_NE(e.find("field 'name' of model 't.record' is not relational"), std::string::npos) << e;
}

TEST_F(ResolveTest, RejectsSecretAndNonStoredFields) {
  std::string e = error(R"([["secret_key", "=", "x"]])");
  EXPECT_NE(e.find("Invalid field 'secret_key' on model 't.record'"), std::string::npos) << e;
  EXPECT_NE(e.find("secret"), std::string::npos) << e;
  e = error(R"([["total", ">", 1]])");
  EXPECT_NE(e.find("Invalid field 'total' on model 't.record'"), std::string::npos) << e;
  EXPECT_NE(e.find("not stored"), std::string::npos) << e;
}

TEST_F(ResolveTest, RejectsValuesOfTheWrongType) {
  std::string e = error(R"([["name", "=", 5]])");
  EXPECT_EQ(e,
            "Invalid value 5 for field 'name' (char) in term ('name', '=', 5): expected a "
            "string");
  EXPECT_NE(error(R"([["state", "in", [["a"]]]])").find("plain values"), std::string::npos);
  EXPECT_NE(error(R"([["count", "<", [1]]])").find("expects a single value"), std::string::npos);
  EXPECT_NE(error(R"([["count", "=", {"a": 1}]])").find("expects a single value"),
            std::string::npos);
}

TEST_F(ResolveTest, NodesKnowTheirModel) {
  Resolved res = resolved(R"([["name", "=", "x"], ["line_ids", "any", [["qty", ">", 1]]]])");
  ASSERT_EQ(res.kind, Resolved::Kind::kAnd);
  EXPECT_EQ(res.model, &registry_.get("t.record"));
  const Resolved& any = res.children[1];
  EXPECT_EQ(any.field, registry_.get("t.record").field("line_ids"));
  EXPECT_EQ(any.sub->model, &registry_.get("t.line"));
  EXPECT_EQ(any.sub->field, registry_.get("t.line").field("qty"));
}

// Records which models and fields a resolution asked about, and refuses one model.
class RecordingAccess final : public SearchAccess {
 public:
  explicit RecordingAccess(std::string refused) : refused_(std::move(refused)) {}
  void check_model(const schema::Model& model) override {
    models.push_back(model.name());
    if (model.name() == refused_)
      throw common::AccessError("no access to " + model.name());
  }
  void check_field(const schema::Model& model, const schema::Field& field) override {
    fields.push_back(model.name() + "." + field.name);
  }
  std::vector<std::string> models, fields;

 private:
  std::string refused_;
};

TEST_F(ResolveTest, EveryModelAndFieldADomainReachesIsChecked) {
  auto run = [&](std::string_view json, const std::string& refused) {
    RecordingAccess access(refused);
    resolve(Domain::from_json(Json::parse(json)), registry_.get("t.record"), registry_, nullptr,
            &access);
    return access;
  };
  RecordingAccess a = run(R"([["tag_ids.parent_id.name", "=", "x"], ["count", ">", 1]])", "");
  EXPECT_NE(std::find(a.models.begin(), a.models.end(), "t.tag"), a.models.end());
  for (const char* f : {"t.record.tag_ids", "t.tag.parent_id", "t.tag.name", "t.record.count"})
    EXPECT_NE(std::find(a.fields.begin(), a.fields.end(), f), a.fields.end()) << f;
  // Crossing into the refused model fails, by a path, by any, by a name, by an x2many leaf.
  for (const char* json :
       {R"([["tag_ids.name", "=", "x"]])", R"([["tag_ids", "any", [["color", "=", 1]]]])",
        R"([["tag_id", "=", "some name"]])", R"([["tag_ids", "!=", false]])",
        R"(["|", ["name", "=", "a"], ["tag_id.color", "=", 2]])"}) {
    EXPECT_THROW(run(json, "t.tag"), common::AccessError) << json;
  }
  // Terms on the model itself only ask about it.
  RecordingAccess own = run(R"([["name", "=", "x"], ["tag_id", "=", 3]])", "t.tag");
  EXPECT_EQ(std::count(own.models.begin(), own.models.end(), "t.tag"), 0);
}

TEST_F(ResolveTest, FollowingTooManyRelationsInARowIsAValueError) {
  std::string path;
  for (int i = 0; i < 64; ++i)
    path += "parent_id.";
  resolved(R"([[")" + path + R"(name", "=", "x"]])");  // 64 crossings: fine
  std::string e = error(R"([["parent_id.)" + path + R"(name", "=", "x"]])");
  EXPECT_NE(e.find("more than 64 relations"), std::string::npos) << e;
  std::string deep = "[[\"name\", \"=\", 1]]";
  for (int i = 0; i < 70; ++i)
    deep = "[[\"parent_id\", \"any\", " + deep + "]]";
  e = error(deep);
  EXPECT_NE(e.find("more than 64 relations"), std::string::npos) << e;
}

}  // namespace
}  // namespace autorules::domain
