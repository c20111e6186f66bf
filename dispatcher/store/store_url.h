// Store URLs, as store.url in the config and the --from/--to of `store copy`:
//
//   "sqlite:/var/lib/kehrbote/dispatcher.db"                 a SQLite file
//   "postgresql:host=db port=5432 dbname=kehrbote user=..."  a libpq key=value
//                                                            connection string
//   "postgresql://kehrbote:secret@db:5432/kehrbote"          a libpq URI
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kehrbote {

// `url` with any password masked (password=..., and user:password@ of a URI),
// for logs and error messages.
std::string MaskStoreUrl(std::string_view url);

// The libpq connection string of a PostgreSQL store URL: the URI as it is, or
// what follows "postgresql:"; nullopt for any other URL.
std::optional<std::string> PostgresConnectionString(std::string_view url);

}  // namespace kehrbote
