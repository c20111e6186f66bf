# Cross-compiles for 64-bit Windows with Debian 12's mingw-w64 toolchain (posix thread model,
# packages g++-mingw-w64-x86-64-posix and gcc-mingw-w64-x86-64-posix).
#
# Used by scripts/windows/build-deps for every CMake-based dependency and by the agent's
# Windows build. Pass the prefix that build-deps printed as CMAKE_PREFIX_PATH:
#   cmake -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-mingw-w64.cmake -DCMAKE_PREFIX_PATH=<prefix> ...
#
# Everything links statically (libgcc, libstdc++, winpthread, the dependencies), so
# kehrbote-agent.exe needs no DLL besides the ones Windows ships.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(KEHRBOTE_MINGW_TRIPLET x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${KEHRBOTE_MINGW_TRIPLET}-gcc-posix)
set(CMAKE_CXX_COMPILER ${KEHRBOTE_MINGW_TRIPLET}-g++-posix)
set(CMAKE_RC_COMPILER ${KEHRBOTE_MINGW_TRIPLET}-windres)

# Libraries, headers and CMake packages come only from the dependency prefix and from the
# mingw-w64 sysroot (zlib of libz-mingw-w64-dev, the Windows import libraries); a host library
# or header from /usr would compile but not link, or worse, link the wrong thing. Programs
# (perl, python, ...) are the host's. The prefix is the CMAKE_PREFIX_PATH given by the caller;
# paths already inside a root are not re-rooted, so it works both as prefix and as root.
set(CMAKE_FIND_ROOT_PATH ${CMAKE_PREFIX_PATH} /usr/${KEHRBOTE_MINGW_TRIPLET})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# pkg-config likewise sees only the prefix's and the sysroot's .pc files, not the host's.
set(_kehrbote_pc_dirs /usr/${KEHRBOTE_MINGW_TRIPLET}/lib/pkgconfig)
foreach(_kehrbote_dir IN LISTS CMAKE_PREFIX_PATH)
  list(PREPEND _kehrbote_pc_dirs ${_kehrbote_dir}/lib/pkgconfig)
endforeach()
string(REPLACE ";" ":" _kehrbote_pc_dirs "${_kehrbote_pc_dirs}")
set(ENV{PKG_CONFIG_LIBDIR} "${_kehrbote_pc_dirs}")
set(ENV{PKG_CONFIG_PATH} "")

# The sysroot has both libz.a and the import library libz.dll.a; take the static one so the
# program does not need zlib1.dll. OpenSSL is built without shared libraries anyway.
set(ZLIB_USE_STATIC_LIBS ON)
set(OPENSSL_USE_STATIC_LIBS TRUE)

# -static also takes winpthread's static archive instead of libwinpthread-1.dll.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc -static-libstdc++")
# CMake links a sysroot archive such as libodbc32.a as "-Wl,-Bstatic -lodbc32 -Wl,-Bdynamic";
# that trailing -Bdynamic would undo -static for libstdc++ and winpthread, which g++ appends
# last (the .exe then needs libstdc++-6.dll and libwinpthread-1.dll). Stay static throughout.
set(CMAKE_LINK_SEARCH_START_STATIC ON)
set(CMAKE_LINK_SEARCH_END_STATIC ON)
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-static-libgcc -static-libstdc++")
set(CMAKE_MODULE_LINKER_FLAGS_INIT "-static-libgcc -static-libstdc++")
