// The two ways an export ends without being applied, as exceptions thrown
// inside its transaction (by SnapshotApplier, SnapshotDiff and the readers'
// wrappers) and caught by SnapshotIngest after undoing its writes:
//   RefusedExport  the export is bad (its reason says where and why); it is
//                  recorded as 'rejected' and on the firm for its heartbeat.
//   IgnoredExport  generated before the export already applied; recorded as
//                  'ignored'. Stops reading at the header.
// Anything else thrown there is a store failure and passes on.
#pragma once

#include <stdexcept>

namespace kehrbote {

class RefusedExport : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class IgnoredExport : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace kehrbote
