# KEHRBOTE_SANITIZE: builds everything, the tests included, with GCC/Clang sanitizers.
#   -DKEHRBOTE_SANITIZE=address,undefined   ASan + UBSan (scripts/test-sanitizers: build-asan/)
#   -DKEHRBOTE_SANITIZE=thread              TSan (scripts/test-sanitizers: build-tsan/)
# Empty (the default) is the normal build. UBSan does not recover: the first undefined
# behaviour aborts the process, so a test cannot pass over it (-fno-sanitize-recover).
# Frame pointers keep the reports' stacks complete. -O1 -g1 instead of RelWithDebInfo's -O2 -g:
# CI compiles the sanitized tree cold (docs/architecture.md, "CI time"); -O1 is what the
# sanitizers' authors recommend and -g1 keeps the line tables the reports need (no variables),
# which makes the objects and the links much smaller.
set(KEHRBOTE_SANITIZE "" CACHE STRING
    "Sanitizers for every target: address,undefined | thread | empty for none")
if(NOT KEHRBOTE_SANITIZE)
  return()
endif()
if(WIN32)
  message(FATAL_ERROR "KEHRBOTE_SANITIZE: not for the mingw-w64 build")
endif()
if(NOT KEHRBOTE_SANITIZE MATCHES "^(address,undefined|undefined,address|address|undefined|thread)$")
  message(FATAL_ERROR "KEHRBOTE_SANITIZE=${KEHRBOTE_SANITIZE}: use address,undefined or thread")
endif()
set(kehrbote_sanitize_flags -fsanitize=${KEHRBOTE_SANITIZE} -fno-omit-frame-pointer)
# After CMAKE_CXX_FLAGS_<CONFIG> on the command line, so these win over its -O2 -g.
add_compile_options(-O1 -g1)
if(KEHRBOTE_SANITIZE MATCHES "undefined")
  list(APPEND kehrbote_sanitize_flags -fno-sanitize-recover=all)
endif()
add_compile_options(${kehrbote_sanitize_flags})
add_link_options(${kehrbote_sanitize_flags})
if(KEHRBOTE_SANITIZE STREQUAL "thread")
  # Waits TSan would not see otherwise (reason in the file).
  add_library(kehrbote_tsan_clock_shims STATIC
              ${CMAKE_CURRENT_SOURCE_DIR}/tests/sanitizers/tsan_clock_shims.cc)
  link_libraries(kehrbote_tsan_clock_shims)
endif()
