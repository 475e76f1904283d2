// What an evaluation is made of, shared by the sandbox's entry points (sandbox.cc) and the
// templates (template.cc): the names code starts from, the thread's current context, and the
// interpreter's start. Internal to script/.
//
// Thread-safety: make_globals() and prepare_proxies() need the GIL; the current context is per
// thread.
#pragma once

#include <pybind11/pybind11.h>

#include "script/sandbox.h"

namespace autorules::script::internal {

namespace py = pybind11;

// Starts the interpreter with the default options unless install() did.
void ensure_started();

// Imports the record proxies and gives the sandbox's module what it needs of them and of the
// running evaluation (the proxies' type, the context's time zone). Idempotent; GIL held.
void prepare_proxies();

// The names an evaluation of `ctx` starts from: the base context, env, uid, user, model,
// records, record, self, and ctx.values. A fresh dict. GIL held.
py::dict make_globals(const Context& ctx);

// The context of the evaluation running on this thread (null outside one), for the functions of
// the base context that need it (log, context_today, the time zone of format_datetime).
const Context*& current_context();

// Makes `ctx` the thread's current context for its life (nested evaluations stack), and tells
// the proxies whether the evaluation runs as superuser (where sudo() is allowed).
class CurrentContext {
 public:
  explicit CurrentContext(const Context& ctx);
  ~CurrentContext();
  CurrentContext(const CurrentContext&) = delete;
  CurrentContext& operator=(const CurrentContext&) = delete;

 private:
  const Context* outer_;
  bool outer_superuser_;
};

}  // namespace autorules::script::internal
