#include "script/internal/deadline.h"

#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <stdexcept>
#include <vector>

#include <time.h>

#include "script/internal/cpython.h"

#if PY_VERSION_HEX < 0x030B0000 || PY_VERSION_HEX >= 0x030C0000
#error "deadline.cc replaces slots of CPython 3.11's built-in types: check them for this version"
#endif

namespace autorules::script::internal {

namespace {

// --- The clock ----------------------------------------------------------------------------
// CLOCK_MONOTONIC_COARSE: about 10 ns a read where steady_clock can take 100 (it is read for
// every item of map()), at the resolution of the kernel's tick (a few ms), which only makes a
// timeout that much later.

std::int64_t coarse_now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// The running evaluation's state, per thread (initial-exec: a plain load, no call, on the path
// every wrapped hash and comparison takes).
[[gnu::tls_model("initial-exec")]] thread_local bool tl_watching = false;
[[gnu::tls_model("initial-exec")]] thread_local std::size_t tl_units = 0;
[[gnu::tls_model("initial-exec")]] thread_local bool tl_expired = false;
[[gnu::tls_model("initial-exec")]] thread_local std::int64_t tl_deadline_ns = 0;

PyObject* g_timeout_type = nullptr;  // SandboxTimeout

[[gnu::noinline, gnu::cold]] bool check_clock() {
  if (!tl_expired) {
    tl_units = 0;
    if (coarse_now_ns() < tl_deadline_ns)
      return false;
    tl_expired = true;
  }
  // Past the deadline: every later call fails too (code that swallows the error with a bare
  // `except:` gets it again at its next step), until the evaluation ends.
  tl_units = kUnitsPerCheck;
  PyErr_SetNone(g_timeout_type ? g_timeout_type : PyExc_TimeoutError);
  return true;
}

// Only called while watching.
inline bool spend(std::size_t units) {
  tl_units += units;
  if (tl_units < kUnitsPerCheck) [[likely]]
    return false;
  return check_clock();
}

// --- The guarded slots --------------------------------------------------------------------

enum Kind : int {
  kTuple,
  kList,
  kDict,
  kSet,
  kFrozenSet,
  kDictKeys,
  kDictItems,
  kInt,
  kFloat,
  kComplex,
  kStr,
  kBytes,
  kMap,
  kKinds
};

// The original functions, by kind.
hashfunc g_hash[kKinds] = {};
richcmpfunc g_compare[kKinds] = {};
iternextfunc g_next[kKinds] = {};

std::size_t dict_size(PyObject* dict) {
  return static_cast<std::size_t>(reinterpret_cast<PyDictObject*>(dict)->ma_used);
}

std::size_t int_digits(PyObject* v) {
  return static_cast<std::size_t>(std::labs(Py_SIZE(v)));
}

// The work of one call, beyond the calls it makes through other guarded slots: about one unit per
// item visited or 16 bytes compared (an overestimate only makes the checks more frequent).
template <Kind K>
std::size_t units_of(PyObject* self) {
  if constexpr (K == kTuple || K == kList)
    return 1 + static_cast<std::size_t>(Py_SIZE(self));
  else if constexpr (K == kDict)
    return 1 + dict_size(self);
  else if constexpr (K == kSet || K == kFrozenSet)
    return 1 + static_cast<std::size_t>(PySet_GET_SIZE(self));
  else if constexpr (K == kDictKeys || K == kDictItems)
    return 1 + dict_size(reinterpret_cast<PyObject*>(
                   reinterpret_cast<_PyDictViewObject*>(self)->dv_dict));
  else if constexpr (K == kInt)
    return 1 + int_digits(self);
  else if constexpr (K == kStr)
    return 1 + (static_cast<std::size_t>(PyUnicode_GET_LENGTH(self)) >> 4);
  else if constexpr (K == kBytes)
    return 1 + (static_cast<std::size_t>(PyBytes_GET_SIZE(self)) >> 4);
  else
    return 1;
}

template <Kind K>
Py_hash_t guarded_hash(PyObject* self) {
  if (tl_watching && spend(units_of<K>(self))) [[unlikely]]
    return -1;
  return g_hash[K](self);
}

// CPython's slot_tp_hash hashes an out-of-range int that a __hash__ method returned with int's
// tp_hash and does not look for an error: ints of up to kQuietDigits digits (2**240) are only
// counted, and the next guarded call checks; longer ones (long to hash, and that no __hash__
// returns) check themselves.
constexpr std::size_t kQuietDigits = 8;

Py_hash_t guarded_int_hash(PyObject* self) {
  if (tl_watching) {
    std::size_t digits = int_digits(self);
    if (digits <= kQuietDigits)
      tl_units += 1 + digits;
    else if (spend(1 + digits)) [[unlikely]]
      return -1;
  }
  return g_hash[kInt](self);
}

template <Kind K>
PyObject* guarded_compare(PyObject* self, PyObject* other, int op) {
  if (tl_watching && spend(units_of<K>(self))) [[unlikely]]
    return nullptr;
  return g_compare[K](self, other, op);
}

// map() calls its function for every item, maybe C code whose work is linear in a value shared by
// every item (`any(map(any, [row] * n))`): the clock is read for every item.
template <Kind K>
PyObject* guarded_next(PyObject* self) {
  if (tl_watching && spend(kUnitsPerCheck)) [[unlikely]]
    return nullptr;
  return g_next[K](self);
}

template <class F>
void* as_pointer(F* f) {
  return reinterpret_cast<void*>(f);
}

// The type's slot wrappers (`tuple.__eq__`, ...) call the function they were made for, and a
// Python subclass made later takes its slot from them: they are pointed at the wrapper too.
void rewire_descriptors(PyTypeObject* type, std::initializer_list<const char*> names,
                        void* original, void* wrapper) {
  for (const char* name : names) {
    PyObject* descr = PyDict_GetItemString(type->tp_dict, name);  // borrowed
    if (descr && Py_IS_TYPE(descr, &PyWrapperDescr_Type)) {
      auto* w = reinterpret_cast<PyWrapperDescrObject*>(descr);
      if (w->d_wrapped == original)
        w->d_wrapped = wrapper;
    }
  }
}

template <Kind K>
void guard_hash(PyTypeObject* type, hashfunc wrapper) {
  g_hash[K] = type->tp_hash;
  type->tp_hash = wrapper;
  rewire_descriptors(type, {"__hash__"}, as_pointer(g_hash[K]), as_pointer(wrapper));
}

template <Kind K>
void guard_compare(PyTypeObject* type) {
  g_compare[K] = type->tp_richcompare;
  type->tp_richcompare = guarded_compare<K>;
  rewire_descriptors(type, {"__lt__", "__le__", "__eq__", "__ne__", "__gt__", "__ge__"},
                     as_pointer(g_compare[K]), as_pointer(guarded_compare<K>));
}

template <Kind K>
void guard_next(PyTypeObject* type) {
  g_next[K] = type->tp_iternext;
  type->tp_iternext = guarded_next<K>;
  rewire_descriptors(type, {"__next__"}, as_pointer(g_next[K]), as_pointer(guarded_next<K>));
}

// --- Functions called for every item -------------------------------------------------------
// filter(), min() and max() with key=, sorted() and list.sort() with key=, and reduce() call a
// function for every item from a C loop. A Python function runs bytecode, which the watchdog
// stops; C code (`any`, `str.count`, `s.find`, ...) may do work linear in a value shared by every
// item, so it is called through a wrapper that reads the clock first.

PyObject* call_checked(PyObject* target, PyObject* const* args, Py_ssize_t nargs,
                       PyObject* kwnames) {
  if (out_of_time(kUnitsPerCheck))
    return nullptr;
  return PyObject_Vectorcall(target, args, static_cast<std::size_t>(nargs), kwnames);
}

PyMethodDef kCheckedDef = {"checked", as_cfunction(call_checked), METH_FASTCALL | METH_KEYWORDS,
                           nullptr};

// None and bool (filter's truth test, cheap), or a Python function (bytecode): no check needed.
bool runs_bytecode_or_nothing(PyObject* fn) {
  return fn == Py_None || PyFunction_Check(fn) || fn == reinterpret_cast<PyObject*>(&PyBool_Type);
}

// Calls `original` with the arguments given, the one at `at` (keywords counted after the
// positional ones; -1: none) called through call_checked.
PyObject* call_with_checked(PyObject* original, PyObject* const* args, Py_ssize_t nargs,
                            PyObject* kwnames, Py_ssize_t at) {
  Py_ssize_t total = nargs + (kwnames ? PyTuple_GET_SIZE(kwnames) : 0);
  if (!tl_watching || at < 0 || at >= total || runs_bytecode_or_nothing(args[at]))
    return PyObject_Vectorcall(original, args, static_cast<std::size_t>(nargs), kwnames);
  PyObject* checked = PyCFunction_New(&kCheckedDef, args[at]);
  if (!checked)
    return nullptr;
  std::vector<PyObject*> copy(args, args + total);
  copy[static_cast<std::size_t>(at)] = checked;
  PyObject* r =
      PyObject_Vectorcall(original, copy.data(), static_cast<std::size_t>(nargs), kwnames);
  Py_DECREF(checked);
  return r;
}

Py_ssize_t keyword_at(PyObject* kwnames, Py_ssize_t nargs, const char* name) {
  Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  for (Py_ssize_t i = 0; i < nkw; ++i) {
    if (PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(kwnames, i), name) == 0)
      return nargs + i;
  }
  return -1;
}

PyObject* g_min = nullptr;     // builtins.min, kept for the life of the interpreter
PyObject* g_max = nullptr;     // builtins.max
PyObject* g_filter = nullptr;  // builtins.filter
PyObject* g_reduce = nullptr;  // functools.reduce

PyObject* checked_min(PyObject*, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  return call_with_checked(g_min, args, nargs, kwnames, keyword_at(kwnames, nargs, "key"));
}
PyObject* checked_max(PyObject*, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  return call_with_checked(g_max, args, nargs, kwnames, keyword_at(kwnames, nargs, "key"));
}
PyObject* checked_filter(PyObject*, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  return call_with_checked(g_filter, args, nargs, kwnames, nargs > 0 ? 0 : -1);
}
PyObject* checked_reduce(PyObject*, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  return call_with_checked(g_reduce, args, nargs, kwnames, nargs > 0 ? 0 : -1);
}

// callback(fn): fn itself, or for C code a function that reads the clock, then calls fn (for
// callbacks given to library code written in C, such as json's hooks).
PyObject* checked_callback(PyObject*, PyObject* fn) {
  if (runs_bytecode_or_nothing(fn))
    return Py_NewRef(fn);
  return PyCFunction_New(&kCheckedDef, fn);
}

PyMethodDef kBuiltinDefs[] = {
    {"min", as_cfunction(checked_min), METH_FASTCALL | METH_KEYWORDS,
     "min(iterable, *[, default=obj, key=func]) -> value\nmin(arg1, arg2, *args, *[, key=func]) "
     "-> value\n\nWith a single iterable argument, return its smallest item."},
    {"max", as_cfunction(checked_max), METH_FASTCALL | METH_KEYWORDS,
     "max(iterable, *[, default=obj, key=func]) -> value\nmax(arg1, arg2, *args, *[, key=func]) "
     "-> value\n\nWith a single iterable argument, return its biggest item."},
    {"filter", as_cfunction(checked_filter), METH_FASTCALL | METH_KEYWORDS,
     "filter(function or None, iterable): the items of iterable for which function(item) is "
     "true."},
    {"reduce", as_cfunction(checked_reduce), METH_FASTCALL | METH_KEYWORDS,
     "reduce(function, iterable[, initial]) -> value\n\nApply a function of two arguments "
     "cumulatively to the items of an iterable."},
    {"callback", checked_callback, METH_O, nullptr},
};

// --- Sorting --------------------------------------------------------------------------------
// list.sort (and sorted(), which calls it) compares keys that are all latin-1 texts with memcmp
// directly, through no slot: `sorted([s] * n)` compares the whole of s n times. When the keys'
// characters add up to more than kMaxLatinSortChars, the last key is handed over as a copy of
// another type (a subclass of str, equal to it): the keys are no longer all of one type, and
// every comparison goes through the guarded tp_richcompare. The order is the same: only the
// keys change, and a text compares with its copy as with itself. Key functions are called
// through a wrapper that does the counting (and reads the clock for C code, as above).

constexpr std::size_t kMaxLatinSortChars = std::size_t{1} << 26;

PyObject* g_sort_text_type = nullptr;  // the subclass of str of that copy
_PyCFunctionFastWithKeywords g_sort = nullptr;
PyMethodDef g_sort_def;  // list.sort's own, pointing at guarded_sort

struct SortKeys {
  PyObject* target = nullptr;  // the key function given, or none (the item is its own key)
  bool check_clock = false;    // the key function is C code
  Py_ssize_t left = 0;         // calls before the last one
  std::size_t latin_chars = 0;
  bool all_latin = true;
};
constexpr const char* kSortKeysName = "autorules.sort_keys";

void free_sort_keys(PyObject* capsule) {
  auto* keys = static_cast<SortKeys*>(PyCapsule_GetPointer(capsule, kSortKeysName));
  Py_XDECREF(keys->target);
  delete keys;
}

bool is_latin_text(PyObject* o) {
  return PyUnicode_CheckExact(o) && PyUnicode_KIND(o) == PyUnicode_1BYTE_KIND;
}

PyObject* sort_key(PyObject* capsule, PyObject* item) {
  auto* keys = static_cast<SortKeys*>(PyCapsule_GetPointer(capsule, kSortKeysName));
  if (keys->check_clock && out_of_time(kUnitsPerCheck))
    return nullptr;
  PyObject* key = keys->target ? PyObject_CallOneArg(keys->target, item) : Py_NewRef(item);
  if (!key)
    return nullptr;
  if (keys->all_latin) {
    if (is_latin_text(key))
      keys->latin_chars += static_cast<std::size_t>(PyUnicode_GET_LENGTH(key));
    else
      keys->all_latin = false;
  }
  if (keys->left-- == 0 && keys->all_latin && keys->latin_chars > kMaxLatinSortChars) {
    PyObject* copy = PyObject_CallOneArg(g_sort_text_type, key);
    Py_DECREF(key);
    return copy;
  }
  return key;
}

PyMethodDef kSortKeyDef = {"sort_key", sort_key, METH_O, nullptr};

// list.sort(*, key=None, reverse=False), as above during an evaluation.
PyObject* guarded_sort(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  if (!tl_watching || nargs != 0 || !PyList_Check(self) || PyList_GET_SIZE(self) < 2)
    return g_sort(self, args, nargs, kwnames);
  Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  Py_ssize_t at = keyword_at(kwnames, 0, "key");
  PyObject* key = at >= 0 ? args[at] : Py_None;
  Py_ssize_t n = PyList_GET_SIZE(self);
  if (key == Py_None) {
    // The items are the keys: counted now, and left alone unless they are many latin-1 texts.
    std::size_t chars = 0;
    for (Py_ssize_t i = 0; i < n; ++i) {
      PyObject* item = PyList_GET_ITEM(self, i);
      if (!is_latin_text(item))
        return g_sort(self, args, nargs, kwnames);
      chars += static_cast<std::size_t>(PyUnicode_GET_LENGTH(item));
    }
    if (chars <= kMaxLatinSortChars)
      return g_sort(self, args, nargs, kwnames);
  }
  auto* keys = new SortKeys();
  keys->left = n - 1;
  if (key != Py_None) {
    keys->target = Py_NewRef(key);
    keys->check_clock = !PyFunction_Check(key);
  }
  PyObject* capsule = PyCapsule_New(keys, kSortKeysName, free_sort_keys);
  if (!capsule) {
    Py_XDECREF(keys->target);
    delete keys;
    return nullptr;
  }
  PyObject* key_function = PyCFunction_New(&kSortKeyDef, capsule);
  Py_DECREF(capsule);
  if (!key_function)
    return nullptr;
  PyObject* r;
  if (at >= 0) {
    std::vector<PyObject*> copy(args, args + nkw);
    copy[static_cast<std::size_t>(at)] = key_function;
    r = g_sort(self, copy.data(), 0, kwnames);
  } else {
    // key= added after the keywords given (reverse=).
    std::vector<PyObject*> copy(args, args + nkw);
    copy.push_back(key_function);
    PyObject* names = PyTuple_New(nkw + 1);
    if (!names) {
      Py_DECREF(key_function);
      return nullptr;
    }
    for (Py_ssize_t i = 0; i < nkw; ++i)
      PyTuple_SET_ITEM(names, i, Py_NewRef(PyTuple_GET_ITEM(kwnames, i)));
    PyObject* name = PyUnicode_InternFromString("key");
    if (!name) {
      Py_DECREF(names);
      Py_DECREF(key_function);
      return nullptr;
    }
    PyTuple_SET_ITEM(names, nkw, name);
    r = g_sort(self, copy.data(), 0, names);
    Py_DECREF(names);
  }
  Py_DECREF(key_function);
  return r;
}

// list.sort's method descriptor calls the PyMethodDef it holds (looked up at every call, also by
// the specialised call instructions and by sorted()): pointed at a copy calling guarded_sort.
void guard_sort() {
  PyObject* descr = PyDict_GetItemString(PyList_Type.tp_dict, "sort");  // borrowed
  if (!descr || !Py_IS_TYPE(descr, &PyMethodDescr_Type))
    return;
  auto* method = reinterpret_cast<PyMethodDescrObject*>(descr);
  if (method->d_method->ml_flags != (METH_FASTCALL | METH_KEYWORDS))
    return;
  g_sort = reinterpret_cast<_PyCFunctionFastWithKeywords>(
      reinterpret_cast<void (*)()>(method->d_method->ml_meth));
  g_sort_def = *method->d_method;
  g_sort_def.ml_meth = as_cfunction(guarded_sort);
  method->d_method = &g_sort_def;
}

}  // namespace

