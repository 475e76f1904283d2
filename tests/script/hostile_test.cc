// Escape attempts: each must be refused with a clear error (a 4xx at the API), leave the
// database unchanged and the interpreter usable.
#include "common/errors.h"
#include "script_fixture.h"

namespace autorules::script::test {
namespace {

using orm::Env;

const Attempt kAttempts[] = {
    {"import", "import os", "forbidden opcode(s)"},
    {"from import", "from os import system", "forbidden opcode(s)"},
    {"__import__", "__import__('os')", "forbidden name '__import__'"},
    {"builtins", "__builtins__['open']", "forbidden name '__builtins__'"},
    {"class walk", "().__class__.__bases__[0].__subclasses__()", "forbidden name '__class__'"},
    {"subclasses", "object.__subclasses__()", "forbidden name"},
    {"getattr", "getattr(record, 'env')", "getattr"},
    {"type", "type(record)", "type"},
    {"dir", "dir(record)", "dir"},
    {"vars", "vars(record)", "vars"},
    {"open", "open('/etc/passwd').read()", "open"},
    {"eval", "eval('1')", "eval"},
    {"exec", "exec('x = 1')", "exec"},
    {"compile", "compile('1', 'f', 'eval')", "compile"},
    {"globals", "globals()", "globals"},
    {"locals", "locals()", "locals"},
    {"generator frame", "g = (x for x in [1])\nf = g.gi_frame", "forbidden name 'gi_frame'"},
    {"frame globals", "try:\n    1/0\nexcept Exception as e:\n    t = e.__traceback__",
     "forbidden name '__traceback__'"},
    {"traceback frame", "t = None\nf = t.tb_frame", "forbidden name 'tb_frame'"},
    {"function globals", "f = lambda: 1\ng = f.__globals__", "forbidden name '__globals__'"},
    {"function code", "f = lambda: 1\nc = f.func_code", "forbidden name 'func_code'"},
    {"format walk", "'{0.__class__}'.format(record)", "forbidden format field"},
    {"format item walk", "'{0[env]}'.format({'env': 1})", "forbidden format field"},
    {"format of a variable", "s = '{0.env}'\nx = s.format(record)", "only a literal format string"},
    {"format_map", "'{x}'.format_map({'x': 1})", "forbidden name"},
    {"attribute assignment", "record.name = 'x'", "forbidden opcode(s)"},
    {"attribute deletion", "del record.name", "forbidden opcode(s)"},
    {"module attribute assignment", "datetime.extra = 1", "forbidden opcode(s)"},
    {"raw cursor", "env.cr.execute('DELETE FROM res_partner')", "has no attribute 'cr'"},
    {"private cursor", "env._cr", "forbidden name '_cr'"},
    {"private attribute", "record._write({})", "forbidden name '_write'"},
    {"class definition", "class A:\n    pass", "forbidden opcode(s)"},
    {"with", "with open('x') as f:\n    pass", "forbidden opcode(s)"},
    {"global", "def f():\n    global x\n    x = 1", "forbidden opcode(s)"},
    {"async", "async def f():\n    pass", "async"},
    {"mro", "x = str.mro()", "forbidden name 'mro'"},
    {"exit", "exit()", "exit"},
    {"sandbox internals", "_logger._emit('info', 'x', ())", "forbidden name '_emit'"},
    {"huge string", "x = 'a' * (10 ** 10)", "memory"},
    {"huge list", "x = [0] * (10 ** 9)", "memory"},
    {"huge power", "x = 10 ** 10 ** 10", "integer too large"},
    {"allocation loop", "x = []\nwhile True:\n    x.append('y' * 1000)", "memory"},
    {"endless loop", "while True:\n    pass", "time limit"},
    {"endless loop swallowing errors",
     "while True:\n    try:\n        pass\n    except:\n        pass", "time limit"},
    {"sleep", "time.sleep(100)", "time limit"},
    {"recursion bomb", "def f(n):\n    return f(n + 1)\nf(0)", "RecursionError"},
};

class HostileTest : public SandboxTest, public ::testing::WithParamInterface<Attempt> {
 protected:
  // The allocation loop must reach the memory budget before the time limit.
  HostileTest() { allow_for_slowdown(); }
};

TEST_P(HostileTest, IsRefusedClearlyAndChangesNothing) {
  const Attempt& a = GetParam();
  Env e = env();
  orm::RecordSet p = e["res.partner"].create(Json{{"name", "Target"}});
  std::int64_t before = e["res.partner"].search_count(Domain());
  Context ctx = partner_context(e, p.ids());
  try {
    exec(a.code, ctx);
    ADD_FAILURE() << a.what << ": was not refused";
  } catch (const common::Error& err) {
    EXPECT_NE(std::string(err.what()).find(a.message), std::string::npos)
        << a.what << ": " << err.what();
    EXPECT_TRUE(err.kind() == common::ErrorKind::kValue || err.kind() == common::ErrorKind::kUser)
        << a.what << ": kind " << static_cast<int>(err.kind());
  }
  EXPECT_EQ(e["res.partner"].search_count(Domain()), before) << a.what;
  EXPECT_EQ(p.read({"name"})[0]["name"], "Target") << a.what;
  // The interpreter is still fine.
  EXPECT_EQ(eval("record.name + '!'", ctx), "Target!") << a.what;
}

INSTANTIATE_TEST_SUITE_P(Attempts, HostileTest, ::testing::ValuesIn(kAttempts), attempt_name);

}  // namespace
}  // namespace autorules::script::test
