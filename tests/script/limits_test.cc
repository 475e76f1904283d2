// The sandbox's bounds on work and size: integer arithmetic the time limit cannot interrupt,
// log() and _logger volume, error messages quoting what user code made, rendered templates, and
// values nested too deep or containing themselves. Each case ends with a clear error, changes
// nothing, and leaves the interpreter fine for the next evaluation.
#include <chrono>
#include <cstdint>
#include <memory>
#include <sstream>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "common/errors.h"
#include "orm/logging.h"
#include "script_fixture.h"

namespace autorules::script::test {
namespace {

using orm::Env;
using orm::RecordSet;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// --- Integer work that CPython does in C, where the time limit cannot stop it -------------

const Attempt kBigIntegers[] = {
    {"power then floor division", "x = 7 ** (2 * 10**6) // 7 ** (10**6)", "integer too large"},
    {"power", "x = 10 ** 20000", "more than 10,000 digits"},
    {"power of a variable", "n = 10**6\nx = 3 ** n", "integer too large"},
    {"left shift", "x = 1 << 40000", "integer too large"},
    {"repeated squaring", "x = 3\nfor i in range(30):\n    x = x * x", "integer too large"},
    {"augmented power", "x = 7\nx **= 100000", "integer too large"},
    {"augmented multiplication", "x = 10 ** 9000\nx *= x", "integer too large"},
    {"augmented shift", "x = 1\nx <<= 10**9", "integer too large"},
    {"augmented item", "d = {'a': 7}\nd['a'] **= 100000", "integer too large"},
    {"augmented list item", "l = [10 ** 9000]\nl[0] *= l[0]", "integer too large"},
    {"in a lambda", "f = lambda a: a ** a\nx = f(10**5)", "integer too large"},
    {"in a function", "def f(n):\n    return n ** n\nx = f(99999)", "integer too large"},
    {"in a comprehension", "x = [i ** 50000 for i in range(2, 5)]", "integer too large"},
    {"in a generator", "x = list(i << 50000 for i in range(2, 5))", "integer too large"},
    {"in reduce", "x = reduce(lambda a, b: a * b, [10 ** 9000] * 10)", "integer too large"},
    {"floor division of a cheap big int", "x = int.from_bytes(b'\\xff' * 10**6, 'big') // 3",
     "an operand of //"},
    {"modulo of a cheap big int", "x = int.from_bytes(b'\\xff' * 10**6, 'big') % 7",
     "an operand of %"},
    {"augmented modulo", "x = int.from_bytes(b'\\xff' * 10**6, 'big')\nx %= 7", "an operand of %"},
    {"divmod", "x = divmod(int.from_bytes(b'\\xff' * 10**6, 'big'), 7)", "an argument of divmod()"},
    {"round to tens", "x = round(int.from_bytes(b'\\xff' * 10**6, 'big'), -5)",
     "the integer given to round()"},
    {"range of cheap big ints",
     "x = range(0, int.from_bytes(b'\\xff' * 10**6, 'big'), int.from_bytes(b'\\xff' * 5 * 10**5, "
     "'big'))",
     "an argument of range()"},
    {"float_compare's precision", "x = float_compare(1, 2, precision_digits=-10**8)",
     "integer too large"},
    {"int from text, then power", "x = int('9' * 4000) ** 10", "integer too large"},
};

class BigIntegerTest : public SandboxTest, public ::testing::WithParamInterface<Attempt> {};

TEST_P(BigIntegerTest, IsRefusedAtOnceWithAClearError) {
  const Attempt& a = GetParam();
  Env e = env();
  RecordSet p = e["res.partner"].create(Json{{"name", "Target"}});
  Context ctx = partner_context(e, p.ids());
  Clock::time_point start = Clock::now();
  EXPECT_THROW_MSG(exec(std::string(a.code) + "\nrecord.write({'name': 'Changed'})", ctx),
                   common::ValueError, a.message);
  // Refused before computing (the unguarded operations take seconds to minutes, with the GIL
  // held, far past the 0.5 s limit).
  EXPECT_LT(seconds_since(start), 1.0) << a.what;
  EXPECT_EQ(p.read({"name"})[0]["name"], "Target") << a.what;
  EXPECT_EQ(eval("record.name + '!'", ctx), "Target!") << a.what;
}

INSTANTIATE_TEST_SUITE_P(Attempts, BigIntegerTest, ::testing::ValuesIn(kBigIntegers), attempt_name);

TEST_F(SandboxTest, OrdinaryArithmeticIsUnchanged) {
  Env e = env();
  Context ctx(e);
  EXPECT_EQ(eval("3 * 4 + 7 // 2 - 7 % 3 + 2 ** 10 + (1 << 4)", ctx), 12 + 3 - 1 + 1024 + 16);
  EXPECT_EQ(eval("'ab' * 3 + '-' * 2", ctx), "ababab--");
  EXPECT_EQ(eval("'%s-%d' % ('a', 5)", ctx), "a-5");
  EXPECT_EQ(eval("[0] * 3", ctx), Json::array({0, 0, 0}));
  EXPECT_EQ(eval("2 ** -2", ctx), 0.25);
  EXPECT_EQ(eval("7.5 // 2", ctx), 3.0);
  EXPECT_EQ(eval("-7 % 3", ctx), 2);
  EXPECT_EQ(eval("(-1) ** (10 ** 30 + 1)", ctx), -1);
  EXPECT_EQ(eval("1 ** (10 ** 30) + 0 ** (10 ** 30)", ctx), 1);
  EXPECT_EQ(eval("(10 ** 9999).bit_length()", ctx), 33216);  // 10,000 digits: allowed
  EXPECT_EQ(eval("((1 << 33000) * 7).bit_length()", ctx), 33003);
  EXPECT_EQ(eval("divmod(7, 2)", ctx), Json::array({3, 1}));
  EXPECT_EQ(eval("round(1234, -2)", ctx), 1200);
  EXPECT_EQ(eval("round(1234, ndigits=-2)", ctx), 1200);
  EXPECT_EQ(eval("round(5, -20000)", ctx), 0);
  EXPECT_EQ(eval("round(2.5)", ctx), 2);
  EXPECT_EQ(eval("round(1.2345, 2)", ctx), 1.23);
  EXPECT_EQ(eval("list(range(3)) + list(xrange(1, 7, 2))", ctx), Json::array({0, 1, 2, 1, 3, 5}));
  EXPECT_EQ(eval("range(10 ** 9999)[-1] % 7 == (10 ** 9999 - 1) % 7", ctx), true);
  EXPECT_EQ(eval("sum([1, 2, 3])", ctx), 6);
  EXPECT_EQ(eval("sum(range(5), 10)", ctx), 20);
  EXPECT_EQ(eval("sum(range(5), start=10)", ctx), 20);
  EXPECT_EQ(eval("sum([[1], [2]], [])", ctx), Json::array({1, 2}));
  EXPECT_EQ(eval("sum(x * 2 for x in range(4))", ctx), 12);
  EXPECT_EQ(eval("sum([0.5] * 4)", ctx), 2.0);
  EXPECT_THROW_MSG(eval("sum(['a'], '')", ctx), common::ValueError, "can't sum strings");
  EXPECT_THROW_MSG(eval("sum()", ctx), common::ValueError, "sum");
  EXPECT_EQ(eval("str(datetime.timedelta(days=1) * 3)", ctx), "3 days, 0:00:00");
  EXPECT_EQ(eval("str(datetime.timedelta(days=3) // 2)", ctx), "1 day, 12:00:00");
  // Augmented assignments keep working in place on lists and items.
  EXPECT_EQ(exec("x = [1]\ny = x\nx *= 2\naction = y", ctx), Json::array({1, 1}));
  EXPECT_EQ(exec("d = {'a': 2}\nd['a'] **= 3\nd['a'] %= 5\naction = d", ctx), (Json{{"a", 3}}));
  EXPECT_EQ(exec("n = 3\nn //= 2\nn <<= 3\naction = n", ctx), 8);
  EXPECT_EQ(exec("def f(a, b):\n    return a * b % 7\naction = [f(i, 3) for i in range(4)]", ctx),
            Json::array({0, 3, 6, 2}));
  EXPECT_THROW_MSG(eval("1 // 0", ctx), common::ValueError, "ZeroDivisionError");
  EXPECT_THROW_MSG(eval("1 << -1", ctx), common::ValueError, "negative shift count");
  EXPECT_THROW_MSG(eval("[1] * 'a'", ctx), common::ValueError, "can't multiply sequence");
}

TEST_F(SandboxTest, TheGuardsCannotBeNamedOrShadowed) {
  Env e = env();
  Context ctx(e);
  for (const char* code : {"x = __guard_mul__(2, 3)", "__guard_mul__ = lambda a, b: 0",
                           "f = lambda __guard_pow__: 2 ** 3", "x = record.__guard_mod__",
                           "def __guard_imul__(a, b):\n    return 1"}) {
    SCOPED_TRACE(code);
    EXPECT_THROW_MSG(exec(code, ctx), common::ValueError, "forbidden name");
  }
}

TEST_F(SandboxTest, CompilerErrorsKeepOdoosMessageAfterTheRewrite) {
  EXPECT_EQ(check("return 1", Mode::kExec),
            "SyntaxError : 'return' outside function at line 1\nreturn 1\n");
  EXPECT_EQ(check("x = 2 *", Mode::kExec), "SyntaxError : invalid syntax at line 1\nx = 2 *\n");
  EXPECT_FALSE(check("x = 2 ** 3 % 5\ny = [i * 2 for i in range(3)]", Mode::kExec));
}

TEST_F(SandboxTest, LongChainsOfOperatorsStillCompile) {
  Env e = env();
  Context ctx(e);
  std::string sum = "x = 1";
  std::string product = "x = 1";
  for (int i = 0; i < 1000; ++i) {
    sum += " + 1";
    product += " * 1";
  }
  EXPECT_EQ(exec(sum + "\naction = x", ctx), 1001);
  EXPECT_EQ(exec(product + "\naction = x", ctx), 1);
}

TEST_F(SandboxTest, SumIsStoppedByTheTimeLimit) {
  Env e = env();
  Context ctx(e);
  // sum() is a C loop: 4 million max() of 200 items takes 5 s and allocates nothing.
  Clock::time_point start = Clock::now();
  EXPECT_THROW_MSG(exec("row = list(range(200))\nx = sum(map(max, [row] * 4000000))", ctx),
                   common::ValueError, "time limit");
  EXPECT_LT(seconds_since(start), 2.5);  // unchecked, the sum takes 4 s or more
  EXPECT_EQ(eval("sum([1, 2])", ctx), 3);
}

// --- Hashing and comparing, which CPython does in C ---------------------------------------
// The watchdog's timeout is only seen between bytecodes; these C loops check the deadline
// themselves (internal/deadline.h) and end with the same error.

// Builds `name` as a tuple of a tuple of ... 40 levels, each level the previous one twice: cheap
// to make, 2**40 leaves to walk.
std::string shared(const std::string& name, const char* open, const char* close) {
  return name + " = " + open + "1," + close + "\nfor i in range(40):\n    " + name + " = " + open +
         name + ", " + name + close + "\n";
}

const std::string kTuple = shared("t", "(", ")");
const std::string kTwoTuples = kTuple + shared("u", "(", ")");

const Attempt kLongCWork[] = {
    {"set of a shared tuple", "x = {t}"},
    {"dict key", "x = t in {1: 2}"},
    {"dict item", "d = {}\nd[t] = 1"},
    {"dict display", "x = {t: 1}"},
    {"equal shared tuples", "x = t == u"},
    {"ordered shared tuples", "x = t < u"},
    {"sorted shared tuples", "x = sorted([t, u])"},
    {"max of shared tuples", "x = max([t, u])"},
    {"shared tuple in a list", "x = t in [u]"},
    {"index of a shared tuple", "x = [u].index(t)"},
    {"count of a shared tuple", "x = [u, u].count(t)"},
    {"swallowed and tried again",
     "for i in range(3):\n    try:\n        x = {t}\n    except:\n        pass\n"
     "x = {t}"},
    {"ints of equal hash in set()", "l = [(2**61 - 1) * i for i in range(1, 20001)]\nx = set(l)"},
    {"ints of equal hash in a set display",
     "l = [(2**61 - 1) * i for i in range(1, 20001)]\nx = {*l}"},
    {"ints of equal hash in dict.fromkeys",
     "l = [(2**61 - 1) * i for i in range(1, 20001)]\nx = dict.fromkeys(l)"},
    // Without collisions these would end at once: the test also shows that the keys collide.
    {"tuples of equal hash in set()", "x = set(map(tuple, payload))"},
    {"big ints hashed again and again",
     "b = int.from_bytes(b'\\x01' * 10**6, 'big')\nx = set([b, b + 0] * 500000)"},
    {"map of a C function over a shared value", "x = any(map(any, [[0] * 10**5] * 10**5))"},
    {"filter with a C function", "x = any(filter(any, [[0] * 10**4] * 10**5))"},
    {"max with a C key", "x = max([[0] * 10**4] * 10**5, key=any)"},
    {"min with a C key", "x = min([[0] * 10**4] * 10**5, key=any)"},
    {"sorted with a C key", "x = sorted([[0] * 10**4] * 10**5, key=any)"},
    {"list.sort with a C key", "l = [[0] * 10**4] * 10**5\nl.sort(key=any, reverse=True)"},
    {"reduce over shared lists", "x = reduce(max, [[0] * 10**4] * 10**5)"},
    {"json hook", "s = 'a' * 10**7\nx = json.loads('[' + '1,' * 10**5 + '1]', parse_int=s.count)"},
    {"sorted long texts", "s = 'a' * 10**7\nt = s[:-1] + 'a'\nx = sorted([s, t] * 10**4)"},
    {"sorted by long texts",
     "s = 'a' * 10**7\nt = s[:-1] + 'a'\nx = sorted(range(2 * 10**4), key=lambda i: (s, t)[i % "
     "2])"},
    {"shared long texts compared", "s = 'a' * 10**6\nx = (s[:-1] + 'b') in [s] * 10**6"},
    {"shared big recordset hashed",
     "r = env['res.partner'].browse(list(range(1, 10**5)))\nx = {(r,) * 10**5}"},
    {"shared big recordset compared",
     "r = env['res.partner'].browse(list(range(1, 10**5)))\nx = r[:-1] in [r] * 10**5"},
};

// Pairs (a, b) of ints whose tuples all have one hash in CPython 3.11 (its tuple hash is
// xxHash's round on the items' hashes, and an int's hash is itself below 2**61 - 1: b is solved
// for each a). Built here, for speed, and handed to the code as `payload`.
Json tuples_of_equal_hash(int count) {
  constexpr std::uint64_t kP1 = 11400714785074694791ULL;
  constexpr std::uint64_t kP2 = 14029467366897019727ULL;
  constexpr std::uint64_t kP5 = 2870177450012600261ULL;
  constexpr std::int64_t kModulus = (std::int64_t{1} << 61) - 1;
  auto rotl = [](std::uint64_t x) { return (x << 31) | (x >> 33); };
  auto rotr = [](std::uint64_t x) { return (x >> 31) | (x << 33); };
  auto inverse = [](std::uint64_t odd) {  // modulo 2**64, by Newton's iteration
    std::uint64_t x = odd;
    for (int i = 0; i < 6; ++i)
      x *= 2 - odd * x;
    return x;
  };
  // The state after both items, the same for every pair.
  const std::uint64_t before_rotation = rotr(12345 * inverse(kP1));
  Json pairs = Json::array();
  for (std::uint64_t a = 1; static_cast<int>(pairs.size()) < count; ++a) {
    std::uint64_t after_a = rotl(kP5 + a * kP2) * kP1;
    auto b = static_cast<std::int64_t>((before_rotation - after_a) * inverse(kP2));
    if (b > -kModulus && b < kModulus && b != -1)
      pairs.push_back(Json::array({a, b}));
  }
  return pairs;
}

class LongCWorkTest : public SandboxTest, public ::testing::WithParamInterface<Attempt> {};

TEST_P(LongCWorkTest, IsStoppedByTheTimeLimit) {
  const Attempt& a = GetParam();
  Env e = env();
  RecordSet p = e["res.partner"].create(Json{{"name", "Target"}});
  Context ctx = partner_context(e, p.ids());
  ctx.values["payload"] = tuples_of_equal_hash(20000);
  // Each takes minutes to ages unchecked, holding the GIL; the limit is 0.5 s.
  EXPECT_THROW_MSG(exec(kTwoTuples + a.code + "\nrecord.write({'name': 'Changed'})", ctx),
                   common::ValueError, "ran longer than the time limit");
  EXPECT_EQ(p.read({"name"})[0]["name"], "Target") << a.what;
  // The next evaluation runs as usual, hashing and comparing included.
  EXPECT_EQ(eval("len({(1, (2, 3)), (1, (2, 3)), record.name}) + ([[1]] == [[1]])", ctx), 3)
      << a.what;
}

INSTANTIATE_TEST_SUITE_P(Attempts, LongCWorkTest, ::testing::ValuesIn(kLongCWork), attempt_name);

TEST_F(SandboxTest, OrdinaryHashingAndComparingAreUnchanged) {
  allow_for_slowdown();  // it sorts texts of 1 MiB
  Env e = env();
  RecordSet p = e["res.partner"].create(Json{{"name", "Ann"}});
  Context ctx = partner_context(e, p.ids());
  EXPECT_EQ(eval("{(1, 2): 'a', (3, (4, 'x')): 'b'}[(3, (4, 'x'))]", ctx), "b");
  EXPECT_EQ(
      eval("len({(i, str(i)) for i in range(100)} | {(i, str(i)) for i in range(50, 150)})", ctx),
      150);
  EXPECT_EQ(eval("sorted([(2, 'b'), (1, 'z'), (2, 'a'), (1, 'y', 0)])", ctx),
            Json::parse(R"([[1, "y", 0], [1, "z"], [2, "a"], [2, "b"]])"));
  EXPECT_EQ(eval("sorted(['b', 'a', 'c'], key=str.upper, reverse=True)", ctx),
            Json::array({"c", "b", "a"}));
  EXPECT_EQ(eval("[[1, [2, 3]], {'a': (1,)}] == [[1, [2, 3]], {'a': (1,)}]", ctx), true);
  EXPECT_EQ(eval("[1, [2, 3]] < [1, [2, 4]]", ctx), true);
  EXPECT_EQ(eval("{'a': [1, {2}]} != {'a': [1, {3}]}", ctx), true);
  EXPECT_EQ(eval("({1, 2} < {1, 2, 3}, {1, 2} == {2, 1}, {'a': 1}.keys() == {'a'})", ctx),
            Json::array({true, true, true}));
  EXPECT_EQ(eval("{'a': 1}.items() == {('a', 1)}", ctx), true);
  EXPECT_EQ(eval("len(set([(2**61 - 1) * i for i in range(1, 200)]))", ctx), 199);
  EXPECT_EQ(eval("({1: 'a'}[1.0], 1 == 1.0, 2j == 2j, 'abc' < 'abd', b'a' < b'b')", ctx),
            Json::array({"a", true, true, true, true}));
  EXPECT_EQ(eval("(10**30 + 1 > 10**30, {10**30: 'big'}[10**30 + 0], max([3, 1, 2]))", ctx),
            Json::array({true, "big", 3}));
  EXPECT_EQ(eval("list(map(str, [1, 2])) + list(filter(None, ['', 'x']))", ctx),
            Json::array({"1", "2", "x"}));
  // The builtins that call a function per item, and sorting.
  EXPECT_EQ(eval("[min([3, -1, 2], key=abs), max('ab', 'c', key=len), max([], default=7), "
                 "min(4, 2, 3), max(key=len, *['a', 'bcd'])]",
                 ctx),
            Json::parse(R"([-1, "ab", 7, 2, "bcd"])"));
  EXPECT_EQ(eval("list(filter(str.isdigit, ['1', 'a', '22'])) + list(filter(lambda x: x > 1, [1, "
                 "2])) + list(filter(bool, [0, 3]))",
                 ctx),
            Json::parse(R"(["1", "22", 2, 3])"));
  EXPECT_EQ(eval("[reduce(lambda a, b: a + b, [1, 2, 3], 10), reduce(max, [3, 9, 2])]", ctx),
            Json::array({16, 9}));
  EXPECT_EQ(eval("[json.loads('[1, 2.5, {\\\"a\\\": 1}]', parse_int=str, parse_float=str, "
                 "object_hook=len), json.loads('{}', object_pairs_hook=lambda p: 'pairs'), "
                 "json.dumps({1, 2} and [{1}], default=len)]",
                 ctx),
            Json::parse(R"([["1", "2.5", 1], "pairs", "[1]"])"));
  EXPECT_EQ(exec("l = [3, 1, 2]\nl.sort(reverse=True)\nm = ['b', 'C', 'a']\nm.sort(key=str.lower)\n"
                 "action = [l, m, sorted(m, reverse=True, key=len), sorted([])]",
                 ctx),
            Json::parse(R"([[3, 2, 1], ["a", "b", "C"], ["a", "b", "C"], []])"));
  EXPECT_THROW_MSG(eval("sorted([1, 'a'])", ctx), common::ValueError, "not supported");
  EXPECT_THROW_MSG(eval("[1].sort(1)", ctx), common::ValueError, "positional");
  // Texts adding up to more than 2**26 characters sort the same (their comparisons go through the
  // checked slot).
  EXPECT_EQ(exec("s = 'a' * 2**20\nl = [s + 'c', s + 'a', s + 'b'] * 30\n"
                 "action = [[x[-1] for x in sorted(l)] == ['a'] * 30 + ['b'] * 30 + ['c'] * 30,\n"
                 "          [x[-1] for x in sorted(l, reverse=True)][::30],\n"
                 "          sorted(range(90), key=lambda i: l[i])[:4]]",
                 ctx),
            Json::parse(R"([true, ["c", "b", "a"], [1, 4, 7, 10]])"));
  // Shared values that are not too big hash and compare as before.
  EXPECT_EQ(exec("t = (1,)\nu = (1,)\nfor i in range(12):\n    t = (t, t)\n    u = (u, u)\n"
                 "action = [len({t, u}), t == u, t in {u: 1}]",
                 ctx),
            Json::array({1, true, true}));
  EXPECT_EQ(eval("record in (record | record) and len({record, record + record[:0]}) == 1", ctx),
            true);
  // A long evaluation that hashes a lot still runs to its end.
  EXPECT_EQ(exec("d = {(i, str(i)): i for i in range(1000)}\nn = 0\nfor r in range(20):\n    for k "
                 "in list(d):\n        n += d[(k[0], k[1])]\naction = n",
                 ctx),
            20 * 999 * 1000 / 2);
}

// --- log() and _logger --------------------------------------------------------------------

Json log_rows(orm::Runtime& runtime, const std::string& func) {
  Env e = Env::begin(runtime, orm::kSuperuserId, store::Access::kRead).sudo();
  orm::SearchOptions by_id;
  by_id.order = "id";
  return e["ir.logging"].search_read(Domain::term("func", domain::Op::kEq, func),
                                     {"message", "level"}, by_id);
}

TEST_F(SandboxTest, LogMessagesAreCutAtTheRowsCap) {
  allow_for_slowdown();  // it builds 10 MiB of log text and a list of 20,000 texts
  {
    Env e = env();
    Context ctx(e);
    ctx.log_func = "big log";
    exec("log('x' * (10 * 2**20))\nlog(['y' * 100] * 20000, level='warning')", ctx);
  }
  Json rows = log_rows(*runtime_, "big log");
  ASSERT_EQ(rows.size(), 2u);
  for (const Json& row : rows) {
    const std::string& message = row["message"].get_ref<const std::string&>();
    EXPECT_LE(message.size(), orm::kMaxLogMessageBytes);
    EXPECT_NE(message.find("(truncated, "), std::string::npos);
  }
  EXPECT_NE(rows[0]["message"].get<std::string>().find("10485760 characters"), std::string::npos);
  EXPECT_EQ(rows[1]["level"], "WARNING");
}

TEST_F(SandboxTest, LogRowsOfOneTransactionAreCapped) {
  {
    Env e = env();
    Context ctx(e);
    ctx.log_func = "chatty";
    exec("for i in range(1500):\n    log('line %d' % i)", ctx);
    EXPECT_THROW(exec("for i in range(10):\n    log('more')\nraise UserError('no')", ctx),
                 common::UserError);
  }
  Json rows = log_rows(*runtime_, "chatty");
  EXPECT_EQ(rows.size(), orm::kMaxLogRowsPerTransaction);
  Env e = Env::begin(*runtime_, orm::kSuperuserId, store::Access::kRead).sudo();
  Json dropped = e["ir.logging"].search_read(
      Domain::term("message", domain::Op::kIlike, "log rows of the same transaction were dropped"),
      {"message"});
  ASSERT_EQ(dropped.size(), 1u);
  EXPECT_NE(dropped[0]["message"].get<std::string>().find("510 more"), std::string::npos);
}

TEST_F(SandboxTest, EveryLogRowIsCappedWhateverWritesIt) {
  std::string accents;
  for (int i = 0; i < 500000; ++i)
    accents += "\u00e9";
  {
    Env e = env();
    orm::log_after_end(e, {"test", "ERROR", std::string(1u << 20, 'z') + "!", "here", "cpp"});
    orm::log_after_end(e, {"test", "ERROR", accents, "here", "cpp"});
  }
  Json rows = log_rows(*runtime_, "cpp");
  ASSERT_EQ(rows.size(), 2u);
  for (const Json& row : rows) {
    const std::string& message = row["message"].get_ref<const std::string&>();
    EXPECT_LE(message.size(), orm::kMaxLogMessageBytes);
    std::size_t marker = message.find("\u2026 (truncated, ");
    ASSERT_NE(marker, std::string::npos);
    if (message[0] == 'z') {
      EXPECT_NE(message.find("(truncated, 1048577 bytes)"), std::string::npos);
    } else {
      EXPECT_EQ(marker % 2, 0u);  // a cut never splits a character
      EXPECT_NE(message.find("(truncated, 1000000 bytes)"), std::string::npos);
    }
  }
  EXPECT_EQ(orm::cut_text("ab\u00e9\u00e9", 32, "4 characters"),
            "ab\u2026 (truncated, 4 characters)");
}

TEST_F(SandboxTest, LoggerLinesAreCutAndCounted) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
  {
    Env e = env();
    Context ctx(e);
    exec("for i in range(1100):\n    _logger.info('%s', 'x' * (100000 if i < 3 else 10))", ctx);
  }
  spdlog::set_default_logger(previous);
  std::string text = out.str();
  std::size_t lines = 0, longest = 0, start = 0;
  for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
    ++lines;
    longest = std::max(longest, end - start);
  }
  EXPECT_EQ(lines, 1001u);  // 1,000 lines and the one saying the rest are dropped
  EXPECT_GT(longest, 8192u);
  EXPECT_LT(longest, 8192u + 200u);
  EXPECT_NE(text.find("(truncated, 100000 characters)"), std::string::npos);
  EXPECT_NE(text.find("the rest are dropped"), std::string::npos);
}

