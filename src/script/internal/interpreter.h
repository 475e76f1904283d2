// The embedded interpreter: start-up in isolated mode, the sandbox module, the compiled-code
// cache, and running code under the limits (time, allocations, recursion). Internal to script/.
//
// Thread-safety: every function needs the GIL (Gil); the limits and the counters of the running
// evaluation are per thread.
#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <string>
#include <string_view>

#include <pybind11/pybind11.h>

#include "script/sandbox.h"

namespace autorules::script::internal {

namespace py = pybind11;

// Holds the GIL, like py::gil_scoped_acquire, but keeps the thread's Python thread state for the
// thread's life: creating and deleting one per acquisition costs more than a short evaluation.
// Hidden visibility, like pybind11's own types that it holds.
class __attribute__((visibility("hidden"))) Gil {
 public:
  Gil() : kept_(keep_thread_state()) {}

 private:
  static bool keep_thread_state();
  bool kept_;  // initialised before acquire_
  py::gil_scoped_acquire acquire_;
};

// Starts the interpreter once; later calls update the options. Thread-safe.
void start(const Options& options);
bool started();

// The sandbox's private module (internal/sandbox.py). GIL held.
py::module_& sandbox();

// Checked and compiled code, cached by source (GIL held). common::ValueError with the
// sandbox's message when the code does not compile or is refused.
py::object compile(std::string_view source, Mode mode);

// Runs compiled code in `globals` under the limits (GIL held) and returns the result (eval) or
// the value the code assigned to `result_name` (exec; None when it did not). Python exceptions
// become common errors (see sandbox.h); `globals` is cleared afterwards either way, so nothing of
// one evaluation survives into another.
py::object run(const py::object& code, py::dict globals, Mode mode, std::string_view source,
               const char* result_name = "action");

// Runs compiled code (exec mode) in `globals` under the limits, like run(), for code whose errors
// its caller describes itself (a template names the directive that failed): when the code raises,
// `fail` gets the Python exception and must throw (typically through rethrow(), which throws a
// conflict or an internal error held for the evaluation as itself). `globals` is cleared
// afterwards either way. GIL held.
void run_with(const py::object& code, py::dict globals,
              const std::function<void(py::error_already_set&)>& fail);

// Calls fn(arg) under the limits of an evaluation (those of the running evaluation when there is
// one, else fresh ones) and returns its result; errors as run(). GIL held.
py::object call_limited(const py::object& fn, py::handle arg, std::string_view source);

// Converts the Python exception being handled into the common::Error it stands for and throws
// it. The message never copies an unbounded text: the exception's part is cut at 8 KiB and the
// source's at 8 KiB (internal/sandbox.py), computed under an allocation budget of its own. GIL
// held.
[[noreturn]] void rethrow(py::error_already_set& e, std::string_view source);

// --- The evaluation running on this thread (GIL held) --------------------------------------
// Outside an evaluation nothing is counted and there is no deadline.

// Keeps `error` (a common::ConflictError or InternalError that the ORM raised under user code) as
// the outcome of the running evaluation: whatever the code does with the Python exception that
// stands for it (SandboxConflict, SandboxInternalError: BaseExceptions, which `except Exception`
// does not catch, but a bare `except:` does), run(), call_limited() and rethrow() throw `error`
// itself at the end, so that the caller retries the call or answers 500.
void hold_uncatchable(std::exception_ptr error);

// (Its time limit, for C loops the watchdog cannot interrupt: internal/deadline.h.)
// Counts `bytes` of memory that user code made the server hold outside Python's allocators (a
// recordset's ids) against the evaluation's allocation budget; false once past it.
bool charge(std::size_t bytes);
// The allocation budget of an evaluation, in bytes (Options::memory_budget).
std::size_t memory_budget();
// The _logger lines the running evaluation has written to the server's log.
int& logger_lines();

// `text` cut to at most `max_bytes` bytes on a code point boundary, followed by
// "… (truncated, N bytes)" when it was longer: for messages quoting what user code made.
std::string excerpt(std::string_view text, std::size_t max_bytes);
// The UTF-8 text of a Python str; lone surrogates (which UTF-8 cannot hold) become '?'. For
// messages only: values to store go through proxies' to_json, which refuses them.
std::string message_text(py::handle str);

}  // namespace autorules::script::internal
