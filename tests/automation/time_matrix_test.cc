// Every time trigger × mode × unit: a rule "2 <unit> <after|before>" fires for a record exactly
// once, at the first pass of the check after its moment (and not at a pass just before it).
#include <memory>
#include <string>
#include <tuple>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "actions/actions.h"
#include "automation/automation.h"
#include "common/clock.h"
#include "orm/env.h"
#include "orm/recordset.h"
#include "orm/runtime.h"
#include "script/sandbox.h"
#include "store/database.h"
#include "test_support/engine_fixture.h"

namespace autorules::automation {
namespace {

using common::DateTime;
using common::Id;
using common::Json;

using Param = std::tuple<std::string, std::string, std::string>;  // trigger/field, mode, unit

const char* kStart = "2026-01-10 10:00:00";

// `t` moved by `n` units (months by calendar).
DateTime shift(DateTime t, int n, const std::string& unit) {
  if (unit == "month")
    return common::add_months(t, n);
  std::int64_t s = unit == "minutes" ? 60 : unit == "hour" ? 3600 : 86400;
  return common::add_seconds(t, n * s);
}

class TimeMatrix : public test::EngineFixture<::testing::TestWithParam<Param>> {
 protected:
  TimeMatrix() : EngineFixture(kStart) {
    orm::Env e = su();
    Id partner =
        e["ir.model"].search(domain::Domain::from_text("[('model', '=', 'res.partner')]")).id();
    e["ir.model.fields"].create(Json::array({Json{{"name", "x_when"},
                                                  {"model_id", partner},
                                                  {"ttype", "datetime"},
                                                  {"field_description", "When"}},
                                             Json{{"name", "x_day"},
                                                  {"model_id", partner},
                                                  {"ttype", "date"},
                                                  {"field_description", "Day"}}}));
    e.commit();
  }

  Id field_id(const std::string& name) {
    return su()["ir.model.fields"]
        .search(domain::Domain::from_text(
            fmt::format("[('model', '=', 'res.partner'), ('name', '=', '{}')]", name)))
        .id();
  }

  // One pass of the check; the record's firing count after it.
  std::int64_t check(Id record) {
    {
      orm::Env e = su();
      runtime_->method("base.automation", "_cron_process_time_based_actions")
          ->fn(e["base.automation"], Json::object());
      e.commit();
    }
    return su()["res.partner"].browse({record}).get("customer_rank").as_int();
  }
};

TEST_P(TimeMatrix, FiresOnceAtTheFirstPassAfterTheMoment) {
  auto [kind, mode, unit] = GetParam();
  std::string trigger = kind == "created"   ? "on_time_created"
                        : kind == "updated" ? "on_time_updated"
                                            : "on_time";
  Json rule = {{"name", "matrix"},
               {"model_name", "res.partner"},
               {"trigger", trigger},
               {"trg_date_range", 2},
               {"trg_date_range_type", unit},
               {"trg_date_range_mode", mode},
               {"filter_domain", "[('name', '=', 'Target')]"},
               {"action_server_ids",
                Json::array({Json::array(
                    {0,
                     0,
                     {{"name", "count"},
                      {"state", "code"},
                      {"code", "record.write({'customer_rank': record.customer_rank + 1})"}}})})}};
  if (kind == "datetime")
    rule["trg_date_id"] = field_id("x_when");
  if (kind == "date")
    rule["trg_date_id"] = field_id("x_day");
  {
    orm::Env e = su();
    e["base.automation"].create(rule);  // last_run = kStart
    e.commit();
  }
  int sign = mode == "after" ? 1 : -1;
  // The record's date, and the moment its rule is due.
  DateTime start = *common::parse_datetime(kStart);
  DateTime created = shift(start, 3, unit == "month" ? "month" : "day");  // well after last_run
  if (unit == "month")
    created = common::add_months(start, 6);
  DateTime moment;
  Json vals = {{"name", "Target"}, {"customer_rank", 0}};
  if (kind == "datetime") {
    DateTime value = common::make_datetime(common::make_date(2026, 9, 10), 8, 30, 0);
    vals["x_when"] = common::format_datetime(value);
    moment = shift(value, 2 * sign, unit);
  } else if (kind == "date") {
    common::Date day = common::make_date(2026, 9, 10);
    vals["x_day"] = common::format_date(day);
    moment = shift(common::midnight(day), 2 * sign, unit);
  } else {
    moment = shift(created, 2 * sign, unit);
  }
  clock_.set(created);
  Id record;
  {
    orm::Env e = su();
    record = e["res.partner"].create(vals).id();
    e.commit();
  }
  if (moment > created) {
    // A pass just before the moment: nothing yet. (Dates count by day: due from midnight on.)
    clock_.set(common::add_seconds(moment, -1));
    EXPECT_EQ(check(record), 0) << "fired before its moment";
    clock_.set(kind == "date" ? moment : common::add_seconds(moment, 1));
  } else {
    // "Before" the creation or the last update: already due at the first pass.
    clock_.set(common::add_seconds(created, 1));
  }
  EXPECT_EQ(check(record), 1) << "did not fire at the first pass after its moment";
  if (kind != "updated") {
    clock_.set(shift(clock_.now(), 3, unit));
    EXPECT_EQ(check(record), 1) << "fired twice";
  }
}

INSTANTIATE_TEST_SUITE_P(All, TimeMatrix,
                         ::testing::Combine(::testing::Values("datetime", "date", "created",
                                                              "updated"),
                                            ::testing::Values("after", "before"),
                                            ::testing::Values("minutes", "hour", "day", "month")),
                         [](const ::testing::TestParamInfo<Param>& p) {
                           return std::get<0>(p.param) + "_" + std::get<1>(p.param) + "_" +
                                  std::get<2>(p.param);
                         });

}  // namespace
}  // namespace autorules::automation