// --- Messages quoting what user code made ---------------------------------------------------

const Attempt kLoudErrors[] = {
    {"long exception text", "raise ValueError('x' * 10**7)", "(truncated, 10000000 characters)"},
    {"long user error", "raise UserError('x' * 10**7)", "(truncated, 10000000 characters)"},
    {"several long arguments", "raise ValueError('a' * 10**6, 'b' * 10**6)", "truncated"},
    {"nested arguments", "raise KeyError([['y' * 1000] * 1000] * 1000)", "KeyError"},
    {"huge list argument", "raise ValueError(list(range(10**5)))", "ValueError([0, 1, 2"},
    {"huge int argument", "raise ValueError(int.from_bytes(b'\\xff' * 10**5, 'big'))",
     "an integer of 800000 bits"},
    {"lone surrogate", "raise ValueError('\\ud800' * 10**6)", "truncated"},
    {"long field name", "x = record['x' * 10**6]", "no attribute"},
    {"long dotted path", "x = record.mapped('y' * 10**6)", "no attribute"},
    {"error raised by an ORM call", "record.write({'x_unknown_' + 'z' * 10**6: 1})", "x_unknown_"},
};

class LoudErrorTest : public SandboxTest, public ::testing::WithParamInterface<Attempt> {};

TEST_P(LoudErrorTest, GivesABoundedMessage) {
  const Attempt& a = GetParam();
  Env e = env();
  RecordSet p = e["res.partner"].create(Json{{"name", "Target"}});
  Context ctx = partner_context(e, p.ids());
  try {
    exec(a.code, ctx);
    ADD_FAILURE() << a.what << ": no error";
  } catch (const common::Error& err) {
    std::string message = err.what();
    EXPECT_LT(message.size(), 20000u) << a.what;
    EXPECT_NE(message.find(a.message), std::string::npos) << a.what << ": " << message;
  }
  EXPECT_EQ(eval("record.name + '!'", ctx), "Target!") << a.what;
}

