/* layout.c: prints the sizes, offsets and constants of blcr_abi.h, one "kind name value" per line, for LayoutTest. */
#include <stddef.h>
#include <stdio.h>
#include "blcr_abi.h"

#define FIELD(type, f) printf("offset %s.%s %zu\n", #type, #f, offsetof(type, f))
#define CONST(c) printf("const %s %ld\n", #c, (long)(c))

int main(void) {
    printf("size cr_checkpoint_args_t %zu\n", sizeof(cr_checkpoint_args_t));
    FIELD(cr_checkpoint_args_t, cr_version);
    FIELD(cr_checkpoint_args_t, cr_scope);
    FIELD(cr_checkpoint_args_t, cr_target);
    FIELD(cr_checkpoint_args_t, cr_fd);
    FIELD(cr_checkpoint_args_t, cr_signal);
    FIELD(cr_checkpoint_args_t, cr_timeout);
    FIELD(cr_checkpoint_args_t, cr_flags);
    printf("size timeval %zu\n", sizeof(struct timeval));
    printf("offset timeval.tv_sec %zu\n", offsetof(struct timeval, tv_sec));
    printf("offset timeval.tv_usec %zu\n", offsetof(struct timeval, tv_usec));
    printf("size cr_checkpoint_handle_t %zu\n", sizeof(cr_checkpoint_handle_t));
    CONST(CR_CHECKPOINT_ARGS_VERSION);
    CONST(CR_SCOPE_PROC); CONST(CR_SCOPE_PGRP); CONST(CR_SCOPE_SESS); CONST(CR_SCOPE_TREE);
    CONST(CR_CHKPT_PROHIBIT_SELF); CONST(CR_CHKPT_PTRACED_ALLOW); CONST(CR_CHKPT_PTRACED_SKIP);
    CONST(CR_CHKPT_PTRACER_SKIP); CONST(CR_CHKPT_ASYNC_ERR); CONST(CR_CHKPT_DUMP_EXEC);
    CONST(CR_CHKPT_DUMP_PRIVATE); CONST(CR_CHKPT_DUMP_SHARED); CONST(CR_CHKPT_DUMP_ALL);
    CONST(CR_POLL_CHKPT_ERR_PRE); CONST(CR_POLL_CHKPT_ERR_POST); CONST(CR_POLL_CHKPT_ERR_LOG);
    CONST(CR_MIN_ERRCODE); CONST(CR_ETEMPFAIL); CONST(CR_EPERMFAIL); CONST(CR_ENOSUPPORT); CONST(CR_EVERSION);
    CONST(CR_EOMITTED); CONST(CR_EBADARCH); CONST(CR_EPTRACED); CONST(CR_EPTRACER); CONST(CR_ERSTRTABRT);
    CONST(CR_ERESTARTED); CONST(CR_ENOTCB); CONST(CR_ENOINIT);
    return 0;
}
