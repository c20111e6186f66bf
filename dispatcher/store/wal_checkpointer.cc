#include "dispatcher/store/wal_checkpointer.h"

#include <sqlite3.h>

namespace kehrbote {

WalCheckpointer::WalCheckpointer(Checkpoint checkpoint, int pages)
    : checkpoint_(std::move(checkpoint)), pages_(pages) {
  thread_ = std::thread([this] { Loop(); });
}

WalCheckpointer::~WalCheckpointer() { Stop(); }

void WalCheckpointer::Attach(sqlite3* db) { sqlite3_wal_hook(db, &WalCheckpointer::Hook, this); }

void WalCheckpointer::Stop() {
  {
    MutexLock lock(&mu_);
    stop_ = true;
    wake_.SignalAll();
  }
  if (thread_.joinable()) thread_.join();
}

int WalCheckpointer::Hook(void* self, sqlite3*, const char*, int pages) {
  auto* c = static_cast<WalCheckpointer*>(self);
  if (pages >= c->pages_) {
    MutexLock lock(&c->mu_);
    c->due_ = true;
    c->wake_.Signal();
  }
  return SQLITE_OK;
}

void WalCheckpointer::Loop() {
  for (;;) {
    {
      MutexLock lock(&mu_);
      while (!due_ && !stop_) wake_.Wait(&mu_);
      if (stop_) return;
      due_ = false;
    }
    try {
      checkpoint_();
    } catch (...) {
      // No free connection, or the store failed: the next commit asks again.
    }
  }
}

}  // namespace kehrbote
