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

// A created record links its many2many in a few statements (no removal first, many rows per
// insert): the commands still apply in order, and a long list is linked whole.
TEST_F(X2ManyTest, ManyToManyCommandsOnCreateApplyInOrderWhateverTheirLength) {
  Env e = env();
  RecordSet cats = e["res.partner.category"];
  Json many = Json::array();
  for (int i = 0; i < 150; ++i)
    many.push_back(Json{{"name", "Tag " + std::to_string(i)}});
  IdList ids = cats.create(many).ids();
  ASSERT_EQ(ids.size(), 150u);
  RecordSet all = e["res.partner"].create(
      Json{{"name", "All"}, {"category_id", Json::array({Json::array({6, 0, ids})})}});
  EXPECT_EQ(tags(all).size(), 150u);
  // A link then a set: the set replaces the link, as on a saved record.
  RecordSet set = e["res.partner"].create(
      Json{{"name", "Set"},
           {"category_id",
            Json::array({Json::array({4, ids[0]}), Json::array({6, 0, IdList{ids[1]}})})}});
  EXPECT_EQ(tags(set), Json::array({ids[1]}));
  RecordSet cleared = e["res.partner"].create(
      Json{{"name", "Cleared"},
           {"category_id", Json::array({Json::array({4, ids[0]}), Json::array({5})})}});
  EXPECT_EQ(tags(cleared), Json::array());
  // Duplicates in the list are linked once.
  RecordSet twice = e["res.partner"].create(
      Json{{"name", "Twice"},
           {"category_id", Json::array({Json::array({6, 0, IdList{ids[2], ids[2]}})})}});
  EXPECT_EQ(tags(twice), Json::array({ids[2]}));
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

TEST_F(X2ManyTest, ArchivedRecordsAreLeftOutOfXToManyValuesLikeOutOfSearches) {
  Env e = su();
  RecordSet partners = e["res.partner"];
  RecordSet company = partners.create(Json{{"name", "Co"}, {"is_company", true}});
  Id ann = partners.create(Json{{"name", "Ann"}, {"parent_id", company.id()}}).id();
  Id bob = partners.create(Json{{"name", "Bob"}, {"parent_id", company.id()}}).id();
  partners.browse({bob}).write(Json{{"active", false}});
  EXPECT_EQ(children(company), Json::array({ann}));
  EXPECT_EQ(children(company.with_env(e.with_context_update(Json{{"active_test", false}}))),
            Json::array({ann, bob}));
}

// A mail thread's message_ids: a one2many on mail.message's (model, res_id) pair.
TEST_F(X2ManyTest, PolymorphicOneToManySeesOnlyItsModelsRows) {
  Env e = su();
  Id p = e["res.partner"].create(Json{{"name", "P"}}).id();
  Id u = kAdminId;
  RecordSet messages = e["mail.message"];
  Id on_partner =
      messages.create(Json{{"model", "res.partner"}, {"res_id", p}, {"body", "a"}}).id();
  // The same id on another model is not the partner's.
  messages.create(Json{{"model", "res.users"}, {"res_id", p}, {"body", "b"}});
  messages.create(Json{{"model", "res.users"}, {"res_id", u}, {"body", "c"}});
  RecordSet partner = e["res.partner"].browse({p});
  EXPECT_EQ(partner.read({"message_ids"})[0]["message_ids"], Json::array({on_partner}));
  // Searching through it keeps to the model too.
  EXPECT_EQ(e["res.partner"].search(parse("[('message_ids.body', '=', 'a')]")).ids(), IdList{p});
  EXPECT_TRUE(e["res.partner"].search(parse("[('message_ids.body', '=', 'b')]")).empty());
  // Commands attach children with both the id and the model.
  partner.write(Json{{"message_ids", Json::array({Json::array({0, 0, {{"body", "d"}}})})}});
  Json ids = partner.read({"message_ids"})[0]["message_ids"];
  ASSERT_EQ(ids.size(), 2u);
  Json made = messages.browse({ids[1].get<Id>()}).read({"model", "res_id"})[0];
  EXPECT_EQ(made["model"], "res.partner");
  EXPECT_EQ(made["res_id"], p);
  // Detaching deletes: a message of no record means nothing.
  partner.write(Json{{"message_ids", Json::array({Json::array({3, on_partner})})}});
  EXPECT_TRUE(messages.browse({on_partner}).exists().empty());
}

TEST_F(X2ManyTest, NativelyComputedFieldsAreComputedByTheirRegisteredCode) {
  runtime_->add_native_compute("mail.activity", "state", [](const RecordSet& records) {
    return std::vector<Value>(records.ids().size(), Value(std::string("planned")));
  });
  Env e = su();
  Id p = e["res.partner"].create(Json{{"name", "P"}}).id();
  Id todo = e["mail.activity.type"].create(Json{{"name", "To-Do"}}).id();
  Id a = e["mail.activity"]
             .create(Json{{"res_model", "res.partner"}, {"res_id", p}, {"activity_type_id", todo}})
             .id();
  EXPECT_EQ(e["mail.activity"].browse({a}).read({"state"})[0]["state"], "planned");
  EXPECT_THROW(e["mail.activity"].browse({a}).write(Json{{"state", "done"}}), common::UserError);
}

}  // namespace
}  // namespace autorules::orm::test
