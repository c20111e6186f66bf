// The dispatcher's whole store schema: the migrations of every component that
// keeps tables or indexes in the store, in the order they run.
//
// Each component owns its migrations (store_schema.h, plan_store.h,
// delivery_schema.h, account_schema.h, overview_schema.h, firm_settings_store.h,
// manual_send_service.h, store_metrics.h); this is the one list of them, for
// every command that brings a store up to date (once, run, plan, report, web,
// store copy) and for the store copy's check that a source store is current.
// The order matters where one component alters or indexes another's table:
// planning's `messages` comes before delivery's columns and the overview's and
// metrics' indexes on it.
#pragma once

#include <string_view>
#include <vector>

#include "dispatcher/store/database.h"

namespace kehrbote {

struct SchemaComponent {
  std::string_view name;  // the component in schema_migrations
  const std::vector<Migration>& migrations;
};

// Every component, in migration order.
const std::vector<SchemaComponent>& DispatcherMigrations();

// Database::Migrate for each component of DispatcherMigrations(), in order.
// Throws DatabaseError as Database::Migrate does (e.g. a store newer than this
// program).
void MigrateDispatcherStore(Database& db);

}  // namespace kehrbote
