#include "script/sandbox.h"

#include <algorithm>

#include <Python.h>
#include <fmt/format.h>
#include <pybind11/pybind11.h>
#include <spdlog/spdlog.h>

#include "common/clock.h"
#include "common/errors.h"
#include "orm/logging.h"
#include "script/internal/evaluation.h"
#include "script/internal/interpreter.h"
#include "script/internal/proxies.h"

namespace autorules::script {

namespace py = pybind11;
using common::Json;
using internal::CurrentContext;
using internal::ensure_started;
using internal::from_json;
using internal::make_globals;
using internal::to_json;
using internal::wrap;

namespace internal {

// The Context of the evaluation running on this thread, for the functions of the base context
// (log, context_today) that need it; nested evaluations stack. It also tells the proxies whether
// the evaluation runs as superuser (a rule's action, a computed field), where sudo() is allowed.
const Context*& current_context() {
  thread_local const Context* context = nullptr;
  return context;
}

CurrentContext::CurrentContext(const Context& ctx)
    : outer_(current_context()), outer_superuser_(evaluation_is_superuser()) {
  current_context() = &ctx;
  evaluation_is_superuser() = ctx.env.su();
}

CurrentContext::~CurrentContext() {
  current_context() = outer_;
  evaluation_is_superuser() = outer_superuser_;
}

}  // namespace internal

namespace {

// ir.logging rows written by log() survive the call's rollback.
void log_row(const orm::Env& env, const std::string& level, const std::string& message,
             const std::string& path, const std::string& func, const std::string& line) {
  orm::log_after_end(env, {"autorules.actions", level, message, path, func, line});
}

// The text of log(message): str(message), cut in Python to the row's cap before it is copied
// into C++ (a 400 MB message must not be copied, let alone stored).
std::string log_message(const py::object& message) {
  py::str text = py::str(message);
  Py_ssize_t length = PyUnicode_GetLength(text.ptr());
  auto cap = static_cast<Py_ssize_t>(orm::kMaxLogMessageBytes);
  if (length <= cap) {
    std::string out = internal::message_text(text);
    if (out.size() <= orm::kMaxLogMessageBytes)
      return out;
  }
  py::object head =
      py::reinterpret_steal<py::object>(PyUnicode_Substring(text.ptr(), 0, std::min(length, cap)));
  if (!head)
    throw py::error_already_set();
  return orm::cut_text(internal::message_text(head), orm::kMaxLogMessageBytes,
                       fmt::format("{} characters", length));
}

// _logger lines one evaluation may write to the server's log; past it, one line says so.
constexpr int kMaxLoggerLines = 1000;

// The names every evaluation starts from (the sandbox's base_context() plus log and
// context_today), built once; each evaluation gets a copy.
py::dict& base_globals() {
  static py::dict* base = [] {
    auto* d = new py::dict(internal::sandbox().attr("base_context")());
    (*d)["log"] = py::cpp_function(
        [](py::object message, py::object level_arg) {
          const Context* ctx = internal::current_context();
          if (!ctx)
            throw common::ValueError("log() is only available while code runs");
          std::string level = internal::message_text(py::str(level_arg));
          if (level.size() > 32)
            throw common::ValueError("log(): the level must be a short name such as 'info'");
          for (char& c : level)
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
          log_row(ctx->env, level, log_message(message), "action", ctx->log_func, ctx->log_line);
        },
        py::arg("message"), py::arg("level") = "info");
    // "Today" is the transaction's date (the injected clock), as everywhere the server reads.
    (*d)["context_today"] = py::cpp_function([]() {
      const Context* ctx = internal::current_context();
      common::DateTime now = ctx ? ctx->env.now() : common::SystemClock::instance().now();
      common::CivilDate today = common::civil(common::date_of(now));
      return internal::sandbox().attr("date_of")(today.year, today.month, today.day);
    });
    return d;
  }();
  return *base;
}

}  // namespace

namespace internal {

py::dict make_globals(const Context& ctx) {
  py::dict g = py::reinterpret_steal<py::dict>(PyDict_Copy(base_globals().ptr()));
  g["env"] = internal::wrap_env(ctx.env);
  g["uid"] = ctx.env.uid();
  // Read as superuser (any user may see their own user), then in the evaluation's env: never a
  // superuser record unless the evaluation already is one.
  g["user"] = wrap(ctx.env.sudo()["res.users"].browse({ctx.env.uid()}).with_env(ctx.env));
  if (!ctx.model.empty()) {
    orm::RecordSet model = ctx.env[ctx.model];
    g["model"] = wrap(model);
    orm::RecordSet records = model.browse(ctx.records);
    py::object wrapped = wrap(records);
    g["records"] = wrapped;
    g["record"] = ctx.records.size() == 1 ? wrapped : py::object(py::none());
    if (ctx.bind_self)
      g["self"] = wrapped;
  }
  for (const auto& [k, v] : ctx.values.items())
    g[py::str(k)] = from_json(v);
  return g;
}

void ensure_started() {
  if (!internal::started())
    internal::start(Options{});
}

void prepare_proxies() {
  py::module_& sb = sandbox();
  if (!sb.attr("_Records").is_none())
    return;
  import_proxies();
  sb.attr("_Records") = py::module_::import("_autorules_orm").attr("Records");
  // format_datetime()'s default time zone: the running evaluation's context "tz".
  sb.attr("_context_tz") = py::cpp_function([]() -> py::object {
    const Context* ctx = current_context();
    if (!ctx)
      return py::none();
    const Json& context = ctx->env.context();
    auto it = context.find("tz");
    if (it == context.end() || !it->is_string())
      return py::none();
    return py::str(it->get_ref<const std::string&>());
  });
}

}  // namespace internal

namespace {

// The value code handed back, as JSON (bounded: proxies.h). A Python error raised while
// converting it (a date out of range, an int key too long for text) is shaped like the code's own.
Json result_json(const py::object& value, std::string_view source) {
  try {
    return to_json(value);
  } catch (py::error_already_set& e) {
    internal::rethrow(e, source);
  }
}

// Runs code with `ctx` as the thread's current context.
py::object run_in(const Context& ctx, const py::object& code, py::dict globals, Mode mode,
                  std::string_view source) {
  CurrentContext current(ctx);
  return internal::run(code, std::move(globals), mode, source, ctx.result_name.c_str());
}

}  // namespace

void install(orm::Runtime& runtime, const Options& options) {
  internal::start(options);
  {
    internal::Gil gil;
    internal::prepare_proxies();
    // _logger in user code writes to the server's log: lines cut at 8 KiB (sandbox.py), at most
    // kMaxLoggerLines per evaluation.
    internal::sandbox().attr("_server_log") =
        py::cpp_function([](std::string level, std::string message) {
          int& lines = internal::logger_lines();
          if (lines > kMaxLoggerLines)
            return;
          if (++lines > kMaxLoggerLines) {
            spdlog::warn(
                "user code: more than {} _logger lines in one evaluation; the rest are "
                "dropped",
                kMaxLoggerLines);
            return;
          }
          spdlog::log(spdlog::level::from_str(level), "user code: {}", message);
        });
  }
  runtime.set_compute([](const orm::RecordSet& records, const schema::Field& field) {
    Context ctx(records.env().sudo());
    ctx.model = records.name();
    ctx.records = records.ids();
    ctx.bind_self = true;
    internal::ComputeFrame frame{records.name(), field.name, {}, nullptr};
    internal::Gil gil;
    frame.outer = internal::current_compute();
    internal::current_compute() = &frame;
    struct Restore {
      internal::ComputeFrame& f;
      ~Restore() { internal::current_compute() = f.outer; }
    } restore{frame};
    py::object code = internal::compile(field.compute, Mode::kExec);
    run_in(ctx, code, make_globals(ctx), Mode::kExec, field.compute);
    std::vector<common::Value> out;
    const schema::Model& model = records.model();
    for (common::Id id : records.ids()) {
      auto it = frame.values.find(id);
      if (it == frame.values.end()) {
        // Records the code did not assign get the field's empty value.
        out.push_back(orm::field_value_from_json(model, field, common::Json(false)));
        continue;
      }
      out.push_back(orm::field_value_from_json(model, field, it->second));
    }
    return out;
  });
  runtime.set_code_checker([](const std::string& code) { return check(code, Mode::kExec); });
  // An app's methods (sale.order's action_confirm, ...): run as the caller, never as superuser.
  runtime.set_method_code_runner(
      [](const orm::RecordSet& records, const std::string& code, const common::Json& params) {
        Context ctx(records.env());
        ctx.model = records.name();
        ctx.records = records.ids();
        ctx.values = params;
        ctx.bind_self = true;
        ctx.result_name = "result";
        ctx.log_func = records.name();
        return exec(code, ctx);
      });
  runtime.set_domain_evaluator([](const orm::Env& env, const std::string& text) {
    Context ctx(env);
    return eval(text, ctx);
  });
}

std::optional<std::string> check(std::string_view source, Mode mode) {
  ensure_started();
  internal::Gil gil;
  try {
    internal::compile(source, mode);
  } catch (const common::ValueError& e) {
    return std::string(e.what());
  }
  return std::nullopt;
}

Json exec(std::string_view code, const Context& ctx) {
  ensure_started();
  internal::Gil gil;
  py::object compiled = internal::compile(code, Mode::kExec);
  py::object action = run_in(ctx, compiled, make_globals(ctx), Mode::kExec, code);
  return action.is_none() ? Json(nullptr) : result_json(action, code);
}

Json eval(std::string_view expr, const Context& ctx) {
  ensure_started();
  internal::Gil gil;
  py::object compiled = internal::compile(expr, Mode::kEval);
  py::object result = run_in(ctx, compiled, make_globals(ctx), Mode::kEval, expr);
  return result_json(result, expr);
}

orm::RecordSet eval_records(std::string_view expr, const Context& ctx) {
  ensure_started();
  internal::Gil gil;
  py::object compiled = internal::compile(expr, Mode::kEval);
  py::object result = run_in(ctx, compiled, make_globals(ctx), Mode::kEval, expr);
  if (result.is_none() || (py::isinstance<py::bool_>(result) && !result.cast<bool>())) {
    return ctx.model.empty() ? ctx.env["res.partner"].browse({}) : ctx.env[ctx.model].browse({});
  }
  if (!internal::is_records(result)) {
    throw common::ValueError(
        fmt::format("The expression must give records, it gave {} while evaluating\n'{}'",
                    Py_TYPE(result.ptr())->tp_name, internal::excerpt(expr, 8192)));
  }
  return internal::records_of(result);
}

}  // namespace autorules::script