void guard_c_work(PyObject* timeout_type) {
  static bool done = false;
  if (done)
    return;
  done = true;
  Py_INCREF(timeout_type);
  g_timeout_type = timeout_type;
  // Containers: their hash and comparisons loop over their items (and recurse through them).
  guard_hash<kTuple>(&PyTuple_Type, guarded_hash<kTuple>);
  guard_compare<kTuple>(&PyTuple_Type);
  guard_compare<kList>(&PyList_Type);
  guard_compare<kDict>(&PyDict_Type);
  guard_compare<kSet>(&PySet_Type);
  guard_compare<kFrozenSet>(&PyFrozenSet_Type);
  guard_compare<kDictKeys>(&PyDictKeys_Type);
  guard_compare<kDictItems>(&PyDictItems_Type);
  // Numbers: the comparisons a set or dict makes for every key of equal hash it probes (ints
  // equal modulo 2**61 - 1 hash alike); an int's hash is linear in its digits and not cached.
  guard_hash<kInt>(&PyLong_Type, guarded_int_hash);
  guard_compare<kInt>(&PyLong_Type);
  guard_compare<kFloat>(&PyFloat_Type);
  guard_compare<kComplex>(&PyComplex_Type);
  // Texts and bytes: comparing is linear in their length (`x in [s] * n`, with x equal to s but
  // another object). Their hash is cached in the object.
  guard_compare<kStr>(&PyUnicode_Type);
  guard_compare<kBytes>(&PyBytes_Type);
  guard_next<kMap>(&PyMap_Type);
  // list.sort: key functions, and texts compared with memcmp.
  guard_sort();
  g_sort_text_type = PyObject_CallFunction(reinterpret_cast<PyObject*>(&PyType_Type), "s(O){s:()}",
                                           "text", &PyUnicode_Type, "__slots__");
  if (!g_sort_text_type)
    throw std::runtime_error("the sandbox could not make its sort key type");
}

