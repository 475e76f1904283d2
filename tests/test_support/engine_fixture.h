// A fresh database with the whole engine for each test: a temporary SQLite file and the runtime
// api::make_runtime() assembles (every layer installed, the shipped apps' folder) on a manual
// clock. env() opens a write transaction as the admin (superuser mode off, as API callers), su()
// as the superuser, reader() a read transaction; admin_key() makes an API key for API calls. Base
// is ::testing::Test, or ::testing::TestWithParam<P> for a parameterized suite.
#pragma once

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "api/runtime.h"
#include "common/clock.h"
#include "orm/base/users.h"
#include "orm/env.h"
#include "orm/recordset.h"
#include "orm/runtime.h"
#include "test_support/temp_dir.h"

namespace autorules::test {

template <class Base = ::testing::Test>
class EngineFixture : public Base {
 protected:
  static constexpr const char* kDefaultStart = "2026-01-15 10:00:00";

  explicit EngineFixture(const char* start = kDefaultStart, script::Options sandbox = {})
      : clock_(*common::parse_datetime(start)),
        runtime_(api::make_runtime({.database = "sqlite:" + dir_.path("engine.db"),
                                    .clock = &clock_,
                                    .modules_path = AUTORULES_SOURCE_DIR "/modules",
                                    .sandbox = sandbox})) {}

  orm::Env env(common::Id uid = orm::kAdminId) {
    return orm::Env::begin(*runtime_, uid, store::Access::kWrite);
  }
  orm::Env su() { return env(orm::kSuperuserId).sudo(); }
  orm::Env reader(common::Id uid = orm::kAdminId) {
    return orm::Env::begin(*runtime_, uid, store::Access::kRead);
  }
  // A new API key of the admin's, for calls through the API.
  std::string admin_key() {
    orm::Env e = su();
    std::string key = orm::generate_key(e, orm::kAdminId, "test", "rpc");
    e.commit();
    return key;
  }

  TempDir dir_;
  common::ManualClock clock_;
  std::unique_ptr<orm::Runtime> runtime_;
};

using EngineTest = EngineFixture<>;

}  // namespace autorules::test
