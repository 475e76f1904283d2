// Errors the ORM raises under user code that the code may not handle: a conflict (the database
// busy with another process) makes JSON-2 and /web/hook try the whole call again, an internal
// error is a 500 whose details stay in the server's log; `except Exception:` and a bare `except:`
// around the failing call change neither.
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "actions/actions.h"
#include "api/json2.h"
#include "api/webhook.h"
#include "automation/automation.h"
#include "common/clock.h"
#include "common/errors.h"
#include "orm/base/users.h"
#include "orm/env.h"
#include "orm/model_hooks.h"
#include "orm/runtime.h"
#include "script/sandbox.h"
#include "store/database.h"
#include "test_support/engine_fixture.h"

namespace autorules::api {
namespace {

using common::Json;

class UncatchableErrorTest : public test::EngineTest {
 protected:
  UncatchableErrorTest() {
    // res.partner.flaky(): a conflict while conflicts_ lasts, an internal error whose message
    // holds a detail no client may see while broken_, else true. Counts its calls.
    runtime_->add_method(
        "res.partner", "flaky",
        orm::Method{.fn =
                        [this](const auto&, const Json&) {
                          ++calls_;
                          if (conflicts_ > 0) {
                            --conflicts_;
                            throw common::ConflictError("database is locked");
                          }
                          if (broken_)
                            throw common::InternalError("disk I/O error in /var/secret/a.db");
                          return Json(true);
                        },
                    .model_level = true});
  }

  Response call(const std::string& model, const std::string& method, const Json& params) {
    return handle_json2(*runtime_, model, method, "bearer " + key_, params.dump());
  }
  Json ok(const std::string& model, const std::string& method, const Json& params) {
    Response r = call(model, method, params);
    EXPECT_EQ(r.status, 200) << r.body;
    return Json::parse(r.body);
  }
  // An Execute Code action on contacts holding `code`.
  Json code_action(const std::string& code) {
    Json model = ok("ir.model", "search",
                    Json{{"domain", Json::array({Json::array({"model", "=", "res.partner"})})}});
    return ok(
        "ir.actions.server", "create",
        Json{{"vals_list",
              Json::array({Json{
                  {"name", "code"}, {"model_id", model[0]}, {"state", "code"}, {"code", code}}})}});
  }
  // Runs an Execute Code action holding `code` through JSON-2, as a client does.
  Response run_code(const std::string& code) {
    return call("ir.actions.server", "run", Json{{"ids", code_action(code)}});
  }
  int partners_named(const std::string& name) {
    return ok("res.partner", "search_count",
              Json{{"domain", Json::array({Json::array({"name", "=", name})})}})
        .get<int>();
  }

