#include "script/internal/arith.h"

#include <Python.h>

#include "script/internal/cpython.h"
#include "script/internal/deadline.h"

namespace autorules::script::internal {

namespace {

// The bit length of |v| (0 for 0), for an int. A length too large for size_t (impossible under
// the memory budget) counts as the largest.
std::int64_t bits_of(PyObject* v) {
  std::size_t n = _PyLong_NumBits(v);
  if (n == static_cast<std::size_t>(-1) && PyErr_Occurred()) {
    PyErr_Clear();
    return INT64_MAX;
  }
  return static_cast<std::int64_t>(n);
}

bool both_ints(PyObject* a, PyObject* b) {
  return PyLong_Check(a) && PyLong_Check(b);
}

PyObject* result_too_large() {
  PyErr_SetString(PyExc_OverflowError,
                  "integer too large: the result would have more than 10,000 digits");
  return nullptr;
}

PyObject* operand_too_large(const char* what) {
  PyErr_Format(PyExc_OverflowError, "integer too large: %s has more than 10,000 digits", what);
  return nullptr;
}

// A result that passed the check on its operands' sizes may still be one bit too long.
PyObject* checked_result(PyObject* r) {
  if (r && PyLong_Check(r) && bits_of(r) > kMaxIntBits) {
    Py_DECREF(r);
    return result_too_large();
  }
  return r;
}

bool two_arguments(const char* name, Py_ssize_t nargs) {
  if (nargs == 2)
    return true;
  PyErr_Format(PyExc_TypeError, "%s expected 2 arguments, got %zd", name, nargs);
  return false;
}

// --- The operators ------------------------------------------------------------------------

PyObject* multiply(PyObject* a, PyObject* b, bool in_place) {
  if (both_ints(a, b)) {
    std::int64_t na = bits_of(a), nb = bits_of(b);
    // The product of an na-bit and an nb-bit int has na + nb - 1 or na + nb bits.
    if (na != 0 && nb != 0 && (na > kMaxIntBits || nb > kMaxIntBits || na + nb - 1 > kMaxIntBits))
      return result_too_large();
    return checked_result(PyNumber_Multiply(a, b));
  }
  return in_place ? PyNumber_InPlaceMultiply(a, b) : PyNumber_Multiply(a, b);
}

PyObject* power(PyObject* a, PyObject* b, bool in_place) {
  if (!both_ints(a, b) || _PyLong_Sign(b) < 0) {
    // Not ints, or a negative exponent: a float result, cheap (or OverflowError from CPython).
    return in_place ? PyNumber_InPlacePower(a, b, Py_None) : PyNumber_Power(a, b, Py_None);
  }
  std::int64_t na = bits_of(a);
  if (na <= 1) {
    // 0, 1 and -1: CPython would still loop over the exponent's bits, without allocating.
    if (bits_of(b) <= 64)
      return PyNumber_Power(a, b, Py_None);
    if (na == 0)
      return PyLong_FromLong(0);  // b > 0 here
    if (_PyLong_Sign(a) > 0)
      return PyLong_FromLong(1);
    PyObject* one = PyLong_FromLong(1);
    PyObject* odd = one ? PyNumber_And(b, one) : nullptr;
    Py_XDECREF(one);
    if (!odd)
      return nullptr;
    int is_odd = PyObject_IsTrue(odd);
    Py_DECREF(odd);
    return is_odd < 0 ? nullptr : PyLong_FromLong(is_odd ? -1 : 1);
  }
  int overflow = 0;
  long long e = PyLong_AsLongLongAndOverflow(b, &overflow);
  if (e == -1 && PyErr_Occurred())
    return nullptr;
  if (e == 0 && !overflow)
    return PyLong_FromLong(1);
  // |a| >= 2^(na-1), so a ** e has at least (na - 1) * e + 1 bits.
  if (overflow || e > kMaxIntBits || na > kMaxIntBits || (na - 1) * e >= kMaxIntBits)
    return result_too_large();
  return checked_result(PyNumber_Power(a, b, Py_None));
}

PyObject* left_shift(PyObject* a, PyObject* b, bool in_place) {
  if (!both_ints(a, b) || _PyLong_Sign(a) == 0 || _PyLong_Sign(b) < 0) {
    // Not ints, 0 << n (0) or a negative count (ValueError from CPython).
    return in_place ? PyNumber_InPlaceLshift(a, b) : PyNumber_Lshift(a, b);
  }
  int overflow = 0;
  long long n = PyLong_AsLongLongAndOverflow(b, &overflow);
  if (n == -1 && PyErr_Occurred())
    return nullptr;
  std::int64_t na = bits_of(a);
  if (overflow || n > kMaxIntBits || na > kMaxIntBits || na + n > kMaxIntBits)
    return result_too_large();
  return PyNumber_Lshift(a, b);
}

PyObject* floor_divide(PyObject* a, PyObject* b, bool in_place) {
  if (both_ints(a, b) && (bits_of(a) > kMaxIntBits || bits_of(b) > kMaxIntBits))
    return operand_too_large("an operand of //");
  return in_place ? PyNumber_InPlaceFloorDivide(a, b) : PyNumber_FloorDivide(a, b);
}

PyObject* remainder(PyObject* a, PyObject* b, bool in_place) {
  if (both_ints(a, b) && (bits_of(a) > kMaxIntBits || bits_of(b) > kMaxIntBits))
    return operand_too_large("an operand of %");
  return in_place ? PyNumber_InPlaceRemainder(a, b) : PyNumber_Remainder(a, b);
}

using Operator = PyObject* (*)(PyObject*, PyObject*, bool);
// In the order of the "augitem" operator index (sandbox.py's _OPERATOR_INDEX).
constexpr Operator kOperators[] = {multiply, power, left_shift, floor_divide, remainder};

template <Operator op, bool in_place>
PyObject* guard(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  if (!two_arguments("operator", nargs))
    return nullptr;
  return op(args[0], args[1], in_place);
}

// container[key] op= value. The value is evaluated before the item is read (Python reads the
// item first): only code whose value changes that very item could tell.
PyObject* augmented_item(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs != 4) {
    PyErr_SetString(PyExc_TypeError, "augmented assignment expected 4 arguments");
    return nullptr;
  }
  long index = PyLong_AsLong(args[2]);
  if (index < 0 || index >= static_cast<long>(std::size(kOperators))) {
    if (!PyErr_Occurred())
      PyErr_SetString(PyExc_ValueError, "unknown operator");
    return nullptr;
  }
  PyObject* old = PyObject_GetItem(args[0], args[1]);
  if (!old)
    return nullptr;
  PyObject* updated = kOperators[index](old, args[3], true);
  Py_DECREF(old);
  if (!updated)
    return nullptr;
  int failed = PyObject_SetItem(args[0], args[1], updated);
  Py_DECREF(updated);
  if (failed)
    return nullptr;
  Py_RETURN_NONE;
}

// --- The builtins -------------------------------------------------------------------------

PyObject* guarded_divmod(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  if (!two_arguments("divmod", nargs))
    return nullptr;
  if (both_ints(args[0], args[1]) &&
      (bits_of(args[0]) > kMaxIntBits || bits_of(args[1]) > kMaxIntBits)) {
    return operand_too_large("an argument of divmod()");
  }
  return PyNumber_Divmod(args[0], args[1]);
}

PyObject* g_range = nullptr;  // builtins.range, kept for the life of the interpreter
PyObject* g_round = nullptr;  // builtins.round
PyObject* g_sum = nullptr;    // builtins.sum
PyObject* g_map = nullptr;    // builtins.map
PyObject* g_tick = nullptr;   // tick() below, as a function object

// range(...): checked, then CPython's range. A range computes its length (a floor division) when
// it is made, and `x in r`, r[i], r.index(x) divide and multiply its ints.
PyObject* guarded_range(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  for (Py_ssize_t i = 0; i < nargs; ++i) {
    if (PyLong_Check(args[i]) && bits_of(args[i]) > kMaxIntBits)
      return operand_too_large("an argument of range()");
  }
  return PyObject_Vectorcall(g_range, args, static_cast<size_t>(nargs), nullptr);
}

// round(number, ndigits): checked, then CPython's round with the same arguments.
PyObject* guarded_round(PyObject*, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  PyObject* number = nargs > 0 ? args[0] : nullptr;
  PyObject* ndigits = nargs > 1 ? args[1] : nullptr;
  Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  for (Py_ssize_t i = 0; i < nkw; ++i) {
    PyObject* name = PyTuple_GET_ITEM(kwnames, i);
    if (PyUnicode_CompareWithASCIIString(name, "number") == 0 && !number)
      number = args[nargs + i];
    else if (PyUnicode_CompareWithASCIIString(name, "ndigits") == 0 && !ndigits)
      ndigits = args[nargs + i];
  }
  if (number && ndigits && ndigits != Py_None && both_ints(number, ndigits) &&
      _PyLong_Sign(ndigits) < 0) {
    // round(int, -n) computes 10 ** n and divides by it.
    if (bits_of(number) > kMaxIntBits)
      return operand_too_large("the integer given to round()");
    int overflow = 0;
    long long n = PyLong_AsLongLongAndOverflow(ndigits, &overflow);
    if (n == -1 && PyErr_Occurred())
      return nullptr;
    // |number| < 2^33220 < 10^10001 / 2: rounded to more digits than that, it is 0.
    if (overflow || -n > kMaxIntDigits)
      return PyLong_FromLong(0);
  }
  return PyObject_Vectorcall(g_round, args, static_cast<size_t>(nargs), kwnames);
}

// Counts the items sum() takes and raises SandboxTimeout once the evaluation is past its
// deadline (looked at every few thousand items): sum() is a C loop the watchdog cannot interrupt.
PyObject* tick(PyObject*, PyObject* item) {
  if (out_of_time(1))
    return nullptr;
  Py_INCREF(item);
  return item;
}

// sum(iterable, /, start=0): CPython's sum over the items passed through tick().
PyObject* guarded_sum(PyObject*, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  Py_ssize_t total = nargs + (kwnames ? PyTuple_GET_SIZE(kwnames) : 0);
  if (nargs < 1 || total > 2) {
    // CPython's own message for the wrong arguments.
    return PyObject_Vectorcall(g_sum, args, static_cast<size_t>(nargs), kwnames);
  }
  PyObject* mapped = PyObject_CallFunctionObjArgs(g_map, g_tick, args[0], nullptr);
  if (!mapped)
    return nullptr;
  // The same arguments, the iterable replaced by the mapped one.
  PyObject* forwarded[2] = {mapped, total > 1 ? args[1] : nullptr};
  PyObject* r = PyObject_Vectorcall(g_sum, forwarded, static_cast<size_t>(nargs), kwnames);
  Py_DECREF(mapped);
  return r;
}

PyMethodDef kDefs[] = {
    {"mul", as_cfunction(guard<multiply, false>), METH_FASTCALL, nullptr},
    {"pow", as_cfunction(guard<power, false>), METH_FASTCALL, nullptr},
    {"lshift", as_cfunction(guard<left_shift, false>), METH_FASTCALL, nullptr},
    {"floordiv", as_cfunction(guard<floor_divide, false>), METH_FASTCALL, nullptr},
    {"mod", as_cfunction(guard<remainder, false>), METH_FASTCALL, nullptr},
    {"imul", as_cfunction(guard<multiply, true>), METH_FASTCALL, nullptr},
    {"ipow", as_cfunction(guard<power, true>), METH_FASTCALL, nullptr},
    {"ilshift", as_cfunction(guard<left_shift, true>), METH_FASTCALL, nullptr},
    {"ifloordiv", as_cfunction(guard<floor_divide, true>), METH_FASTCALL, nullptr},
    {"imod", as_cfunction(guard<remainder, true>), METH_FASTCALL, nullptr},
    {"augitem", as_cfunction(augmented_item), METH_FASTCALL, nullptr},
    {"divmod", as_cfunction(guarded_divmod), METH_FASTCALL, "Return the tuple (x//y, x%y)."},
    {"range", as_cfunction(guarded_range), METH_FASTCALL,
     "range(stop) or range(start, stop[, step]): an immutable sequence of integers."},
    {"round", as_cfunction(guarded_round), METH_FASTCALL | METH_KEYWORDS,
     "Round a number to a given precision in decimal digits."},
    {"sum", as_cfunction(guarded_sum), METH_FASTCALL | METH_KEYWORDS,
     "Return the sum of a 'start' value (default: 0) plus an "
     "iterable of numbers."},
};

PyMethodDef kTickDef = {"tick", tick, METH_O, nullptr};

}  // namespace

pybind11::dict arith_guards() {
  static pybind11::dict* made = [] {
    pybind11::module_ builtins = pybind11::module_::import("builtins");
    g_range = pybind11::object(builtins.attr("range")).release().ptr();
    g_round = pybind11::object(builtins.attr("round")).release().ptr();
    g_sum = pybind11::object(builtins.attr("sum")).release().ptr();
    g_map = pybind11::object(builtins.attr("map")).release().ptr();
    g_tick = PyCFunction_New(&kTickDef, nullptr);
    if (!g_tick)
      throw pybind11::error_already_set();
    auto* d = new pybind11::dict();
    for (PyMethodDef& def : kDefs) {
      PyObject* fn = PyCFunction_New(&def, nullptr);
      if (!fn)
        throw pybind11::error_already_set();
      (*d)[def.ml_name] = pybind11::reinterpret_steal<pybind11::object>(fn);
    }
    return d;
  }();
  return *made;
}

}  // namespace autorules::script::internal
