// `kehrbote-dispatcher --config FILE web [--listen ADDR] [--port N]
//      [--cert FILE --key FILE] [--trust-proxy] [--bootstrap DIR]`
//
// Serves the portal (docs/portal.md) until SIGINT/SIGTERM: HTTPS with the given
// PEM certificate chain and key, or plain HTTP on a loopback address (default
// 127.0.0.1:8080) behind a reverse proxy. Brings the store's schema up to date
// like the other commands. Keeps no state of its own: any number of `web`
// processes may serve one store (PostgreSQL) behind a load balancer.
// Prints "web: listening on URL" once it accepts. Exit 0 after a signal, 2 on
// bad arguments, 1 on config/store/listen errors.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace kehrbote {

int RunWebCommand(const std::string& config_path, const std::vector<std::string>& args,
                  std::ostream& out, std::ostream& err);

}  // namespace kehrbote
