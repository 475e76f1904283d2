#include <string>
#include <string_view>

#include "common/errors.h"
#include "orm_fixture.h"

namespace autorules::orm::test {
namespace {

TEST_F(OrmTest, UnknownFieldsAreRefusedByName) {
  Env e = env();
  EXPECT_THROW_MSG(e["res.partner"].create(Json{{"name", "x"}, {"nope", 1}}), common::ValueError,
                   "Invalid field 'nope' on model 'res.partner'");
  RecordSet p = e["res.partner"].create(Json{{"name", "x"}});
  EXPECT_THROW_MSG(p.write(Json{{"nope", 1}}), common::ValueError, "nope");
  EXPECT_THROW_MSG(p.read({"nope"}), common::ValueError, "nope");
}

TEST_F(OrmTest, WrongTypesAreRefusedNamingTheField) {
  Env e = env();
  RecordSet partners = e["res.partner"];
  EXPECT_THROW_MSG(partners.create(Json{{"name", 5}}), common::ValueError, "'Name' (name)");
  EXPECT_THROW_MSG(partners.create(Json{{"name", "x"}, {"customer_rank", "many"}}),
                   common::ValueError, "expected an integer");
  EXPECT_THROW_MSG(partners.create(Json{{"name", "x"}, {"customer_rank", 1.5}}), common::ValueError,
                   "customer_rank");
  EXPECT_THROW_MSG(partners.create(Json{{"name", "x"}, {"is_company", "yes"}}), common::ValueError,
                   "true or false");
  EXPECT_THROW_MSG(partners.create(Json{{"name", "x"}, {"parent_id", "Azure"}}), common::ValueError,
                   "parent_id");
  EXPECT_THROW_MSG(partners.create(Json{{"name", "x"}, {"category_id", "all"}}), common::ValueError,
                   "list of commands");
  EXPECT_THROW_MSG(
      partners.create(Json{{"name", "x"}, {"category_id", Json::array({Json::array({9})})}}),
      common::ValueError, "unknown command code");
  EXPECT_THROW_MSG(partners.create(Json::array({1, 2})), common::ValueError, "create()");
  EXPECT_EQ(partners.search_count(term("name", domain::Op::kEq, "x")), 0);
}

TEST_F(OrmTest, SelectionKeysAndDatesAreChecked) {
  {
    Env e = env();
    EXPECT_THROW_MSG(e["res.partner"].create(Json{{"name", "x"}, {"company_type", "robot"}}),
                     common::ValueError, "Wrong value for res.partner.company_type: 'robot'");
  }
  Env s = su();
  EXPECT_THROW_MSG(
      s["res.users.apikeys"].create(
          Json{{"name", "k"}, {"user_id", kAdminId}, {"expiration_date", "2026-02-30 10:00:00"}}),
      common::ValueError, "Invalid datetime '2026-02-30 10:00:00'");
}

TEST_F(OrmTest, RequiredFieldsMustBeSet) {
  Env e = env();
  EXPECT_THROW_MSG(e["res.partner"].create(Json{{"email", "a@b.c"}}), common::ValidationError,
                   "'Name' (name)");
  EXPECT_THROW_MSG(e["res.partner"].create(Json{{"name", ""}}), common::ValidationError,
                   "required");
  RecordSet p = e["res.partner"].create(Json{{"name", "ok"}});
  EXPECT_THROW(p.write(Json{{"name", false}}), common::ValidationError);
}

TEST_F(OrmTest, ReadonlyAndMagicFieldsCannotBeWrittenByCallers) {
  Env e = env();
  RecordSet p = e["res.partner"].create(Json{{"name", "x"}});
  EXPECT_THROW_MSG(p.write(Json{{"create_date", "2020-01-01 00:00:00"}}), common::ValidationError,
                   "set automatically");
  EXPECT_THROW_MSG(p.write(Json{{"id", 5}}), common::ValidationError, "set automatically");
  RecordSet u = e["res.users"].browse({kAdminId});
  EXPECT_THROW_MSG(u.write(Json{{"share", true}}), common::ValidationError, "read-only");
  // The superuser may.
  EXPECT_NO_THROW(u.sudo().write(Json{{"share", false}}));
}

TEST_F(OrmTest, ManyToOneTargetsMustExist) {
  Env e = env();
  EXPECT_THROW_MSG(e["res.partner"].create(Json{{"name", "x"}, {"parent_id", 999999}}),
                   common::ValidationError, "record 999999 does not exist");
}

TEST_F(OrmTest, MissingRecordsAreReportedOnWriteAndUnlink) {
  Env e = env();
  RecordSet ghost = e["res.partner"].browse({424242});
  EXPECT_THROW_MSG(ghost.write(Json{{"name", "x"}}), common::MissingError, "424242");
  EXPECT_THROW(ghost.unlink(), common::MissingError);
}

TEST_F(OrmTest, HtmlValuesPassTheSanitizerUnlessTheFieldIsCode) {
  runtime_->set_html_sanitizer([](std::string_view html) { return "[clean]" + std::string(html); });
  Env e = su();
  RecordSet p = e["res.partner"].create(Json{{"name", "P"}, {"comment", "<p>x</p>"}});
  EXPECT_EQ(p.get("comment").as_string(), "[clean]<p>x</p>");
  p.write(Json{{"comment", "<b>y</b>"}});
  EXPECT_EQ(p.get("comment").as_string(), "[clean]<b>y</b>");
  p.write(Json{{"comment", false}});  // nothing to clean
  EXPECT_FALSE(p.get("comment").truthy());
  // A QWeb template's body is code, kept as written.
  RecordSet t =
      e["mail.template"].create(Json{{"name", "T"}, {"body_html", "<t t-out=\"object.name\"/>"}});
  EXPECT_EQ(t.get("body_html").as_string(), "<t t-out=\"object.name\"/>");
}

}  // namespace
}  // namespace autorules::orm::test
