# KEHRBOTE_FUZZ: builds the libFuzzer targets of tests/fuzz/ (scripts/fuzz, build-fuzz/).
#   CC=clang-14 CXX=clang++-14 cmake -DKEHRBOTE_FUZZ=ON ...
# Every library is compiled with coverage instrumentation (fuzzer-no-link) and ASan +
# UBSan, so a finding inside a component is seen, not only in the target's own code;
# the targets then link libFuzzer's main (-fsanitize=fuzzer, tests/fuzz/CMakeLists.txt).
# UBSan does not recover: undefined behaviour is a crash libFuzzer reports.
option(KEHRBOTE_FUZZ "Build the libFuzzer targets (clang only)" OFF)
if(NOT KEHRBOTE_FUZZ)
  return()
endif()
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "KEHRBOTE_FUZZ needs clang (CXX=clang++-14); got ${CMAKE_CXX_COMPILER_ID}")
endif()
if(KEHRBOTE_SANITIZE)
  message(FATAL_ERROR "KEHRBOTE_FUZZ brings its own sanitizers; leave KEHRBOTE_SANITIZE empty")
endif()
set(kehrbote_fuzz_flags -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
    -fno-omit-frame-pointer)
add_compile_options(${kehrbote_fuzz_flags})
add_link_options(-fsanitize=address,undefined)
