// MessageValueError: a `messages` column (state, purpose, channel) holds a value
// this build does not know. Thrown by the Parse* functions of this directory; the
// text names the column and the value, so a store written by a newer build (or
// edited by hand) is reported instead of read as some default.
#pragma once

#include <stdexcept>

namespace kehrbote {

class MessageValueError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace kehrbote
