# kehrbote_component(NAME SOURCES ... [DEPS ...])
# One static library per component, so that the agent links only what it needs
# (no libphonenumber, no ICU) and a broken component does not break the others.
function(kehrbote_component name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  foreach(src ${ARG_SOURCES})
    if(NOT IS_ABSOLUTE ${src} AND NOT EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${src})
      message(FATAL_ERROR "component ${name}: missing source ${src}")
    endif()
  endforeach()
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${KEHRBOTE_SOURCE_ROOT})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

# kehrbote_test(NAME SOURCES ... [DEPS ...] [LABELS ...] [PROPERTIES ...])
# A GoogleTest executable registered with ctest, one ctest entry per test case;
# PROPERTIES are further ctest properties of every case (e.g. FIXTURES_REQUIRED).
function(kehrbote_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS;PROPERTIES" ${ARGN})
  foreach(src ${ARG_SOURCES})
    if(NOT IS_ABSOLUTE ${src} AND NOT EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${src})
      message(FATAL_ERROR "test ${name}: missing source ${src}")
    endif()
  endforeach()
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${KEHRBOTE_SOURCE_ROOT})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE
    KEHRBOTE_SOURCE_DIR="${KEHRBOTE_SOURCE_ROOT}"
    KEHRBOTE_BINARY_DIR="${CMAKE_BINARY_DIR}")
  include(GoogleTest)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60
    PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT 600 ${ARG_PROPERTIES})
endfunction()

# Adds every immediate subdirectory of the current source dir that has a CMakeLists.txt
# (in an agent-only build, those in KEHRBOTE_AGENT_DIRS).
function(kehrbote_add_subdirectories)
  file(GLOB children LIST_DIRECTORIES true RELATIVE ${CMAKE_CURRENT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR}/*)
  list(SORT children)
  foreach(child ${children})
    file(RELATIVE_PATH rel ${KEHRBOTE_SOURCE_ROOT} ${CMAKE_CURRENT_SOURCE_DIR}/${child})
    if(KEHRBOTE_AGENT_ONLY AND NOT rel IN_LIST KEHRBOTE_AGENT_DIRS)
      continue()
    endif()
    if(IS_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/${child} AND EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${child}/CMakeLists.txt)
      add_subdirectory(${child})
    endif()
  endforeach()
endfunction()
