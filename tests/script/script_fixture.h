// The ORM fixture with the sandbox installed (a short time limit keeps the tests fast).
#pragma once

#include <cctype>
#include <string>

#include <gtest/gtest.h>

#include "orm_fixture.h"
#include "script/sandbox.h"

namespace autorules::script::test {

using common::Id;
using common::IdList;
using common::Json;
using domain::Domain;
using orm::test::OrmTest;

class SandboxTest : public OrmTest {
 protected:
  SandboxTest() {
    Options o;
    o.timeout_seconds = 0.5;
    o.memory_budget = 64u << 20;
    install(*runtime_, o);
  }
  // A context on res.partner with the given records.
  Context partner_context(orm::Env& e, IdList ids = {}) {
    Context ctx(e);
    ctx.model = "res.partner";
    ctx.records = std::move(ids);
    return ctx;
  }
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
