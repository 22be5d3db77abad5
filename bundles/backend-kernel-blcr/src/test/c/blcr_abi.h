/* blcr_abi.h: BLCR's libcr declarations as the Quiesce binding sees them (libcr.h, blcr_common.h, blcr_errcodes.h
 * of BLCR 0.8.x), reproduced for the layout test and the libcr test double. Not BLCR's own header: only the types,
 * constants and prototypes the JNA binding relies on, so a mismatch with the Java side shows up in a test. */
#ifndef QUIESCE_BLCR_ABI_H
#define QUIESCE_BLCR_ABI_H

#include <sys/types.h>
#include <sys/time.h>

typedef int cr_version_t;
typedef unsigned long cr_checkpoint_handle_t; /* the descriptor of /proc/checkpoint/ctrl */

#define CR_CHECKPOINT_ARGS_VERSION 1

typedef enum {
    CR_SCOPE_PROC,  /* all threads of one process */
    CR_SCOPE_PGRP,  /* a process group */
    CR_SCOPE_SESS,  /* a session */
    CR_SCOPE_TREE,  /* a process and its descendants */
} cr_scope_t;

typedef struct cr_checkpoint_args {
    cr_version_t cr_version;
    cr_scope_t cr_scope;
    pid_t cr_target;
    int cr_fd;
    int cr_signal;
    unsigned int cr_timeout;
    unsigned int cr_flags;
} cr_checkpoint_args_t;

#define CR_DEST_CWD (-4096)

#define CR_CHKPT_PROHIBIT_SELF 0x00000001
#define CR_CHKPT_PTRACED_ALLOW 0x00000002
#define CR_CHKPT_PTRACED_SKIP 0x00000004
#define CR_CHKPT_PTRACER_SKIP 0x00000008
#define CR_CHKPT_ASYNC_ERR 0x00000010
#define CR_CHKPT_DUMP_EXEC 0x0200
#define CR_CHKPT_DUMP_PRIVATE 0x0400
#define CR_CHKPT_DUMP_SHARED 0x0800
#define CR_CHKPT_DUMP_ALL (CR_CHKPT_DUMP_EXEC | CR_CHKPT_DUMP_PRIVATE | CR_CHKPT_DUMP_SHARED)

#define CR_POLL_CHKPT_ERR_PRE (-1)
#define CR_POLL_CHKPT_ERR_POST (-2)
#define CR_POLL_CHKPT_ERR_LOG (-3)

/* BLCR numbers its error codes by their order in blcr_errcodes.h, after CR_MIN_ERRCODE. */
enum {
    CR_MIN_ERRCODE = 2353,
    CR_ETEMPFAIL,
    CR_EPERMFAIL,
    CR_ENOSUPPORT,
    CR_EVERSION,
    CR_EOMITTED,
    CR_EBADARCH,
    CR_EPTRACED,
    CR_EPTRACER,
    CR_ERSTRTABRT,
    CR_ERESTARTED,
    CR_ENOTCB,
    CR_ENOINIT,
    CR_MAX_ERRCODE
};

int cri_init_checkpoint_args_t(cr_version_t version, cr_checkpoint_args_t *args);
int cr_request_checkpoint(cr_checkpoint_args_t *args, cr_checkpoint_handle_t *handle);
int cr_poll_checkpoint_msg(cr_checkpoint_handle_t *handle, struct timeval *timeout, char **msg_p);
int cr_reap_checkpoint(cr_checkpoint_handle_t *handle);
const char *cr_strerror(int errnum);

#endif
