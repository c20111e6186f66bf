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
#pragma once

#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "agent/source/appointment_source.h"

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
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Batch>> free_, full_;
  bool done_ = false;      // reader finished (or failed)
  bool stop_ = false;      // consumer gone
  std::exception_ptr error_;
  std::unique_ptr<Batch> current_;
  size_t pos_ = 0;
  std::thread reader_;
};

}  // namespace kehrbote
