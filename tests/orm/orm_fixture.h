// A fresh database for each test: a temporary SQLite file, a Runtime on a manual clock,
// initialised with the base data. env() opens a write transaction as the admin (superuser mode
// off, as API callers), su() as the superuser.
#pragma once

#include <memory>

#include <gtest/gtest.h>

#include "common/clock.h"
#include "orm/env.h"
#include "orm/recordset.h"
#include "orm/runtime.h"
#include "store/database.h"
#include "test_support/expect_throw.h"
#include "test_support/temp_dir.h"

namespace autorules::orm::test {

using common::Id;
using common::IdList;
using common::Json;
using common::Value;
using domain::Domain;

class OrmTest : public ::testing::Test {
 protected:
  OrmTest()
      : clock_(*common::parse_datetime("2026-01-15 10:00:00")),
        runtime_(std::make_unique<Runtime>(store::Database::open("sqlite:" + dir_.path("test.db")),
                                           clock_)) {
    runtime_->set_modules_path(AUTORULES_SOURCE_DIR "/modules");
    runtime_->initialize();
  }

  Env env(Id uid = kAdminId) { return Env::begin(*runtime_, uid, store::Access::kWrite); }
  Env su() { return env(kSuperuserId).sudo(); }
  Env reader(Id uid = kAdminId) { return Env::begin(*runtime_, uid, store::Access::kRead); }

  // [(path, op, value)]
  static Domain term(const std::string& path, domain::Op op, Json value) {
    return Domain::term(path, op, std::move(value));
  }
  static Domain parse(const std::string& text) { return Domain::from_text(text); }

  // An internal user (not an administrator); returns its id.
  Id make_internal_user(const std::string& login = "marc") {
    Env e = su();
    Id uid = e["res.users"].create(Json{{"name", "Marc " + login}, {"login", login}}).id();
    e.commit();
    return uid;
  }

  ::autorules::test::TempDir dir_;
  common::ManualClock clock_;
  std::unique_ptr<Runtime> runtime_;
};

}  // namespace autorules::orm::test
