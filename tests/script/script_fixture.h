// The ORM fixture with the sandbox installed (a short time limit keeps the tests fast).
#pragma once

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

}  // namespace autorules::script::test
