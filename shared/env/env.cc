#include "shared/env/env.h"

namespace kehrbote {

void Env::WritePrivateFileAtomically(const std::string& path, std::string_view data) {
  // Readers see the old content or the new, never a part: the rename comes only
  // after the data is durable.
  const std::string tmp = path + ".tmp";
  auto f = NewPrivateFile(tmp);
  f->Append(data);
  f->Sync();
  f->Close();
  RenameFile(tmp, path);
}

}  // namespace kehrbote