  std::string key_ = admin_key();
  int conflicts_ = 0;
  int calls_ = 0;
  bool broken_ = false;
};

// The code around the failing call, three ways: as is, in `except Exception:`, in bare `except:`.
const char* const kWrappings[] = {
    "env['res.partner'].flaky()\n",
    "try:\n    env['res.partner'].flaky()\nexcept Exception:\n    pass\n",
    "try:\n    env['res.partner'].flaky()\nexcept:\n    pass\n",
};

TEST_F(UncatchableErrorTest, AConflictUnderExecuteCodeRetriesTheCallWhichThenSucceeds) {
  int n = 0;
  for (const char* wrapping : kWrappings) {
    std::string name = fmt::format("after {}", ++n);
    std::string code =
        std::string(wrapping) + "env['res.partner'].create({'name': '" + name + "'})";
    conflicts_ = 1;
    calls_ = 0;
    Response r = run_code(code);
    EXPECT_EQ(r.status, 200) << wrapping << r.body;
    EXPECT_EQ(calls_, 2) << wrapping;  // the conflict, then the call tried again
    EXPECT_EQ(partners_named(name), 1) << wrapping;
  }
}

TEST_F(UncatchableErrorTest, ACodeCannotSwallowAConflictThatLasts) {
  for (const char* wrapping : kWrappings) {
    std::string code = std::string(wrapping) + "env['res.partner'].create({'name': 'kept'})";
    conflicts_ = common::kConflictAttempts;
    calls_ = 0;
    Response r = run_code(code);
    EXPECT_EQ(r.status, 503) << wrapping << r.body;
    EXPECT_EQ(Json::parse(r.body)["name"], "odoo.exceptions.ConcurrencyError") << r.body;
    EXPECT_EQ(calls_, common::kConflictAttempts) << wrapping;
    EXPECT_EQ(partners_named("kept"), 0) << wrapping;
  }
}

TEST_F(UncatchableErrorTest, AnInternalErrorUnderExecuteCodeIsA500WithoutItsDetails) {
  broken_ = true;
  for (const char* wrapping : kWrappings) {
    std::string code = std::string(wrapping) + "env['res.partner'].create({'name': 'kept'})";
    calls_ = 0;
    Response r = run_code(code);
    EXPECT_EQ(r.status, 500) << wrapping << r.body;
    Json err = Json::parse(r.body);
    EXPECT_EQ(err["name"], "werkzeug.exceptions.InternalServerError") << r.body;
    EXPECT_EQ(r.body.find("secret"), std::string::npos) << r.body;
    EXPECT_EQ(r.body.find("disk"), std::string::npos) << r.body;
    EXPECT_EQ(calls_, 1) << wrapping;  // not tried again
    EXPECT_EQ(partners_named("kept"), 0) << wrapping;
  }
}

TEST_F(UncatchableErrorTest, AConflictInAWebhooksRecordGetterRetriesTheCall) {
  Json partner =
      ok("res.partner", "create", Json{{"vals_list", Json::array({Json{{"name", "P"}}})}});
  for (const char* getter : {"model.flaky() and model.browse(int(payload['id']))",
                             "[model.flaky() for _ in [0]] and model.browse(int(payload['id']))"}) {
    Json rule = ok(
        "base.automation", "create",
        Json{{"vals_list",
              Json::array(
                  {Json{{"name", "Hook"},
                        {"model_name", "res.partner"},
                        {"trigger", "on_webhook"},
                        {"record_getter", getter},
                        {"action_server_ids",
                         Json::array({Json::array(
                             {0, 0,
                              Json{{"name", "mark"},
                                   {"state", "code"},
                                   {"code", "record.write({'name': payload['mark']})"}}})})}}})}});
    std::string uuid =
        ok("base.automation", "read",
           Json{{"ids", rule}, {"fields", Json::array({"webhook_uuid"})}})[0]["webhook_uuid"];
    conflicts_ = 1;
    calls_ = 0;
    std::string mark = fmt::format("hooked by {}", getter);
    Response r =
        handle_webhook(*runtime_, uuid, Json{{"id", partner[0]}, {"mark", mark}}.dump(), {});
    EXPECT_EQ(r.status, 200) << getter << r.body;
    EXPECT_EQ(calls_, 2) << getter;
    Json read =
        ok("res.partner", "read", Json{{"ids", partner}, {"fields", Json::array({"name"})}});
    EXPECT_EQ(read[0]["name"], mark) << getter;
  }
}

TEST_F(UncatchableErrorTest, AnInternalErrorInAWebhooksRecordGetterIsA500) {
  Json rule =
      ok("base.automation", "create",
         Json{{"vals_list", Json::array({Json{{"name", "Hook"},
                                              {"model_name", "res.partner"},
                                              {"trigger", "on_webhook"},
                                              {"record_getter", "model.flaky() and model"}}})}});
  std::string uuid =
      ok("base.automation", "read",
         Json{{"ids", rule}, {"fields", Json::array({"webhook_uuid"})}})[0]["webhook_uuid"];
  broken_ = true;
  Response r = handle_webhook(*runtime_, uuid, "{}", {});
  EXPECT_EQ(r.status, 500) << r.body;
  EXPECT_EQ(Json::parse(r.body), (Json{{"status", "error"}}));
  EXPECT_EQ(calls_, 1);
}

TEST(RetryOnConflictTest, TriesANamedNumberOfTimesThenLetsTheConflictThrough) {
  int calls = 0;
  EXPECT_EQ(common::retry_on_conflict([&] {
              if (++calls < common::kConflictAttempts)
                throw common::ConflictError("busy");
              return 7;
            }),
            7);
  EXPECT_EQ(calls, common::kConflictAttempts);
  calls = 0;
  EXPECT_THROW(common::retry_on_conflict([&]() -> int {
                 ++calls;
                 throw common::ConflictError("busy");
               }),
               common::ConflictError);
  EXPECT_EQ(calls, common::kConflictAttempts);
  calls = 0;
  EXPECT_THROW(common::retry_on_conflict([&]() -> int {
                 ++calls;
                 throw common::UserError("no");
               }),
               common::UserError);
  EXPECT_EQ(calls, 1);  // only conflicts are tried again
}

}  // namespace
}  // namespace autorules::api