PyObject* checked_builtins() {
  PyObject* builtins = PyImport_ImportModule("builtins");
  PyObject* functools = builtins ? PyImport_ImportModule("functools") : nullptr;
  if (functools) {
    g_min = PyObject_GetAttrString(builtins, "min");
    g_max = PyObject_GetAttrString(builtins, "max");
    g_filter = PyObject_GetAttrString(builtins, "filter");
    g_reduce = PyObject_GetAttrString(functools, "reduce");
  }
  Py_XDECREF(builtins);
  Py_XDECREF(functools);
  if (!g_min || !g_max || !g_filter || !g_reduce)
    return nullptr;
  PyObject* dict = PyDict_New();
  if (!dict)
    return nullptr;
  for (PyMethodDef& def : kBuiltinDefs) {
    PyObject* fn = PyCFunction_New(&def, nullptr);
    if (!fn || PyDict_SetItemString(dict, def.ml_name, fn) < 0) {
      Py_XDECREF(fn);
      Py_DECREF(dict);
      return nullptr;
    }
    Py_DECREF(fn);
  }
  return dict;
}

void watch_deadline(std::chrono::steady_clock::duration timeout) {
  tl_deadline_ns =
      coarse_now_ns() + std::chrono::duration_cast<std::chrono::nanoseconds>(timeout).count();
  tl_units = 0;
  tl_expired = false;
  tl_watching = true;
}

void stop_watching_deadline() {
  tl_watching = false;
  tl_expired = false;
  tl_units = 0;
}

bool out_of_time(std::size_t units) {
  return tl_watching && spend(units);
}

}  // namespace autorules::script::internal
