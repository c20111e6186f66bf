#include "shared/sftp/sftp_endpoint.h"

namespace kehrbote {

std::string SftpEndpoint::Describe() const {
  std::string host_part = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return (user.empty() ? "" : user + "@") + host_part + ":" + std::to_string(port);
}

}  // namespace kehrbote
