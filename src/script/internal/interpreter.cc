#include "script/internal/interpreter.h"

#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <thread>
#include <unordered_map>

#include <Python.h>
#include <fmt/format.h>
#include <pybind11/embed.h>

#include "common/errors.h"
#include "common/mutex.h"
#include "sandbox_py.h"  // kSandboxPy, generated from internal/sandbox.py
#include "script/internal/arith.h"
#include "script/internal/deadline.h"
#include "template_py.h"  // kTemplatePy, generated from internal/template.py

#if defined(__has_feature)
#define AUTORULES_HAS_FEATURE(x) __has_feature(x)
#else
#define AUTORULES_HAS_FEATURE(x) 0
#endif

namespace autorules::script::internal {

namespace {

common::Mutex g_start_mutex;  // held while the interpreter starts
std::atomic<bool> g_started{false};
std::atomic<double> g_timeout{5.0};
std::atomic<std::size_t> g_budget{512u << 20};
py::module_* g_sandbox = nullptr;  // created once, never freed (the interpreter lives on)

// --- The allocation budget ---------------------------------------------------------------
// Wrappers around CPython's MEM and OBJ allocators count the bytes an evaluation allocates (in
// total, not live: this also stops C loops that allocate as they go) and refuse past the
// budget, which Python reports as MemoryError. A little slack past the budget lets the error
// itself be raised and handled. They delegate to the previous allocators, which also free
// the blocks allocated before they were installed.

thread_local bool tl_counting = false;
thread_local std::size_t tl_allocated = 0;
thread_local std::size_t tl_limit = 0;
constexpr std::size_t kSlack = 8u << 20;
// What turning a user-made exception into message text may allocate (sandbox.py bounds the text
// itself; this bounds the work of a pathological str() or repr()).
constexpr std::size_t kDescribeBudget = 32u << 20;

struct Wrapped {
  PyMemAllocatorEx previous;
};
Wrapped g_mem, g_obj;

bool admit(std::size_t size) {
  if (!tl_counting)
    return true;
  tl_allocated += size;
  if (tl_allocated <= tl_limit)
    return true;
  // Over budget: only small allocations, within the slack, so that MemoryError can be made.
  return size <= 4096 && tl_allocated <= tl_limit + kSlack;
}

void* budget_malloc(void* ctx, size_t size) {
  auto* w = static_cast<Wrapped*>(ctx);
  if (!admit(size))
    return nullptr;
  return w->previous.malloc(w->previous.ctx, size);
}
void* budget_calloc(void* ctx, size_t nelem, size_t elsize) {
  auto* w = static_cast<Wrapped*>(ctx);
  if (elsize && nelem > SIZE_MAX / elsize)
    return nullptr;
  if (!admit(nelem * elsize))
    return nullptr;
  return w->previous.calloc(w->previous.ctx, nelem, elsize);
}
void* budget_realloc(void* ctx, void* ptr, size_t size) {
  auto* w = static_cast<Wrapped*>(ctx);
  if (!admit(size))
    return nullptr;
  return w->previous.realloc(w->previous.ctx, ptr, size);
}
void budget_free(void* ctx, void* ptr) {
  auto* w = static_cast<Wrapped*>(ctx);
  w->previous.free(w->previous.ctx, ptr);
}

void install_allocators() {
  for (auto [domain, wrapped] :
       {std::pair{PYMEM_DOMAIN_MEM, &g_mem}, std::pair{PYMEM_DOMAIN_OBJ, &g_obj}}) {
    PyMem_GetAllocator(domain, &wrapped->previous);
    PyMemAllocatorEx mine{wrapped, budget_malloc, budget_calloc, budget_realloc, budget_free};
    PyMem_SetAllocator(domain, &mine);
  }
}

// --- The time limit ----------------------------------------------------------------------
// A watchdog thread knows the deadline of every running evaluation (by Python thread id). Past
// it, it raises SandboxTimeout in that thread (a BaseException, so `except Exception` does not
// swallow it), and again every 100 ms until the evaluation ends, against bare `except:`.

class Watchdog {
 public:
  // Registering is a map insertion under a mutex: no wake-up. The watchdog looks every tick,
  // which bounds how late a timeout can be (a tick) at the cost of 20 idle wake-ups a second,
  // instead of a context switch per evaluation.
  void add(unsigned long thread_id, std::chrono::steady_clock::time_point deadline) EXCLUDES(mu_) {
    common::MutexLock lock(mu_);
    deadlines_[thread_id] = deadline;
    if (!thread_.joinable())
      thread_ = std::thread([this] { loop(); });
  }
  void remove(unsigned long thread_id) EXCLUDES(mu_) {
    common::MutexLock lock(mu_);
    deadlines_.erase(thread_id);
  }

