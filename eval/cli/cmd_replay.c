/* sbr replay: replays a test file's sessions as click streams (placeholder). */
#include <stdio.h>

#include "eval/cli/cli.h"

int sbr_cmd_replay(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "sbr replay: not built yet\n");
    return SBR_EXIT_RUNTIME;
}
