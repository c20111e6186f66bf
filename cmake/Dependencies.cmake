# All dependencies are Debian 12 packages; scripts/setup installs them.
find_package(Threads REQUIRED)
find_package(Poco REQUIRED COMPONENTS Foundation Util Net NetSSL Crypto JSON XML
             Data DataSQLite DataPostgreSQL DataODBC)
find_package(yaml-cpp REQUIRED)
find_package(date REQUIRED)   # Howard Hinnant's date/tz; date::date-tz uses the OS tzdb
find_package(GTest REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBSSH2 REQUIRED IMPORTED_TARGET libssh2)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)  # Argon2id passwords of the web portal
find_package(Boost 1.74 REQUIRED)

# libphonenumber ships neither CMake nor pkg-config files.
find_library(PHONENUMBER_LIBRARY phonenumber REQUIRED)
add_library(kehrbote_libphonenumber INTERFACE)
target_link_libraries(kehrbote_libphonenumber INTERFACE ${PHONENUMBER_LIBRARY})

# valijson is header-only.
find_path(VALIJSON_INCLUDE_DIR valijson/validator.hpp REQUIRED)
