// Small helpers for CPython's C API, shared by the sandbox's C functions.
#pragma once

#include <Python.h>

namespace autorules::script::internal {

// A METH_FASTCALL (or METH_FASTCALL | METH_KEYWORDS) function as the PyCFunction a PyMethodDef
// holds: the usual cast, through void (*)() against -Wcast-function-type.
template <class F>
PyCFunction as_cfunction(F* f) {
  return reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(f));
}

}  // namespace autorules::script::internal
