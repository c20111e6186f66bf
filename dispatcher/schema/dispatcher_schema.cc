#include "dispatcher/schema/dispatcher_schema.h"

#include "dispatcher/manual_send/manual_send_service.h"
#include "dispatcher/metrics/store_metrics.h"
#include "dispatcher/outbox/delivery_schema.h"
#include "dispatcher/plan_store/plan_store.h"
#include "dispatcher/settings/firm_settings_store.h"
#include "dispatcher/store/store_schema.h"
#include "dispatcher/web/account_schema.h"
#include "dispatcher/web/overview_schema.h"

namespace kehrbote {

const std::vector<SchemaComponent>& DispatcherMigrations() {
  static const std::vector<SchemaComponent> components = {
      {kStoreComponent, StoreMigrations()},           {kPlanningComponent, PlanningMigrations()},
      {kDeliveryComponent, DeliveryMigrations()},     {kSettingsComponent, SettingsMigrations()},
      {kManualSendComponent, ManualSendMigrations()}, {kWebComponent, WebMigrations()},
      {kOverviewComponent, OverviewMigrations()},     {kMetricsComponent, StoreMetricsMigrations()},
  };
  return components;
}

void MigrateDispatcherStore(Database& db) {
  for (const SchemaComponent& c : DispatcherMigrations()) db.Migrate(c.name, c.migrations);
}

}  // namespace kehrbote