 private:
  static constexpr auto kTick = std::chrono::milliseconds(50);

  void loop() EXCLUDES(mu_) {
    while (true) {
      std::this_thread::sleep_for(kTick);
      auto now = std::chrono::steady_clock::now();
      std::vector<unsigned long> due;
      {
        common::MutexLock lock(mu_);
        for (const auto& [tid, deadline] : deadlines_) {
          if (deadline <= now)
            due.push_back(tid);
        }
      }
      if (due.empty())
        continue;
      PyGILState_STATE st = PyGILState_Ensure();
      PyObject* timeout = PyObject_GetAttrString(g_sandbox->ptr(), "SandboxTimeout");
      {
        // Looked at again: while this thread waited for the GIL, the evaluation may have ended
        // (stopped by its own check of the time: internal/deadline.h) and the same thread begun
        // the next one, under a new deadline that must not get the old one's timeout.
        common::MutexLock lock(mu_);
        now = std::chrono::steady_clock::now();
        for (unsigned long tid : due) {
          // Raised again every tick until the evaluation ends (against bare `except:`).
          auto it = deadlines_.find(tid);
          if (it != deadlines_.end() && it->second <= now)
            PyThreadState_SetAsyncExc(tid, timeout);
        }
      }
      Py_XDECREF(timeout);
      PyGILState_Release(st);
    }
  }

  common::Mutex mu_;
  std::map<unsigned long, std::chrono::steady_clock::time_point> deadlines_ GUARDED_BY(mu_);
  std::thread thread_ GUARDED_BY(mu_);  // started by the first add()
};

Watchdog& watchdog() {
  static auto* w = new Watchdog();  // lives as long as the process
  return *w;
}

// One evaluation's limits, for the outermost evaluation of a thread (nested evaluations, e.g. a
// computed field written by a code action, share the outer deadline and budget). The watchdog
// stops bytecode; C work that user code can make long checks the same time limit itself
// (internal/deadline.h).
thread_local int tl_depth = 0;
thread_local int tl_logger_lines = 0;
// The error the ORM raised under user code that the code may not handle (hold_uncatchable).
thread_local std::exception_ptr tl_uncatchable;

// Throws the held error, if any; the outermost evaluation forgets it as it throws it (a nested
// one keeps it: the error goes on through the outer evaluation's code).
void throw_uncatchable() {
  if (!tl_uncatchable)
    return;
  std::exception_ptr error = tl_uncatchable;
  if (tl_depth == 0)
    tl_uncatchable = nullptr;
  std::rethrow_exception(error);
}

class Limits {
 public:
  Limits() {
    if (tl_depth++ > 0)
      return;
    tl_uncatchable = nullptr;
    thread_id_ = PyThreadState_Get()->thread_id;
    auto timeout = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(g_timeout.load()));
    watchdog().add(thread_id_, std::chrono::steady_clock::now() + timeout);
    watch_deadline(timeout);
    tl_logger_lines = 0;
    tl_allocated = 0;
    tl_limit = g_budget.load();
    tl_counting = true;
  }
  ~Limits() {
    if (--tl_depth > 0)
      return;
    tl_counting = false;
    stop_watching_deadline();
    watchdog().remove(thread_id_);
    // A timeout raised just as the code finished must not hit the next evaluation.
    PyThreadState_SetAsyncExc(thread_id_, nullptr);
  }
  Limits(const Limits&) = delete;
  Limits& operator=(const Limits&) = delete;

