// The benchmark's hello guest (docs/performance-notes.md): a WASI command built with
// wasi-libc that reads the event (~100 bytes) from stdin and writes 20 bytes
// of JSON to stdout. It returns from main: exit(0) would cost more than the
// rest of the invocation.
//
//   clang --target=wasm32-wasi -O2 -Wl,--strip-all hello.c -o hello.wasm
#include <stdio.h>
#include <unistd.h>

int main(void) {
    char event[4096];
    ssize_t n;
    while ((n = read(0, event, sizeof event)) > 0) {
    }
    static const char response[] = "{\"message\":\"hello\"}\n";
    write(1, response, sizeof response - 1);
    return 0;
}
