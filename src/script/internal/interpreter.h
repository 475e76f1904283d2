// The embedded interpreter: start-up in isolated mode, the sandbox module, the compiled-code
// cache, and running code under the limits (time, allocations, recursion). Internal to script/.
#pragma once

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
// the value the code assigned to `action` (exec; None when it did not). Python exceptions become
// common errors (see sandbox.h); `globals` is cleared afterwards either way, so nothing of one
// evaluation survives into another.
py::object run(const py::object& code, py::dict globals, Mode mode, std::string_view source);

// Converts the Python exception being handled into the common::Error it stands for and throws
// it. GIL held.
[[noreturn]] void rethrow(py::error_already_set& e, std::string_view source);

}  // namespace autorules::script::internal
