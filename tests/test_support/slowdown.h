// How many times slower than usual this build runs the code under test. A sanitizer build checks
// every memory access of our code and every call into the C library (memcpy, memcmp, malloc...),
// Python's included: the tests that bound work by the wall clock (the sandbox's time limit)
// scale their limits by this factor, so that what must end before the limit still does.
#pragma once

namespace autorules::test {

#if defined(__has_feature)
#define AUTORULES_TEST_HAS_FEATURE(x) __has_feature(x)
#else
#define AUTORULES_TEST_HAS_FEATURE(x) 0
#endif

// ThreadSanitizer slows memory-heavy code down more than AddressSanitizer does.
#if defined(__SANITIZE_THREAD__) || AUTORULES_TEST_HAS_FEATURE(thread_sanitizer)
inline constexpr double kSlowdown = 10;
#elif defined(__SANITIZE_ADDRESS__) || AUTORULES_TEST_HAS_FEATURE(address_sanitizer)
inline constexpr double kSlowdown = 4;
#else
inline constexpr double kSlowdown = 1;
#endif

#undef AUTORULES_TEST_HAS_FEATURE

}  // namespace autorules::test