 private:
  unsigned long thread_id_ = 0;
};

// The longest code compiled. Compiling, rewriting and checking run before the limits, holding the
// GIL, at about 1 s per 256 KiB (14 MB took minutes); no action, field or domain needs more.
constexpr std::size_t kMaxSourceBytes = 256u << 10;

// The compiled-code cache: checked once, compiled once, per (mode, source).
std::unordered_map<std::string, py::object>* g_cache = nullptr;  // GIL held
constexpr std::size_t kCacheSize = 4096;

// Runs `make` (which calls a sandbox.py helper giving bounded text) under an allocation budget
// of its own, restoring the running evaluation's count afterwards. A helper that fails (its
// object's str() raised, or needed more than the budget) gives `fallback` instead.
template <class F>
std::string bounded_text(F&& make, std::string_view fallback) {
  struct Scope {
    bool counting = tl_counting;
    std::size_t allocated = tl_allocated;
    std::size_t limit = tl_limit;
    Scope() {
      tl_counting = true;
      tl_allocated = 0;
      tl_limit = kDescribeBudget;
    }
    ~Scope() {
      tl_counting = counting;
      tl_allocated = allocated;
      tl_limit = limit;
    }
  } scope;
  try {
    py::object text = make();
    return message_text(text);
  } catch (py::error_already_set&) {
    return std::string(fallback);
  }
}

std::string type_name(py::handle value) {
  return Py_TYPE(value.ptr())->tp_name;
}

// The automation rule a user error came from, when the ORM raised it with one (proxies.cc keeps
// it on the Python exception) and user code raised it on unchanged. Read only from the sandbox's
// own exception classes (a user-made subclass could compute attributes).
std::optional<common::RuleContext> rule_of(py::handle exc) {
  bool ours = false;
  for (const char* name : {"UserError", "ValidationError", "AccessError", "MissingError"})
    ours =
        ours || Py_TYPE(exc.ptr()) == reinterpret_cast<PyTypeObject*>(g_sandbox->attr(name).ptr());
  if (!ours)
    return std::nullopt;
  PyObject* rule = PyObject_GetAttrString(exc.ptr(), "_autorules_rule");
  if (!rule) {
    PyErr_Clear();
    return std::nullopt;
  }
  std::optional<common::RuleContext> out;
  if (PyTuple_Check(rule) && PyTuple_GET_SIZE(rule) == 2 &&
      PyLong_Check(PyTuple_GET_ITEM(rule, 0)) && PyUnicode_Check(PyTuple_GET_ITEM(rule, 1))) {
    long long id = PyLong_AsLongLong(PyTuple_GET_ITEM(rule, 0));
    if (!PyErr_Occurred())
      out = common::RuleContext{id, message_text(PyTuple_GET_ITEM(rule, 1))};
    PyErr_Clear();
  }
  Py_DECREF(rule);
  return out;
}

}  // namespace

bool Gil::keep_thread_state() {
  // One extra reference on this thread's state: releasing the GIL no longer deletes it.
  thread_local bool kept = [] {
    py::gil_scoped_acquire gil;
    gil.inc_ref();
    return true;
  }();
  return kept;
}

void start(const Options& options) {
  g_timeout = options.timeout_seconds;
  g_budget = options.memory_budget;
  common::MutexLock lock(g_start_mutex);
  if (g_started) {
    py::gil_scoped_acquire gil;
    py::module_::import("sys").attr("setrecursionlimit")(options.recursion_limit);
    return;
  }
#if defined(__SANITIZE_ADDRESS__) || AUTORULES_HAS_FEATURE(address_sanitizer)
  // Under AddressSanitizer Python's objects come from malloc instead of its own arenas, which
  // the sanitizer cannot see into: it would miss overflows there, and the leak check, finding
  // no pointer to what only those arenas refer to, would report most of the interpreter (which
  // is never finalised) as leaked. What PYTHONMALLOC=malloc does, which isolated mode ignores.
  PyPreConfig preconfig;
  PyPreConfig_InitIsolatedConfig(&preconfig);
  preconfig.allocator = PYMEM_ALLOCATOR_MALLOC;
  PyStatus status = Py_PreInitialize(&preconfig);
  if (PyStatus_Exception(status))
    throw common::InternalError(fmt::format("Python: {}", status.err_msg));
#endif
  // Isolated mode: no user site directory, no PYTHON* environment variables, no current
  // directory on sys.path. Debian's dist-packages (dateutil, pytz) stay reachable.
  PyConfig config;
  PyConfig_InitIsolatedConfig(&config);
  config.install_signal_handlers = 0;
  PyConfig_SetString(&config, &config.program_name, L"autorules");
  py::initialize_interpreter(&config, 0, nullptr, false);
  PyConfig_Clear(&config);
  install_allocators();
  {
    py::module_ sys = py::module_::import("sys");
    sys.attr("setrecursionlimit")(options.recursion_limit);
    sys.attr("dont_write_bytecode") = true;
    py::module_ types = py::module_::import("types");
    py::object module = types.attr("ModuleType")("autorules_sandbox");
    py::dict ns = module.attr("__dict__");
    ns["_arith"] = arith_guards();  // C functions the module puts among user code's builtins
    PyObject* checked = checked_builtins();
    if (!checked)
      throw py::error_already_set();
    ns["_checked"] = py::reinterpret_steal<py::object>(checked);
    py::exec(kSandboxPy, ns);
    py::exec(kTemplatePy, ns);  // templates, in the same namespace (it uses the checks)
    g_sandbox = new py::module_(py::reinterpret_borrow<py::module_>(module));
    guard_c_work(py::object(ns["SandboxTimeout"]).ptr());
    g_cache = new std::unordered_map<std::string, py::object>();
  }
  // Release the GIL: every evaluation takes it for itself, on whatever thread it runs.
  PyEval_SaveThread();
  g_started = true;
}