INSTANTIATE_TEST_SUITE_P(Attempts, LoudErrorTest, ::testing::ValuesIn(kLoudErrors), attempt_name);

TEST_F(SandboxTest, CodeLongerThanTheLimitIsRefusedBeforeCompiling) {
  Env e = env();
  Context ctx(e);
  std::string lines;
  while (lines.size() <= (256u << 10))
    lines += "x = a * b + 1\n";
  std::optional<std::string> saved = check(lines, Mode::kExec);
  ASSERT_TRUE(saved);
  EXPECT_NE(saved->find("longer than the limit of 256 KiB"), std::string::npos);
  EXPECT_THROW_MSG(exec(lines, ctx), common::ValueError, "longer than the limit of 256 KiB");
  // Just under it compiles.
  std::string fine = "a = b = 1\n" + lines.substr(0, (250u << 10) / 14 * 14);
  EXPECT_EQ(exec(fine + "action = x", ctx), 2);
}

TEST_F(SandboxTest, LongSourcesAreQuotedInPart) {
  Env e = env();
  Context ctx(e);
  std::string padding = "# " + std::string(200u << 10, 'p') + "\n";
  for (const std::string& code :
       {padding + "x = 1 / 0", padding + "import os", padding + "x = ().__class__",
        padding + "x = = 1", "x = '" + std::string(200u << 10, 'q') + "' + 1",
        padding + "while True:\n    pass"}) {
    try {
      exec(code, ctx);
      ADD_FAILURE() << "no error";
    } catch (const common::Error& err) {
      EXPECT_LT(std::string(err.what()).size(), 20000u) << std::string(err.what()).substr(0, 300);
    }
  }
  std::optional<std::string> saved =
      check(padding + "x = = 1\n" + std::string(50u << 10, 'r'), Mode::kExec);
  ASSERT_TRUE(saved);
  EXPECT_LT(saved->size(), 20000u);
}

