#include "script/template.h"

#include <atomic>
#include <unordered_map>
#include <utility>

#include <Python.h>
#include <fmt/format.h>
#include <pybind11/pybind11.h>

#include "common/errors.h"
#include "script/internal/evaluation.h"
#include "script/internal/interpreter.h"
#include "script/internal/proxies.h"
#include "script/sandbox.h"

namespace autorules::script {

namespace py = pybind11;
using common::Json;

// Owned references (pybind11's handles have hidden visibility, which this type cannot have).
struct Template::Code {
  PyObject* code = nullptr;   // the template's code object
  PyObject* sites = nullptr;  // the list of its sites
  std::string engine;
};

Template::Template(std::unique_ptr<Code> code) : code_(std::move(code)) {}

Template::~Template() {
  internal::Gil gil;  // the Python objects are released with the GIL held
  Py_XDECREF(code_->code);
  Py_XDECREF(code_->sites);
}

namespace {

std::atomic<std::size_t> g_compiled{0};

// The longest inline template text compiled: larger texts are refused before any work.
constexpr std::size_t kMaxInlineBytes = 512u << 10;

// Compiled inline templates, by text (GIL held). Bounded by count and by the bytes of the texts
// kept; when either is reached it starts again empty, as the sandbox's code cache does.
struct InlineCache {
  std::unordered_map<std::string, std::shared_ptr<const Template>> entries;
  std::size_t bytes = 0;
};
constexpr std::size_t kInlineCacheEntries = 1024;
constexpr std::size_t kInlineCacheBytes = 16u << 20;

InlineCache& inline_cache() {
  static auto* cache = new InlineCache();  // lives as long as the interpreter
  return *cache;
}

// Turns the Python exception a template's code raised into the error it stands for, with the
// site that raised it ("line 3, t-out: ") before the sandbox's message. GIL held.
[[noreturn]] void fail(py::error_already_set& e, const Template::Code& code) {
  std::string label;
  std::string source;
  // The exception object carries its traceback, where template_site finds the site.
  if (e.trace())
    PyException_SetTraceback(e.value().ptr(), e.trace().ptr());
  try {
    py::object site = internal::sandbox().attr("template_site")(e.value(), py::handle(code.sites));
    if (!site.is_none()) {
      label = internal::message_text(py::tuple(site)[0]);
      source = internal::message_text(py::tuple(site)[1]);
    }
  } catch (py::error_already_set&) {
    // Without the site the message still says what happened.
  }
  try {
    internal::rethrow(e, source);
  } catch (const common::Error& error) {
    if (label.empty() || error.kind() == common::ErrorKind::kConflict ||
        error.kind() == common::ErrorKind::kInternal) {
      throw;
    }
    common::throw_error(error.kind(), label + ": " + error.what(), error.rule());
  }
}

// The UTF-8 text of what a template wrote; a ValueError for a character UTF-8 cannot hold (a lone
// surrogate made by an expression) or past the limit.
std::string rendered_text(const py::object& text) {
  Py_ssize_t size = 0;
  const char* utf8 = PyUnicode_AsUTF8AndSize(text.ptr(), &size);
  if (!utf8) {
    PyErr_Clear();
    throw common::ValueError(
        "the rendered template holds a character that cannot be written (a lone surrogate such "
        "as '\\ud800')");
  }
  if (static_cast<std::size_t>(size) > kMaxRenderedBytes) {
    throw common::ValueError(fmt::format("the rendered template is larger than the limit of {} MiB",
                                         kMaxRenderedBytes >> 20));
  }
  return std::string(utf8, static_cast<std::size_t>(size));
}

}  // namespace

std::shared_ptr<const Template> compile_template(const Json& program) {
  // Bounded before any work (compiling runs before the time limit).
  auto sites = program.find("sites");
  if (sites != program.end() && sites->is_array()) {
    std::size_t count = 0;
    std::size_t bytes = 0;
    for (const Json& site : *sites) {
      if (site.is_array() && site.size() == 3 && site[2].is_string()) {
        std::size_t size = site[2].get_ref<const std::string&>().size();
        count += size ? 1 : 0;
        bytes += size;
      }
    }
    if (count > kMaxExpressions) {
      throw common::ValueError(
          fmt::format("the template has more than {} expressions ({})", kMaxExpressions, count));
    }
    if (bytes > kMaxExpressionBytes) {
      throw common::ValueError(
          fmt::format("the template's expressions are longer than {} KiB in all ({} bytes)",
                      kMaxExpressionBytes >> 10, bytes));
    }
  }
  internal::ensure_started();
  internal::Gil gil;
  py::object built;
  try {
    built = internal::sandbox().attr("build_template")(internal::from_json(program));
  } catch (py::error_already_set& e) {
    std::string message = internal::message_text(py::str(e.value()));
    if (!e.matches(internal::sandbox().attr("TemplateError").ptr())) {
      message = "the template could not be compiled: " +
                internal::message_text(internal::sandbox().attr("exception_message")(e.value()));
    }
    throw common::ValueError(internal::excerpt(message, 16u << 10));
  }
  ++g_compiled;
  py::tuple parts(built);
  auto code = std::make_unique<Template::Code>();
  code->code = py::object(parts[0]).release().ptr();
  code->sites = py::object(parts[1]).release().ptr();
  code->engine = parts[2].cast<std::string>();
  return std::make_shared<const Template>(std::move(code));
}

std::size_t templates_compiled() {
  return g_compiled.load();
}

std::string render(const Template& compiled, const orm::RecordSet& record) {
  internal::ensure_started();
  internal::Gil gil;
  internal::prepare_proxies();
  const Template::Code& code = compiled.code();
  Context ctx(record.env());
  ctx.model = record.name();
  ctx.records = record.ids();
  py::tuple made = internal::sandbox().attr("template_values")(internal::make_globals(ctx),
                                                               internal::wrap(record), code.engine);
  py::object output = made[1];
  {
    internal::CurrentContext current(ctx);
    internal::run_with(py::reinterpret_borrow<py::object>(code.code),
                       py::reinterpret_borrow<py::dict>(py::object(made[0])),
                       [&](py::error_already_set& e) { fail(e, code); });
  }
  return rendered_text(output.attr("result")());
}

Json inline_program(std::string_view text) {
  if (text.size() > kMaxInlineBytes) {
    throw common::ValueError(
        fmt::format("The template is longer than the limit of {} KiB", kMaxInlineBytes >> 10));
  }
  Json sites = Json::array();
  Json code = Json::array();
  int line = 1;
  std::size_t pos = 0;
  // Lines are counted once, as the scan moves on.
  auto advance = [&](std::size_t to) {
    for (std::size_t i = pos; i < to; ++i)
      line += text[i] == '\n' ? 1 : 0;
    pos = to;
  };
  auto trim = [](std::string_view s) {
    std::size_t a = s.find_first_not_of(" \t\r\n");
    if (a == std::string_view::npos)
      return std::string_view();
    return s.substr(a, s.find_last_not_of(" \t\r\n") - a + 1);
  };
  while (pos < text.size()) {
    std::size_t open = text.find("{{", pos);
    if (open == std::string_view::npos) {
      code.push_back(Json::array({"text", std::string(text.substr(pos))}));
      break;
    }
    if (open > pos)
      code.push_back(Json::array({"text", std::string(text.substr(pos, open - pos))}));
    advance(open);
    std::size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) {
      throw common::ValueError(
          fmt::format("line {}: a '{{{{' without its '}}}}' (at character {})", line, open));
    }
    std::string_view inner = text.substr(open + 2, close - open - 2);
    std::string_view expression = inner;
    std::string_view fallback;
    if (std::size_t bar = inner.find("|||"); bar != std::string_view::npos) {
      expression = inner.substr(0, bar);
      fallback = inner.substr(bar + 3);
    }
    expression = trim(expression);
    if (!expression.empty()) {  // "{{ }}" writes nothing, as in Odoo
      sites.push_back(Json::array({line, "", std::string(expression)}));
      code.push_back(Json::array({"inline", sites.size() - 1, std::string(trim(fallback))}));
    }
    advance(close + 2);
  }
  return Json{{"engine", "inline"}, {"sites", std::move(sites)}, {"code", std::move(code)}};
}

std::string render_template(std::string_view text, const orm::RecordSet& record) {
  std::shared_ptr<const Template> compiled;
  {
    internal::ensure_started();
    internal::Gil gil;
    InlineCache& cache = inline_cache();
    std::string key(text);
    auto it = cache.entries.find(key);
    if (it != cache.entries.end()) {
      compiled = it->second;
    } else {
      compiled = compile_template(inline_program(text));
      if (cache.entries.size() >= kInlineCacheEntries ||
          cache.bytes + key.size() > kInlineCacheBytes) {
        cache.entries.clear();
        cache.bytes = 0;
      }
      cache.bytes += key.size();
      cache.entries.emplace(std::move(key), compiled);
    }
  }
  return render(*compiled, record);
}

}  // namespace autorules::script
