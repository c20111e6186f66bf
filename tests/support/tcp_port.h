// Test support: loopback ports for servers started by tests.
#pragma once

#include <chrono>
#include <string>

namespace kehrbote::test {

// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it back,
// close). Another process may take it before the server binds it: fixtures retry
// with a new port when their server fails to bind.
int FreeTcpPort();

// True once a TCP connect to host:port succeeds; false after `timeout`.
bool WaitForTcpPort(const std::string& host, int port, std::chrono::milliseconds timeout);

// True once an HTTP server at host:port answers "GET `path`" with any HTTP status
// line; false after `timeout`. For servers that listen before they can serve
// (Kannel's smsbox accepts, then resets, until it has reached its bearerbox).
bool WaitForHttpAnswer(const std::string& host, int port, const std::string& path,
                       std::chrono::milliseconds timeout);

}  // namespace kehrbote::test
