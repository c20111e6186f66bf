#include <libssh2.h>
#include <cstdio>
int main() {
  if (libssh2_init(0) != 0) return 1;
  LIBSSH2_SESSION* s = libssh2_session_init();
  std::printf("libssh2 %s session %s\n", libssh2_version(0), s ? "ok" : "null");
  libssh2_session_free(s);
  libssh2_exit();
  return s ? 0 : 2;
}