TEST_F(SandboxTest, RenderedTemplatesAreBounded) {
  Env e = env();
  RecordSet p = e["res.partner"].create(Json{{"name", "Ann"}});
  EXPECT_THROW_MSG(render_template("{{ 'x' * 2000000 }}", p), common::ValueError,
                   "larger than the limit of 1 MiB");
  EXPECT_THROW_MSG(render_template("{{ 'x' * 700000 }}{{ 'y' * 700000 }}", p), common::ValueError,
                   "larger than the limit of 1 MiB");
  // str() of a value far larger than its objects: stopped by the memory budget, or the cap.
  EXPECT_THROW(render_template("{{ [['y' * 1000] * 1000] * 1000 }}", p), common::ValueError);
  EXPECT_EQ(render_template("Hello {{ object.name }}", p), "Hello Ann");
}

// --- Values nested too deep or containing themselves ---------------------------------------

const Attempt kTangledValues[] = {
    {"cyclic action", "a = []\na.append(a)\naction = a", "contains itself"},
    {"cyclic dict action", "d = {}\nd['me'] = d\naction = d", "contains itself"},
    {"cycle through a tuple", "a = []\na.append((1, a))\naction = {'x': a}", "contains itself"},
    {"deep action", "a = []\nfor i in range(300):\n    a = [a]\naction = a",
     "nested more than 256 levels"},
    {"deep dict action", "d = {}\nfor i in range(300):\n    d = {'d': d}\naction = d",
     "nested more than 256 levels"},
    {"cyclic field value", "a = []\na.append(a)\nrecord.write({'name': a})", "contains itself"},
    {"cyclic item assignment", "a = []\na.append(a)\nrecord['name'] = a", "contains itself"},
    {"cyclic create", "a = {}\na['name'] = a\nenv['res.partner'].create(a)", "contains itself"},
    {"cyclic context", "a = []\na.append(a)\nrecords.with_context(x=a)", "contains itself"},
    {"cyclic domain", "a = []\na.append(a)\nenv['res.partner'].search([('id', 'in', a)])",
     "contains itself"},
    {"deep domain", "a = 1\nfor i in range(300):\n    a = [a]\nenv['res.partner'].search(a)",
     "nested more than 256 levels"},
    {"int key too long for text", "action = {10 ** 5000: 1}", "Exceeds the limit"},
    {"shared value blown up", "a = ['x' * 10000]\nfor i in range(40):\n    a = [a, a]\naction = a",
     "larger than 64 MiB"},
};

