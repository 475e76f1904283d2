// The Python sandbox (docs/sandbox.md): user code — Execute Code actions, computed fields,
// Compute values, record getters, domain text with expressions, {{ }} templates — runs in one
// embedded CPython interpreter, checked before it runs (Odoo's safe_eval rules), with restricted
// builtins and wrapped modules, under a time limit, an allocation budget and a recursion limit,
// against record proxies that go through the ORM (so writes fire rules like any other write).
//
// Bounded whatever the code does (docs/sandbox.md): int arithmetic CPython would do in C past
// about 10,000 digits is refused, hashing, comparing, sorting and the C loops that call a function
// per item check the time limit themselves (but sets and dicts comparing equal long texts, which
// CPython does in its own fast path), log() and _logger output and rendered templates are capped,
// error messages quote at most a few KiB of what the code made, values crossing to and from JSON
// nest at most 256 levels and never contain themselves, and sudo() is only allowed where the code
// already runs as superuser (a rule's action, a computed field) or for administrators.
//
// Thread-safety: every function may be called from any thread; the GIL is taken only while
// Python runs and released while proxies call into the ORM. Evaluations never share state.
// Errors: a UserError (and subclasses) raised by user code reaches the caller as the same
// common::Error kind with its message; anything else (syntax, forbidden name or opcode,
// exception, time or memory limit) is a common::ValueError whose message has Odoo's shape
// ("<repr(exception)> while evaluating\n<repr(source)>") and the line.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/json.h"
#include "orm/env.h"
#include "orm/recordset.h"

namespace autorules::script {

struct Options {
  double timeout_seconds = 5.0;            // per evaluation (--script-timeout)
  std::size_t memory_budget = 512u << 20;  // bytes one evaluation may allocate in total
  int recursion_limit = 400;               // Python frames
};

// Starts the interpreter (once per process; later calls only change the options) and wires the
// sandbox into the runtime: Python computed fields and domain text with expressions.
void install(orm::Runtime& runtime, const Options& options = {});

enum class Mode { kExec, kEval };

// The save-time check: Odoo's message for code that does not compile ("SyntaxError : invalid
// syntax at line 1\n<line>\n") or that the sandbox refuses, or nullopt when it is fine.
std::optional<std::string> check(std::string_view source, Mode mode);

// What user code sees besides the standard names.
struct Context {
  explicit Context(orm::Env e) : env(std::move(e)) {}
  orm::Env env;            // `env`; `uid`/`user` are its user
  std::string model;       // `model`: an empty recordset of it ("" for none)
  common::IdList records;  // `records`; `record` is set when there is exactly one
  common::Json values = common::Json::object();  // further names, as JSON (payload, ...)
  bool bind_self = false;                        // `self` = records (computed fields)
  // Where log() rows say they come from (ir.logging func and line: the action's name and id).
  std::string log_func = "user code";
  std::string log_line = "0";
  // exec() answers the value the code assigned to this name.
  std::string result_name = "action";
};

// Runs statements; returns the value the code assigned to `action` (Context::result_name), or
// null.
common::Json exec(std::string_view code, const Context& ctx);
// Evaluates an expression; returns its value as JSON (records as ids, dates as text).
common::Json eval(std::string_view expr, const Context& ctx);
// Evaluates an expression that must give records (a webhook's record getter); an empty
// recordset when it gives None or False; ValueError when it gives anything else.
orm::RecordSet eval_records(std::string_view expr, const Context& ctx);
// Renders an inline template (docs/templates.md): `text` with each "{{ expression }}" replaced by
// str() of its value (records: their display names), not escaped; a falsy value (None, False,
// '', 0, an empty recordset) gives the default of "{{ expression ||| default }}", or nothing.
// `object` is `record`, with the names of script/template.h's render(). The text is compiled
// once (cached by text). ValueError "line N: ..." for a "{{" without "}}", an expression that
// does not compile or that raises (user errors keep their kind), a text over 512 KiB or a
// result over 1 MiB.
std::string render_template(std::string_view text, const orm::RecordSet& record);

}  // namespace autorules::script
