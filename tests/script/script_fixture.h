// The ORM fixture with the sandbox installed (a short time limit keeps the tests fast).
#pragma once

#include <cctype>
#include <string>

#include <gtest/gtest.h>

#include "orm_fixture.h"
#include "script/sandbox.h"
#include "test_support/slowdown.h"

namespace autorules::script::test {

using common::Id;
using common::IdList;
using common::Json;
using domain::Domain;
using orm::test::OrmTest;

class SandboxTest : public OrmTest {
 protected:
  SandboxTest() { install(*runtime_, options_); }
  // For code that must end before the time limit though it allocates or compares much memory:
  // the limit times test::kSlowdown (a sanitizer build checks every allocation and memcmp).
  void allow_for_slowdown() {
    options_.timeout_seconds *= autorules::test::kSlowdown;
    install(*runtime_, options_);
  }
  // A context on res.partner with the given records.
  Context partner_context(orm::Env& e, IdList ids = {}) {
    Context ctx(e);
    ctx.model = "res.partner";
    ctx.records = std::move(ids);
    return ctx;
  }

  Options options_{.timeout_seconds = 0.5, .memory_budget = 64u << 20};
};

// One piece of hostile code for a parameterised test: what it tries, the code, and a fragment
// of the error it must end in.
struct Attempt {
  const char* what;
  const char* code;
  const char* message;
};

// The test's name for an Attempt: `what` with every character but letters and digits as '_'.
inline std::string attempt_name(const ::testing::TestParamInfo<Attempt>& param) {
  std::string name = param.param.what;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)))
      c = '_';
  }
  return name;
}

}  // namespace autorules::script::test