bool started() {
  return g_started;
}

py::module_& sandbox() {
  return *g_sandbox;
}

py::object compile(std::string_view source, Mode mode) {
  if (mode == Mode::kEval) {
    // Like eval(): surrounding blanks of an expression do not matter.
    size_t a = source.find_first_not_of(" \t\r\n");
    size_t b = source.find_last_not_of(" \t\r\n");
    source = a == std::string_view::npos ? std::string_view() : source.substr(a, b - a + 1);
  }
  if (source.size() > kMaxSourceBytes) {
    throw common::ValueError(fmt::format("The code is longer than the limit of {} KiB ({} bytes)",
                                         kMaxSourceBytes >> 10, source.size()));
  }
  std::string key = (mode == Mode::kEval ? "e:" : "x:") + std::string(source);
  auto it = g_cache->find(key);
  if (it != g_cache->end())
    return it->second;
  py::object code;
  try {
    code = g_sandbox->attr("compile_checked")(py::str(std::string(source)),
                                              mode == Mode::kEval ? "eval" : "exec");
  } catch (py::error_already_set& e) {
    std::string fallback = type_name(e.value()) + " (its message could not be shown)";
    std::string message;
    if (e.matches(PyExc_SyntaxError)) {
      py::str text = py::str(std::string(source));
      message = bounded_text(
          [&] {
            py::object m =
                g_sandbox->attr("syntax_message")(text, mode == Mode::kEval ? "eval" : "exec");
            return m.is_none() ? g_sandbox->attr("exception_message")(e.value()) : m;
          },
          fallback);
    } else {
      message =
          bounded_text([&] { return g_sandbox->attr("exception_message")(e.value()); }, fallback);
    }
    throw common::ValueError(message);
  }
  if (g_cache->size() >= kCacheSize)
    g_cache->clear();
  g_cache->emplace(std::move(key), code);
  return code;
}

[[noreturn]] void rethrow(py::error_already_set& e, std::string_view source) {
  py::module_& sb = *g_sandbox;
  // The exception object carries its traceback (for the line number in the message).
  if (e.trace())
    PyException_SetTraceback(e.value().ptr(), e.trace().ptr());
  auto is = [&](const char* name) { return e.matches(sb.attr(name).ptr()); };
  // A conflict or an internal error under the code ends it as itself, whatever it became since.
  throw_uncatchable();
  if (is("SandboxTimeout")) {
    throw common::ValueError(fmt::format(
        "The code ran longer than the time limit of {} seconds and was stopped (an endless "
        "loop?) while evaluating\n'{}'",
        g_timeout.load(), excerpt(source, 200)));
  }
  if (e.matches(PyExc_MemoryError)) {
    throw common::ValueError(
        fmt::format("The code allocated more memory than the limit of {} MiB and was stopped while "
                    "evaluating\n'{}'",
                    g_budget.load() >> 20, excerpt(source, 200)));
  }
  std::string fallback = type_name(e.value()) + " (its message could not be shown)";
  auto message = [&] {
    return bounded_text([&] { return sb.attr("exception_message")(e.value()); }, fallback);
  };
  if (is("SandboxLimit"))  // the sandbox's own helpers say which limit, and nothing else
    throw common::ValueError(message());
  if (is("MissingError"))
    common::throw_error(common::ErrorKind::kMissing, message(), rule_of(e.value()));
  if (is("AccessError"))
    common::throw_error(common::ErrorKind::kAccess, message(), rule_of(e.value()));
  if (is("ValidationError"))
    common::throw_error(common::ErrorKind::kValidation, message(), rule_of(e.value()));
  if (is("UserError"))
    common::throw_error(common::ErrorKind::kUser, message(), rule_of(e.value()));
  py::str text = py::str(std::string(source));  // copied before the budget: only its head is quoted
  std::string described = bounded_text([&] { return sb.attr("describe_error")(e.value(), text); },
                                       fallback + " while evaluating\n" + excerpt(source, 200));
  throw common::ValueError(described);
}

