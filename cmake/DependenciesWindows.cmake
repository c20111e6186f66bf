# Dependencies of the Windows build (the agent alone), cross-built by
# scripts/windows/build-deps from Debian's source packages into a prefix that
# scripts/build-windows passes as CMAKE_PREFIX_PATH (with cmake/toolchain-mingw-w64.cmake).
find_package(Threads REQUIRED)
find_package(ODBC REQUIRED)  # odbc32 of the mingw-w64 sysroot
set_target_properties(ODBC::ODBC PROPERTIES IMPORTED_GLOBAL TRUE)
find_package(Poco REQUIRED COMPONENTS Foundation Util JSON Data DataSQLite DataODBC)
find_package(yaml-cpp REQUIRED)
find_package(date REQUIRED)   # date::date-tz, built with a manual (shipped) tz database
find_package(GTest REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(ZLIB REQUIRED)

# libssh2 with the OpenSSL backend (WinCNG has no Ed25519/ECDSA keys), static. The same
# target name as the Linux build's pkg-config import, so shared/sftp links it unchanged.
find_library(LIBSSH2_STATIC_LIBRARY NAMES libssh2.a ssh2 REQUIRED)
find_path(LIBSSH2_INCLUDE_DIR libssh2.h REQUIRED)
add_library(PkgConfig::LIBSSH2 INTERFACE IMPORTED GLOBAL)
target_include_directories(PkgConfig::LIBSSH2 INTERFACE ${LIBSSH2_INCLUDE_DIR})
target_link_libraries(PkgConfig::LIBSSH2 INTERFACE
  ${LIBSSH2_STATIC_LIBRARY} OpenSSL::SSL OpenSSL::Crypto ZLIB::ZLIB ws2_32 crypt32 bcrypt)

# Header-only libraries: build-deps copies Debian's headers (nlohmann-json3-dev,
# libvalijson-dev) into the prefix; /usr/include itself must not be on the path (its
# glibc headers would shadow mingw's).
find_path(VALIJSON_INCLUDE_DIR valijson/validator.hpp REQUIRED)

# The IANA time zone text files (Debian's tzdata) that go next to kehrbote-agent.exe.
find_path(KEHRBOTE_TZDATA_SOURCE europe PATHS ${CMAKE_PREFIX_PATH} PATH_SUFFIXES share/tzdata
          NO_DEFAULT_PATH REQUIRED)

# ctest runs the cross-built tests under Wine (tests/windows/wine-run).
set(KEHRBOTE_WINE_PREFIX ${CMAKE_BINARY_DIR}/wineprefix)
configure_file(${CMAKE_SOURCE_DIR}/tests/windows/wine-run.in ${CMAKE_BINARY_DIR}/wine-run
               @ONLY FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE)
set(CMAKE_CROSSCOMPILING_EMULATOR ${CMAKE_BINARY_DIR}/wine-run)
