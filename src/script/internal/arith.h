// Guarded integer arithmetic for user code. CPython's int multiplication, power, shift, floor
// division and modulo run in C, where the watchdog's asynchronous SandboxTimeout is never seen,
// and some cost far more than linear time: `7 ** (2 * 10**6) // 7 ** 10**6` ran 21 s against a
// 5 s limit, holding the GIL while other requests waited. compile_checked (sandbox.py) rewrites
// user code so that `*`, `**`, `<<`, `//` and `%` (and their augmented forms) call the functions
// made here, and the sandbox's builtins `divmod`, `round` and `sum` are replaced by them:
//
//   - an int result of `*`, `**` or `<<` past kMaxIntBits (about 10,000 decimal digits) is
//     refused before it is computed, from the operands' bit lengths (0 and ±1 bases, negative
//     exponents and shift counts go to CPython, which is cheap or refuses them itself);
//   - an int operand of `//`, `%` or divmod() past that size is refused (ints can be made big
//     cheaply without these operators, e.g. int.from_bytes, and long division is quadratic);
//   - round(int, -n) of such an int is refused, and past 10,000 digits is 0 without computing
//     10 ** n; so is range() of such ints (a range divides when it is made, and `x in r`, r[i]
//     divide and multiply its ints);
//   - sum() checks the evaluation's deadline every few thousand items.
//
// Anything that is not an int on both sides (str * n, '%s' % x, floats, timedelta) goes straight
// to CPython, unchanged. Errors are OverflowError("integer too large: ...").
//
// Thread-safety: the functions are called by Python with the GIL held.
#pragma once

#include <cstdint>

#include <pybind11/pybind11.h>

namespace autorules::script::internal {

inline constexpr int kMaxIntDigits = 10000;
// The bit length of 10^10000 (rounded up): ints of up to this many bits have about 10,000
// decimal digits at most.
inline constexpr std::int64_t kMaxIntBits = 33220;

// The guard functions by name, for the sandbox module (sandbox.py's _arith): "mul", "pow",
// "lshift", "floordiv", "mod" (binary operators), the same with an "i" in front (augmented
// assignments, in place for non-ints), "augitem" (container[key] op= value, op being the index
// of the operator in that order), "sum", "divmod", "round" and "range" (a function: user code's
// isinstance(x, range) no longer works). GIL held; made once.
pybind11::dict arith_guards();

}  // namespace autorules::script::internal
