// The sanitizers' options, compiled into every executable of a sanitizer build (the asan and tsan
// presets; see the top CMakeLists.txt): the runtimes read these functions at start-up, so the
// tests run the same under ctest, under the build's test discovery and by hand. Options in the
// environment (ASAN_OPTIONS, UBSAN_OPTIONS, LSAN_OPTIONS, TSAN_OPTIONS) come after, and win.
//
// Every finding stops the process with an error (halt_on_error), so that it fails its test.
// Suppressions are in this folder, each with the reason it is there.

#ifndef AUTORULES_SANITIZERS_DIR
#error "AUTORULES_SANITIZERS_DIR: the folder of the suppression files"
#endif

extern "C" {

const char* __asan_default_options() {
  return "halt_on_error=1:abort_on_error=0:detect_stack_use_after_return=1:"
         "strict_init_order=1:check_initialization_order=1:detect_leaks=1";
}

const char* __lsan_default_options() {
  return "suppressions=" AUTORULES_SANITIZERS_DIR "/lsan.supp:print_suppressions=0";
}

const char* __ubsan_default_options() {
  return "halt_on_error=1:print_stacktrace=1";
}

const char* __tsan_default_options() {
  return "halt_on_error=1:second_deadlock_stack=1:suppressions=" AUTORULES_SANITIZERS_DIR
         "/tsan.supp:print_suppressions=0";
}

}  // extern "C"
