/* Fuzz target: the server's request handling, sbr_server_handle (eval/server.c): JSON bodies
 * of every endpoint, their fields and types, methods, paths and the admin token, on a server
 * with a small model (sr on tests/fixtures/sessions-small.tsv) and the in-memory session
 * store, so sessions accumulate across inputs as they do in a running server.
 *
 * Input: one selector byte (endpoint and method in the low 4 bits; bit 4: present the admin
 * token; bit 5: a wrong one), then the request body. Every response must carry a status of
 * 200..599 and a NUL-terminated body of the stated length. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "eval/server.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sbr_server *server;
static sbr_worker *worker;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    gsl_set_error_handler_off();
    static char train[1024];
    snprintf(train, sizeof train, "%s/sessions-small.tsv", SBR_FIXTURES);
    sbr_server_config c;
    sbr_server_config_init(&c);
    c.train_path = train;
    c.algo_spec = "sr";
    c.admin_token = "secret";
    c.store.max_len = 50;
    sbr_err err;
    if (sbr_server_new(&c, &server, &err) != SBR_OK) {
        fprintf(stderr, "fuzz_server: %s\n", err.msg);
        abort();
    }
    worker = sbr_worker_new(server);
    if (worker == NULL)
        abort();
    return 0;
}

static const struct {
    const char *method, *path;
} routes[16] = {{"POST", "/v1/events"},   {"POST", "/v1/recommend"}, {"GET", "/healthz"},
                {"GET", "/metrics"},      {"GET", "/v1/model"},      {"POST", "/admin/reload"},
                {"GET", "/v1/events"},    {"PUT", "/v1/recommend"},  {"POST", "/v1/nothing"},
                {"DELETE", "/metrics"},   {"POST", "/v1/events"},    {"POST", "/v1/recommend"},
                {"POST", "/v1/events"},   {"POST", "/v1/recommend"}, {"GET", "/"},
                {"POST", "/admin/reload"}};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    unsigned sel = data[0];
    sbr_request req = {routes[sel & 15].method, routes[sel & 15].path, (const char *)data + 1,
                       size - 1, (sel & 16) ? ((sel & 32) ? "wrong" : "secret") : NULL};
    sbr_response resp;
    memset(&resp, 0, sizeof resp);
    sbr_server_handle(server, worker, &req, &resp);
    if (resp.status < 200 || resp.status > 599 || resp.body == NULL ||
        strlen(resp.body) != resp.len)
        abort();
    sbr_response_fini(&resp);
    sbr_server_tick(server);
    return 0;
}
