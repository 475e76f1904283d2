// The evaluation's deadline, seen from C code that runs without bytecode. The watchdog's
// asynchronous SandboxTimeout is only looked at between bytecodes: C work that runs long holds the
// GIL and cannot be stopped from outside (every request needing Python waits, and the request's
// transaction holds the database writer). So the C work that user code can make long with
// little memory checks the deadline itself and fails with the same SandboxTimeout, through
// CPython's ordinary error returns (no longjmp):
//
//   - hashing and comparing: at start, the tp_hash and tp_richcompare slots of the built-in types
//     whose C code loops over or recurses into other objects (tuple, list, dict, set, frozenset,
//     dict views) or is probed again and again in a set or dict full of keys with equal hashes
//     (int, float, complex), or compares long data (str, bytes), are replaced by wrappers that
//     count the work (about one unit per item or 16 bytes) and, during an evaluation, compare the
//     clock with the deadline every few thousand units: `t = (1,)`, `t = (t, t)` 40 times, then
//     `{t}` walks 2**40 leaves; `set()` of 20,000 ints equal modulo 2**61 - 1 compares 2 * 10**8
//     pairs;
//   - functions called for every item from a C loop: map's tp_iternext reads the clock for every
//     item; filter(), min() and max() with key=, reduce() (the sandbox's builtins, made here) and
//     list.sort with key= (its method, also behind sorted()) call a C function given to them
//     through a wrapper that reads the clock first, and so do json.loads's and json.dumps's
//     hooks (`any(map(any, [row] * n))`: every item calls C code whose work is linear in a value
//     shared by all);
//   - list.sort of texts: it compares keys that are all latin-1 texts with memcmp, through no
//     slot (`sorted([s, t] * n)`, s and t equal long texts); when they add up to more than 2**26
//     characters, the last key is handed over as an equal copy of a str subclass, so that every
//     comparison goes through the guarded slot;
//   - the record proxies' hash, equality and containment (internal/proxies.cc) count their ids.
//
// Wrappers only act while an evaluation runs on their thread (Limits, internal/interpreter.cc);
// elsewhere they cost a thread-local test and call the original. Types that copied a slot before
// start (bool from int; struct_time and other C tuple subtypes readied with the interpreter)
// keep CPython's functions: their values are made by the library, not by user code, and their
// items' slots still check. Python subclasses made later inherit the wrappers (the types'
// __hash__, __eq__, ... descriptors wrap them too).
//
// Thread-safety: the GIL is held by every caller; the counters are per thread.
#pragma once

#include <chrono>
#include <cstddef>

#include <Python.h>

namespace autorules::script::internal {

// Replaces the slots and list.sort (once, at interpreter start, GIL held, before any evaluation).
// `timeout_type` is SandboxTimeout, kept for the life of the interpreter.
void guard_c_work(PyObject* timeout_type);

// The sandbox's min, max, filter and reduce (above), and callback(fn) (fn, or for C code fn behind
// a check of the clock: for json's hooks), by name: a new dict, or null with a Python error. GIL
// held.
PyObject* checked_builtins();

// Starts and ends the checks for the outermost evaluation of this thread, whose time limit is
// `timeout` from now.
void watch_deadline(std::chrono::steady_clock::duration timeout);
void stop_watching_deadline();

// Counts `units` of C work for the evaluation running on this thread (a unit: about one item
// visited or 16 bytes compared); every few thousand units it compares the clock with the
// deadline. True once the evaluation is past it, with SandboxTimeout set as the Python error
// (and from then on at every call, until the evaluation ends). False outside an evaluation.
bool out_of_time(std::size_t units);

// The units after which out_of_time() looks at the clock: passing it checks at once, for work
// whose size is unknown (a function called per item).
inline constexpr std::size_t kUnitsPerCheck = 4096;

}  // namespace autorules::script::internal
