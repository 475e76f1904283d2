#include "orm/observer.h"

#include <mutex>

#include "common/errors.h"
#include "orm_fixture.h"

namespace autorules::orm::test {
namespace {

// Records every event on one model.
class Recorder : public Observer {
 public:
  explicit Recorder(std::string model) : model_(std::move(model)) {}
  bool watches(const Env&, const schema::Model& m, Event,
               const std::vector<std::string>&) const override {
    return m.name() == model_;
  }
  void before_create(const Env&, const schema::Model&, const Json& vals) override {
    log.push_back("before_create " + std::to_string(vals.size()));
  }
  void after_create(const Env&, const RecordSet& r) override {
    log.push_back("after_create " + std::to_string(r.size()));
  }
  std::any before_write(const Env&, const RecordSet& r, const std::vector<std::string>& fields,
                        WriteOrigin origin) override {
    std::string s = origin == WriteOrigin::kRecompute ? "before_recompute" : "before_write";
    for (const auto& f : fields)
      s += " " + f;
    log.push_back(s);
    return r.size();
  }
  void after_write(const Env&, const RecordSet& r, const std::vector<std::string>& fields,
                   const OldValues& old, WriteOrigin, std::any& state) override {
    EXPECT_EQ(std::any_cast<size_t>(state), r.size());
    for (Id id : r.ids()) {
      for (const auto& f : fields) {
        auto it = old.find(id);
        if (it != old.end() && it->second.count(f))
          last_old[f] = it->second.at(f);
      }
    }
    log.push_back("after_write");
  }
  void before_unlink(const Env&, const RecordSet& r) override {
    // The records can still be read.
    log.push_back("before_unlink " + r.display_names()[0]);
  }
  void after_unlink(const Env&, const schema::Model&, const IdList& ids) override {
    log.push_back("after_unlink " + std::to_string(ids.size()));
  }
  std::vector<std::string> log;
  std::map<std::string, Value> last_old;

 private:
  std::string model_;
};

TEST_F(OrmTest, ObserverSeesCreateWriteWithOldValuesAndUnlink) {
  Recorder rec("res.partner");
  runtime_->add_observer(&rec);
  Env e = env();
  RecordSet p = e["res.partner"].create(Json{{"name", "Before"}});
  p.write(Json{{"name", "After"}});
  EXPECT_EQ(rec.last_old["name"], Value("Before"));
  p.unlink();
  EXPECT_EQ(rec.log,
            (std::vector<std::string>{"before_create 1", "after_create 1", "before_write name",
                                      "after_write", "before_unlink After", "after_unlink 1"}));
}

// A stored related field on a run-time model follows its source on another record, and the
// recomputation is a write that observers see (partner.employee → lead.employee).
TEST_F(OrmTest, StoredRelatedFieldIsRecomputedFromAnotherRecordAndObserved) {
  Env e = su();
  e["ir.model"].create(
      Json{{"name", "Lead"},
           {"model", "x_lead"},
           {"field_id",
            Json::array({
                Json::array(
                    {0, 0, {{"name", "x_name"}, {"ttype", "char"}, {"field_description", "Name"}}}),
                Json::array({0,
                             0,
                             {{"name", "x_partner_id"},
                              {"ttype", "many2one"},
                              {"relation", "res.partner"},
                              {"field_description", "Partner"}}}),
            })}});
  e["ir.model.fields"].create(Json{{"model", "x_lead"},
                                   {"name", "x_employee"},
                                   {"ttype", "boolean"},
                                   {"field_description", "Employee"},
                                   {"related", "x_partner_id.employee"}});
  e.commit();

  Recorder rec("x_lead");
  runtime_->add_observer(&rec);
  Env w = env();
  RecordSet partner = w["res.partner"].create(Json{{"name", "Jeff"}});
  RecordSet lead = w["x_lead"].create(Json{{"x_name", "L"}, {"x_partner_id", partner.id()}});
  EXPECT_EQ(lead.read({"x_employee"})[0]["x_employee"], false);
  partner.write(Json{{"employee", true}});
  EXPECT_EQ(lead.read({"x_employee"})[0]["x_employee"], true);
  EXPECT_EQ(rec.log.back(), "after_write");
  EXPECT_EQ(rec.log[rec.log.size() - 2], "before_recompute x_employee");
  EXPECT_EQ(rec.last_old["x_employee"], Value(false));
  // Changing the lead's own many2one recomputes too.
  RecordSet other = w["res.partner"].create(Json{{"name", "Other"}});
  lead.write(Json{{"x_partner_id", other.id()}});
  EXPECT_EQ(lead.read({"x_employee"})[0]["x_employee"], false);
  // Deleting the partner empties it (ondelete set null, then recomputation).
  lead.write(Json{{"x_partner_id", partner.id()}});
  partner.unlink();
  EXPECT_EQ(lead.read({"x_employee"})[0]["x_employee"], false);
  runtime_->observers();
}

TEST_F(OrmTest, ObserverErrorAbortsTheOperation) {
  struct Refuser : Observer {
    bool watches(const Env&, const schema::Model& m, Event,
                 const std::vector<std::string>&) const override {
      return m.name() == "res.partner";
    }
    void after_create(const Env&, const RecordSet&) override {
      throw common::UserError("no partners today");
    }
  } refuser;
  runtime_->add_observer(&refuser);
  {
    Env e = env();
    EXPECT_THROW_MSG(e["res.partner"].create(Json{{"name", "Nope"}}), common::UserError,
                     "no partners today");
  }
  Env r = reader();
  EXPECT_EQ(r["res.partner"].search_count(term("name", domain::Op::kEq, "Nope")), 0);
}

}  // namespace
}  // namespace autorules::orm::test
