// A Nimbus function in plain C and WASI, no SDK: the ABI is only stdin,
// stdout, stderr and the exit status (docs/abi.md).
//   {"name":"C"}  ->  {"message":"Hello, C!"}
// Build: clang --target=wasm32-wasi -O2 -Wl,--strip-all hello.c -o hello-c.wasm
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// The raw (still JSON-escaped) text of the string value of "name", or NULL.
// A real function would use a JSON parser; this keeps the example tiny.
static char *name_of(char *event) {
    char *key = strstr(event, "\"name\"");
    if (!key) return NULL;
    char *p = key + strlen("\"name\"");
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
    if (*p++ != ':') return NULL;
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
    if (*p++ != '"') return NULL;
    char *start = p;
    for (; *p && *p != '"'; p++) {
        if (*p == '\\' && p[1]) p++;  // keep escapes as they are: still valid JSON
    }
    if (*p != '"') return NULL;
    *p = '\0';
    return start;
}

int main(void) {
    static char event[64 * 1024];
    size_t length = fread(event, 1, sizeof event - 1, stdin);
    event[length] = '\0';

    char *name = name_of(event);
    if (!name) {
        fprintf(stderr, "no name in the event\n");
        // A non-zero exit plus this JSON on stdout is a function error.
        printf("{\"errorMessage\":\"the event has no \\\"name\\\" string\",\"errorType\":\"InvalidEvent\"}");
        return 1;
    }
    fprintf(stderr, "greeting %s\n", name);
    printf("{\"message\":\"Hello, %s!\"}", name);
    // Return rather than exit(0): wasi-libc then skips proc_exit, the
    // cheapest way to end an invocation.
    return 0;
}
