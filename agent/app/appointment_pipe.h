// AppointmentPipe: reads an AppointmentSource on a second thread while the caller
// writes, so that the database/CSV side and the JSON/disk side of an export run
// at the same time (on two cores an export takes about as long as the slower
// side, not the sum). Memory stays bounded: a few batches of appointments are in
// flight, and their buffers are reused.
//
//   AppointmentPipe pipe(*source);
//   while (const Appointment* a = pipe.Next()) writer.Add(*a);
//   pipe.where();  // of the appointment last returned
//
// An exception thrown by the source on the reader thread is rethrown by Next.
// Destroying the pipe early stops and joins the reader thread.
//
// Threads: the batches go round between two BoundedQueues (empty ones to the
// reader, filled ones back); one consumer thread calls Next() and where().
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/source/appointment_source.h"
#include "shared/sync/bounded_queue.h"
#include "shared/sync/mutex.h"
#include "shared/sync/worker_group.h"

namespace kehrbote {

class AppointmentPipe {
 public:
  explicit AppointmentPipe(AppointmentSource& source, size_t batch_size = 256,
                           size_t batches = 4);
  ~AppointmentPipe();
  AppointmentPipe(const AppointmentPipe&) = delete;
  AppointmentPipe& operator=(const AppointmentPipe&) = delete;

  // The next appointment (valid until the next call), or nullptr at the end.
  const Appointment* Next();
  const std::string& where() const;

 private:
  struct Batch {
    std::vector<Appointment> items;
    std::vector<std::string> where;
    size_t n = 0;
  };
  void Produce();

  AppointmentSource& source_;
  BoundedQueue<std::unique_ptr<Batch>> free_;  // to the reader; cancelled when the consumer goes
  BoundedQueue<std::unique_ptr<Batch>> full_;  // to the consumer; closed when the reader ends
  std::unique_ptr<Batch> current_;             // consumer side only
  size_t pos_ = 0;
  std::optional<WorkerGroup> reader_;  // last; started once free_ holds the batches
};

}  // namespace kehrbote