py::object run(const py::object& code, py::dict globals, Mode mode, std::string_view source,
               const char* result_name) {
  PyObject* result;
  {
    Limits limits;
    result = PyEval_EvalCode(code.ptr(), globals.ptr(), globals.ptr());
  }
  if (result && tl_uncatchable) {  // the code caught it with a bare `except:`
    Py_DECREF(result);
    globals.clear();
    throw_uncatchable();
  }
  if (!result) {
    py::error_already_set error;  // takes the exception being raised
    globals.clear();
    rethrow(error, source);
  }
  py::object out = py::reinterpret_steal<py::object>(result);
  if (mode == Mode::kExec) {
    // Code actions hand a client action back by assigning `action`; app methods their result.
    out = globals.contains(result_name) ? py::object(globals[result_name]) : py::none();
  }
  globals.clear();
  return out;
}

void run_with(const py::object& code, py::dict globals,
              const std::function<void(py::error_already_set&)>& fail) {
  PyObject* result;
  {
    Limits limits;
    result = PyEval_EvalCode(code.ptr(), globals.ptr(), globals.ptr());
  }
  if (result && tl_uncatchable) {
    Py_DECREF(result);
    globals.clear();
    throw_uncatchable();
  }
  if (!result) {
    py::error_already_set error;
    globals.clear();
    fail(error);
    rethrow(error, "");  // `fail` should have thrown
  }
  Py_DECREF(result);
  globals.clear();
}

py::object call_limited(const py::object& fn, py::handle arg, std::string_view source) {
  PyObject* result;
  {
    Limits limits;
    result = PyObject_CallOneArg(fn.ptr(), arg.ptr());
  }
  if (result && tl_uncatchable) {
    Py_DECREF(result);
    throw_uncatchable();
  }
  if (!result) {
    py::error_already_set error;
    rethrow(error, source);
  }
  return py::reinterpret_steal<py::object>(result);
}

void hold_uncatchable(std::exception_ptr error) {
  tl_uncatchable = std::move(error);
}

bool charge(std::size_t bytes) {
  if (!tl_counting)
    return true;
  tl_allocated += bytes;
  return tl_allocated <= tl_limit;
}

std::size_t memory_budget() {
  return g_budget.load();
}

int& logger_lines() {
  return tl_logger_lines;
}

std::string excerpt(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes)
    return std::string(text);
  std::size_t cut = max_bytes;
  // Back to the start of a code point (continuation bytes are 10xxxxxx).
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
    --cut;
  return fmt::format("{}\u2026 (truncated, {} bytes)", text.substr(0, cut), text.size());
}

std::string message_text(py::handle str) {
  if (!PyUnicode_Check(str.ptr()))
    return message_text(py::str(str));
  Py_ssize_t size = 0;
  const char* utf8 = PyUnicode_AsUTF8AndSize(str.ptr(), &size);
  if (utf8)
    return std::string(utf8, static_cast<std::size_t>(size));
  PyErr_Clear();
  py::object bytes =
      py::reinterpret_steal<py::object>(PyUnicode_AsEncodedString(str.ptr(), "utf-8", "replace"));
  if (!bytes) {
    PyErr_Clear();
    return "?";
  }
  return std::string(PyBytes_AS_STRING(bytes.ptr()),
                     static_cast<std::size_t>(PyBytes_GET_SIZE(bytes.ptr())));
}

}  // namespace autorules::script::internal