class TangledValueTest : public SandboxTest, public ::testing::WithParamInterface<Attempt> {};

TEST_P(TangledValueTest, IsRefusedWithAClearError) {
  const Attempt& a = GetParam();
  Env e = env();
  RecordSet p = e["res.partner"].create(Json{{"name", "Target"}});
  std::int64_t before = e["res.partner"].search_count(Domain());
  Context ctx = partner_context(e, p.ids());
  EXPECT_THROW_MSG(exec(a.code, ctx), common::ValueError, a.message);
  EXPECT_EQ(e["res.partner"].search_count(Domain()), before) << a.what;
  EXPECT_EQ(p.read({"name"})[0]["name"], "Target") << a.what;
  EXPECT_EQ(eval("record.name + '!'", ctx), "Target!") << a.what;
}

INSTANTIATE_TEST_SUITE_P(Attempts, TangledValueTest, ::testing::ValuesIn(kTangledValues),
                         attempt_name);

TEST_F(SandboxTest, DeepValuesGivenToCodeAreRefused) {
  Env e = env();
  Context ctx(e);
  Json deep = 1;
  for (int i = 0; i < 300; ++i)
    deep = Json::array({deep});
  ctx.values["payload"] = deep;
  EXPECT_THROW_MSG(exec("x = payload", ctx), common::ValueError, "nested more than 256 levels");
  Json fine = 1;
  for (int i = 0; i < 200; ++i)
    fine = Json::array({fine});
  ctx.values["payload"] = fine;
  EXPECT_EQ(exec("action = payload", ctx), fine);
}

