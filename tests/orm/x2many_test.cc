#include "common/errors.h"
#include "orm_fixture.h"

namespace autorules::orm::test {
namespace {

class X2ManyTest : public OrmTest {
 protected:
  Json tags(const RecordSet& p) { return p.read({"category_id"})[0]["category_id"]; }
  Json children(const RecordSet& p) { return p.read({"child_ids"})[0]["child_ids"]; }
};

TEST_F(X2ManyTest, ManyToManyCommandsZeroToSix) {
  Env e = env();
  RecordSet cats = e["res.partner.category"];
  Id a = cats.create(Json{{"name", "A"}}).id();
  Id b = cats.create(Json{{"name", "B"}}).id();
  RecordSet p = e["res.partner"].create(
      Json{{"name", "P"}, {"category_id", Json::array({Json::array({6, 0, {a}})})}});
  EXPECT_EQ(tags(p), Json::array({a}));
  p.write(Json{{"category_id", Json::array({Json::array({4, b})})}});
  EXPECT_EQ(tags(p), Json::array({a, b}));
  p.write(Json{{"category_id", Json::array({Json::array({3, a})})}});
  EXPECT_EQ(tags(p), Json::array({b}));
  p.write(Json{{"category_id", Json::array({Json::array({0, 0, {{"name", "C"}}})})}});
  Json now = tags(p);
  ASSERT_EQ(now.size(), 2u);
  Id c = now[1].get<Id>() == b ? now[0].get<Id>() : now[1].get<Id>();
  p.write(Json{{"category_id", Json::array({Json::array({1, c, {{"name", "C2"}}})})}});
  EXPECT_EQ(cats.browse({c}).read({"name"})[0]["name"], "C2");
  p.write(Json{{"category_id", Json::array({Json::array({2, c})})}});
  EXPECT_TRUE(cats.browse({c}).exists().empty());
  p.write(Json{{"category_id", Json::array({Json::array({5})})}});
  EXPECT_EQ(tags(p), Json::array());
  p.write(Json{{"category_id", Json::array({a, b})}});  // a plain id list sets
  EXPECT_EQ(tags(p).size(), 2u);
  // The inverse many2many sees the same links.
  EXPECT_EQ(cats.browse({a}).read({"partner_ids"})[0]["partner_ids"], Json::array({p.id()}));
}

TEST_F(X2ManyTest, OneToManyCommandsMaintainTheInverse) {
  Env e = env();
  RecordSet partners = e["res.partner"];
  RecordSet company =
      partners.create(Json{{"name", "Co"},
                           {"is_company", true},
                           {"child_ids", Json::array({Json::array({0, 0, {{"name", "Ann"}}}),
                                                      Json::array({0, 0, {{"name", "Bob"}}})})}});
  Json kids = children(company);
  ASSERT_EQ(kids.size(), 2u);
  Id ann = kids[0].get<Id>(), bob = kids[1].get<Id>();
  EXPECT_EQ(partners.browse({ann}).read({"parent_id"})[0]["parent_id"][0], company.id());
  company.write(Json{{"child_ids", Json::array({Json::array({3, ann})})}});  // detach, not delete
  EXPECT_EQ(children(company), Json::array({bob}));
  EXPECT_EQ(partners.browse({ann}).read({"parent_id"})[0]["parent_id"], false);
  company.write(Json{{"child_ids", Json::array({Json::array({4, ann})})}});
  EXPECT_EQ(children(company).size(), 2u);
  company.write(Json{{"child_ids", Json::array({Json::array({6, 0, {bob}})})}});
  EXPECT_EQ(children(company), Json::array({bob}));
  company.write(Json{{"child_ids", Json::array({Json::array({2, bob})})}});
  EXPECT_TRUE(partners.browse({bob}).exists().empty());
}

TEST_F(X2ManyTest, LinkingMissingRecordsIsRefused) {
  Env e = env();
  RecordSet p = e["res.partner"].create(Json{{"name", "P"}});
  EXPECT_THROW_MSG(p.write(Json{{"category_id", Json::array({Json::array({4, 9999})})}}),
                   common::ValidationError, "9999");
  EXPECT_THROW_MSG(
      p.write(Json{{"category_id", Json::array({Json::array({6, 0, Json::array({9999})})})}}),
      common::ValidationError, "9999");
  EXPECT_THROW(p.write(Json{{"category_id", Json::array({Json::array({0, 0, "x"})})}}),
               common::ValueError);
}

}  // namespace
}  // namespace autorules::orm::test
