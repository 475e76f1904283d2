// Data-driven rule scenarios: every *.json file of this folder is one scenario (the format is in
// README.md here). Each runs on a fresh database: the apps it names are installed, its records
// and rules created, then its steps run one transaction each, like API calls, checking the
// values and the error texts users see.
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "actions/actions.h"
#include "automation/automation.h"
#include "common/clock.h"
#include "common/errors.h"
#include "orm/base/modules.h"
#include "orm/env.h"
#include "orm/recordset.h"
#include "script/sandbox.h"
#include "store/database.h"
#include "test_support/engine_fixture.h"

namespace autorules::scenarios {
namespace {

namespace fs = std::filesystem;
using common::Id;
using common::Json;

std::vector<std::string> scenario_files() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(AUTORULES_SCENARIOS_DIR)) {
    if (e.path().extension() == ".json")
      out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

class Scenario : public test::EngineFixture<::testing::TestWithParam<std::string>> {
 protected:
  Scenario() : EngineFixture(kDefaultStart, script::Options{.timeout_seconds = 2}) {}

  // "${name}" alone → the record's id; inside a longer text, or as "$str{name}", its digits.
  Json resolve(const Json& v) const {
    if (v.is_string()) {
      const std::string& s = v.get_ref<const std::string&>();
      static const std::regex as_text(R"(^\$str\{([\w.]+)\}$)");
      std::smatch t;
      if (std::regex_match(s, t, as_text))
        return std::to_string(id_of(t[1]));
      static const std::regex whole(R"(^\$\{([\w.]+)\}$)");
      std::smatch m;
      if (std::regex_match(s, m, whole))
        return id_of(m[1]);
      std::string out;
      static const std::regex part(R"(\$\{([\w.]+)\})");
      auto begin = std::sregex_iterator(s.begin(), s.end(), part);
      size_t last = 0;
      for (auto it = begin; it != std::sregex_iterator(); ++it) {
        out += s.substr(last, static_cast<size_t>(it->position()) - last);
        out += std::to_string(id_of((*it)[1]));
        last = static_cast<size_t>(it->position() + it->length());
      }
      return out + s.substr(last);
    }
    if (v.is_array()) {
      Json out = Json::array();
      for (const Json& x : v)
        out.push_back(resolve(x));
      return out;
    }
    if (v.is_object()) {
      Json out = Json::object();
      for (const auto& [k, x] : v.items())
        out[k] = resolve(x);
      return out;
    }
    return v;
  }

  // An alias of the scenario, or an xml id ("crm.field_crm_lead__state").
  Id id_of(const std::string& alias) const {
    if (alias.find('.') != std::string::npos) {
      orm::Env e = orm::Env::begin(const_cast<orm::Runtime&>(*runtime_), orm::kSuperuserId,
                                   store::Access::kRead);
      auto id = e.xmlid_to_res_id(alias);
      if (!id)
        throw std::runtime_error("unknown xml id " + alias);
      return *id;
    }
    auto it = aliases_.find(alias);
    if (it == aliases_.end())
      throw std::runtime_error("unknown alias ${" + alias + "}");
    return it->second.second;
  }

  orm::Env env(Id uid = orm::kAdminId) {
    return orm::Env::begin(*runtime_, uid, store::Access::kWrite);
  }

  void create(const Json& spec) {
    orm::Env e = env();
    std::string model = spec.at("model");
    Id id = e[model].create(resolve(spec.value("values", Json::object()))).id();
    e.commit();
    if (spec.contains("as"))
      aliases_[spec["as"]] = {model, id};
  }

  // A record named by a scenario alias or by an xml id ("base_automation.ir_cron_...").
  std::pair<std::string, Id> record_of(const std::string& alias) const {
    auto it = aliases_.find(alias);
    if (it != aliases_.end())
      return it->second;
    orm::Env e = orm::Env::begin(const_cast<orm::Runtime&>(*runtime_), orm::kSuperuserId,
                                 store::Access::kRead);
    size_t dot = alias.find('.');
    if (dot != std::string::npos) {
      auto rows = e.cr().fetch(
          "SELECT \"model\", \"res_id\" FROM \"ir_model_data\" WHERE \"module\" = ? AND "
          "\"name\" = ?",
          std::vector<common::Value>{common::Value(alias.substr(0, dot)),
                                     common::Value(alias.substr(dot + 1))});
      if (!rows.rows.empty())
        return {rows.rows[0][0].as_string(), rows.rows[0][1].as_int()};
    }
    throw std::runtime_error("unknown alias " + alias);
  }

  void check_expect(const Json& expect, const std::string& where) {
    orm::Env e = env().with_context(Json{{"active_test", false}});
    for (const auto& [alias, fields] : expect.items()) {
      auto [model, id] = record_of(alias);
      std::vector<std::string> names;
      for (const auto& [f, _] : fields.items())
        names.push_back(f);
      Json row = e[model].browse({id}).read(names)[0];
      for (const auto& [f, want_raw] : fields.items()) {
        Json want = resolve(want_raw);
        Json got = row[f];
        if (got.is_array() && got.size() == 2 && got[1].is_string() && !want.is_array())
          got = got[0];
        EXPECT_EQ(got, want) << where << ": " << alias << "." << f;
      }
    }
  }

  // Every key of `want` is in `got` with the same value (objects compared key by key).
  void expect_subset(const Json& got, const Json& want, const std::string& where) {
    if (!want.is_object() || !got.is_object()) {
      EXPECT_EQ(got, want) << where;
      return;
    }
    for (const auto& [k, v] : want.items()) {
      if (v.is_null()) {
        EXPECT_FALSE(got.contains(k)) << where << "." << k << " should be absent";
      } else if (!got.contains(k)) {
        ADD_FAILURE() << where << "." << k << " is missing from " << got.dump();
      } else {
        expect_subset(got[k], v, where + "." + k);
      }
    }
  }

  void run_step(const Json& step, size_t n) {
    std::string where = fmt::format("step {} ({})", n + 1, step.dump());
    std::string error = step.value("error", "");
    Id uid = step.contains("user") ? id_of(step["user"]) : orm::kAdminId;
    try {
      orm::Env e = env(uid);
      if (step.contains("create")) {
        std::string model = step["create"];
        Id id = e[model].create(resolve(step.value("values", Json::object()))).id();
        if (step.contains("as"))
          aliases_[step["as"]] = {model, id};
      } else if (step.contains("write")) {
        auto [model, id] = record_of(step["write"]);
        e[model].browse({id}).write(resolve(step.at("values")));
      } else if (step.contains("unlink")) {
        auto [model, id] = record_of(step["unlink"]);
        e[model].browse({id}).unlink();
      } else if (step.contains("onchange")) {
        // {"onchange": alias or model, "values", "field_names", "result": the expected subset}
        std::string target = step["onchange"];
        auto it = aliases_.find(target);
        orm::RecordSet records = it != aliases_.end()
                                     ? e[it->second.first].browse({it->second.second})
                                     : e[target].browse({});
        Json got = records.onchange(resolve(step.value("values", Json::object())),
                                    step.value("field_names", std::vector<std::string>{}),
                                    step.value("fields_spec", Json::object()));
        expect_subset(got, resolve(step.value("result", Json::object())), where + ": result");
      } else if (step.contains("clock")) {
        clock_.set(*common::parse_datetime(step["clock"].get<std::string>()));
      } else if (step.contains("advance")) {
        // Seconds, or {"minutes": .., "hours": .., "days": ..}.
        const Json& a = step["advance"];
        std::int64_t seconds = a.is_number_integer()
                                   ? a.get<std::int64_t>()
                                   : a.value("seconds", 0) + 60 * a.value("minutes", 0) +
                                         3600 * a.value("hours", 0) + 86400 * a.value("days", 0);
        clock_.advance(seconds);
      } else if (step.contains("check")) {
        // One pass of the time-based rules' check, as the scheduled job runs it.
        const orm::Method* m =
            runtime_->method("base.automation", "_cron_process_time_based_actions");
        Json processed = m->fn(e.sudo()["base.automation"], Json::object());
        if (step["check"].is_number_integer()) {
          EXPECT_EQ(processed, step["check"]) << where << ": records processed by the check";
        }
      } else if (!step.contains("expect") && !step.contains("count")) {
        ADD_FAILURE() << where << ": unknown step";
      }
      e.commit();
      EXPECT_TRUE(error.empty()) << where << ": expected the error \"" << error << "\"";
    } catch (const common::Error& err) {
      if (error.empty()) {
        ADD_FAILURE() << where << ": unexpected error: " << err.what();
      } else {
        EXPECT_NE(std::string(err.what()).find(error), std::string::npos)
            << where << ": error \"" << err.what() << "\" lacks \"" << error << "\"";
        // "error_rule": the automation rule the error carries (Odoo's postmortem).
        if (step.contains("error_rule")) {
          EXPECT_TRUE(err.rule() && err.rule()->name == step["error_rule"].get<std::string>())
              << where << ": the error carries the rule "
              << (err.rule() ? err.rule()->name : std::string("(none)"));
        }
      }
    }
    if (step.contains("expect"))
      check_expect(step["expect"], where);
    if (step.contains("count")) {
      orm::Env e = env();
      for (const Json& c : step["count"]) {
        domain::Domain d = domain::Domain::from_json(resolve(c.value("domain", Json::array())));
        EXPECT_EQ(e.with_context(Json{{"active_test", false}})[c.at("model").get<std::string>()]
                      .search_count(d),
                  c.at("count").get<std::int64_t>())
            << where << ": count of " << c.dump();
      }
    }
  }

  std::map<std::string, std::pair<std::string, Id>> aliases_;
};

TEST_P(Scenario, Runs) {
  std::ifstream in(GetParam());
  std::stringstream ss;
  ss << in.rdbuf();
  Json s = Json::parse(ss.str());
  if (s.contains("apps"))
    orm::install_apps(*runtime_, s["apps"].get<std::vector<std::string>>(), false);
  for (const Json& r : s.value("records", Json::array()))
    create(r);
  for (const Json& r : s.value("rules", Json::array())) {
    Json spec = {{"model", "base.automation"}, {"values", r.at("values")}};
    if (r.contains("as"))
      spec["as"] = r["as"];
    create(spec);
  }
  const Json& steps = s.at("steps");
  for (size_t i = 0; i < steps.size(); ++i)
    run_step(steps[i], i);
}

INSTANTIATE_TEST_SUITE_P(All, Scenario, ::testing::ValuesIn(scenario_files()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           std::string name = fs::path(param.param).stem().string();
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c)))
                               c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace autorules::scenarios