TEST_F(SandboxTest, SharedButAcyclicValuesAreFine) {
  Env e = env();
  Context ctx(e);
  EXPECT_EQ(exec("a = [1]\naction = [a, a, {'x': a}]", ctx),
            Json::array({Json::array({1}), Json::array({1}), Json{{"x", Json::array({1})}}}));
}

TEST_F(SandboxTest, RecordsetsGrownWithoutBoundHitTheMemoryBudget) {
  // Making millions of ids takes time: a time limit that cannot hit first.
  Options slow;
  slow.timeout_seconds = 30;
  slow.memory_budget = 64u << 20;
  install(*runtime_, slow);
  Env e = env();
  Context ctx = partner_context(e);
  // 24 MB of Python list, 24 MB of ids, then 48 MB more: past the 64 MiB budget, though the ids
  // live in C++.
  EXPECT_THROW_MSG(exec("l = [1] * (3 * 10**6)\nr = env['res.partner'].browse(l)\nr = r + r", ctx),
                   common::ValueError, "memory");
  EXPECT_THROW_MSG(exec("l = [1] * (3 * 10**6)\nr = env['res.partner'].browse(l)\nr = r | r", ctx),
                   common::ValueError, "memory");
  EXPECT_EQ(eval("len(env['res.partner'].browse([1, 2]) + env['res.partner'].browse([3]))", ctx),
            3);
}

}  // namespace
}  // namespace autorules::script::test
