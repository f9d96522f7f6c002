/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-sandbox.h"
#include "pier-seccomp.h"

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

/* Parse-then-execute set-up of a container process (bubblewrap's SetupOp list): the parent
 * computes every step, with every string and descriptor slot it needs, before clone(); the
 * child only walks the list with raw system calls: no allocation, no lock, no GLib, which is
 * all a child of a (possibly multi-threaded) process may do before exec(). The first step that
 * fails is reported to the parent over the sync socket as its errno and its description
 * (crun's pattern), and the child exits.
 *
 * Paths inside the container are resolved under the new root with openat2(RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS), symlinks included, so an image cannot point a mount outside of it;
 * targets the image controls are also refused when they resolve into /proc or /sys. */

typedef enum {
  PIER_SETUP_RESET_SIGNALS,  /* empty signal mask; with value, default dispositions too */
  PIER_SETUP_RECV_FDS,       /* wait for the parent's go, keeping the fds it carries */
  PIER_SETUP_UNSHARE,        /* unshare(flags) */
  PIER_SETUP_MAKE_PRIVATE,   /* / recursively private */
  PIER_SETUP_OPEN_TREE,      /* host path → a detached copy in a slot */
  PIER_SETUP_ATTACH_ROOT,    /* the slot's mount onto a host directory; it becomes the root */
  PIER_SETUP_BECOME_ROOT,    /* uid and gid 0 of the new user namespace */
  PIER_SETUP_MOUNT,          /* a new filesystem instance onto a path in the root */
  PIER_SETUP_BIND,           /* the slot's tree onto a path in the root */
  PIER_SETUP_BIND_IN_ROOT,   /* a path of the root onto another one (read-only copies) */
  PIER_SETUP_MASK,           /* /dev/null over a file, an empty read-only tmpfs over a dir */
  PIER_SETUP_SEAL,           /* the mount at a path (its root) made read-only where it is */
  PIER_SETUP_SYMLINK,
  PIER_SETUP_MKPATH,         /* mkdir -p in the root (an empty file last with FILE) */
  PIER_SETUP_SETHOSTNAME,
  PIER_SETUP_PIVOT_ROOT,
  PIER_SETUP_STDIO,          /* new session; the slots' fds become 0, 1, 2 */
  PIER_SETUP_PTY,            /* new session; a pty of /dev/ptmx, master sent to the parent,
                                slave as controlling terminal and 0, 1, 2 */
  PIER_SETUP_CAPS_BOUND,     /* drop from the bounding set what is not kept; no ambient */
  PIER_SETUP_IDENTITY,       /* groups, gid, uid */
  PIER_SETUP_CHDIR,
  PIER_SETUP_CAPS_SET,       /* effective and permitted = kept ∩ current, no inheritable */
  PIER_SETUP_NO_NEW_PRIVS,
  PIER_SETUP_SECCOMP,        /* load the BPF program (after no_new_privs); value: its flags */
  PIER_SETUP_PDEATHSIG,      /* SIGKILL when the parent dies; exit if it already has */
  PIER_SETUP_JOIN_CGROUPS,   /* write 0 to each cgroup.procs listed */
  PIER_SETUP_SETNS,          /* setns(slot's pidfd, flags) */
  PIER_SETUP_FORK_SIBLING,   /* clone(CLONE_PARENT): the parent sends the pid and exits */
  PIER_SETUP_EXEC,
} PierSetupOpKind;

/* Option bits of a step. */
enum {
  PIER_SETUP_FILE = 1 << 0,      /* the target is a file, not a directory */
  PIER_SETUP_CREATE = 1 << 1,    /* create a missing target (and its parents) */
  PIER_SETUP_GUARD = 1 << 2,     /* refuse a target inside /proc or /sys */
  PIER_SETUP_OPTIONAL = 1 << 3,  /* a missing path skips the step */
  PIER_SETUP_RECURSIVE = 1 << 4, /* with the mounts below */
  PIER_SETUP_READONLY = 1 << 5,
  PIER_SETUP_CONSOLE = 1 << 6,   /* PTY: also bind the slave at /dev/console */
};

typedef struct {
  PierSetupOpKind kind;
  const char *what;          /* "mounting tmpfs on /dev": how a failure is worded */
  const char *path;          /* the target, a host path, or a directory */
  const char *arg;           /* filesystem type, source path, link text, hostname */
  const char *const *params; /* MOUNT: key, value pairs (value NULL: a flag); JOIN_CGROUPS */
  guint64 value;             /* mount attributes, unshare/setns flags, kept caps, rows/cols */
  const guint32 *ids;        /* IDENTITY: uid, gid, then the groups */
  int n_ids;
  const struct sock_filter *filter; /* SECCOMP */
  guint16 filter_len;
  int slot;
  int options;
} PierSetupOp;

typedef struct {
  GArray *ops;        /* PierSetupOp */
  GArray *slots;      /* int: descriptors, filled before clone or by RECV_FDS */
  GStringChunk *strings;
  GPtrArray *owned;   /* arrays the ops point into */
  int sync_fd;        /* the child's end of the sync socket */
  int root_fd;        /* while running: the new root (after ATTACH_ROOT) */
  char *const *argv;
  char *const *envp;
  const char *const *candidates; /* the paths execve() tries, in order */
  const char *command;           /* argv[0] as given, for messages */
} PierSetupPlan;

PierSetupPlan *pier_setup_plan_new (void);
void pier_setup_plan_free (PierSetupPlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierSetupPlan, pier_setup_plan_free)

/* A new descriptor slot, initially @fd. */
int pier_setup_plan_add_slot (PierSetupPlan *plan, int fd);

/* Appends a step; strings (and the NULL-terminated @params) are copied into the plan. */
PierSetupOp *pier_setup_plan_add (PierSetupPlan *plan, PierSetupOpKind kind, const char *path,
                                  const char *arg, int options, const char *what_format,
                                  ...) G_GNUC_PRINTF (6, 7);
/* A MOUNT step: a new @fstype configured by @params (as below) with the mount attributes
 * @attrs, on @target, made if missing; @options may add PIER_SETUP_GUARD. */
void pier_setup_plan_add_mount (PierSetupPlan *plan, const char *fstype, const char *target,
                                int options, guint64 attrs, const char *const *params);
/* MOUNT: key, value pairs ending with a NULL key (a NULL value is a flag). */
void pier_setup_op_set_params (PierSetupPlan *plan, PierSetupOp *op, const char *const *params);
/* JOIN_CGROUPS: a NULL-terminated list. */
void pier_setup_op_set_list (PierSetupPlan *plan, PierSetupOp *op, const char *const *list);
void pier_setup_op_set_ids (PierSetupPlan *plan, PierSetupOp *op, guint32 uid, guint32 gid,
                            const guint32 *groups, gsize n_groups);

/* The EXEC step: @argv[0] without a slash is looked up in PATH of @envp (or the default
 * PATH), each candidate computed now. */
void pier_setup_plan_add_exec (PierSetupPlan *plan, char *const *argv, char *const *envp);

/* The steps a container's process ends with: bounding its capabilities to @caps, becoming
 * @process's user and groups, changing to its working directory, keeping @caps only,
 * no_new_privs, (with @rearm_pdeathsig, the parent-death signal again, which the change of
 * identity disarmed), the seccomp filter @seccomp (NULL: none), then the exec of its argv. */
void pier_setup_plan_add_process (PierSetupPlan *plan, const PierExecSpec *process,
                                  guint64 caps, const PierSeccompProgram *seccomp,
                                  gboolean rearm_pdeathsig);

/* In the child: runs the steps in order. Returns only on failure, after reporting it; the
 * child then _exit()s. */
void pier_setup_plan_run (PierSetupPlan *plan);

/* The sync socket's messages (SOCK_SEQPACKET, so each is one packet). */
typedef enum {
  PIER_SYNC_GO = 1,   /* parent → child, with descriptors */
  PIER_SYNC_ERROR,    /* child → parent: errsv (0: none), text */
  PIER_SYNC_PTY,      /* child → parent, with the pty master */
  PIER_SYNC_PID,      /* child → parent: value is a host pid */
} PierSyncType;

typedef struct {
  guint32 type;
  gint32 errsv;
  gint64 value;
  char text[1024];
} PierSyncMsg;

/* Async-signal-safe; @fds (up to 16) travel as SCM_RIGHTS. */
int pier_sync_send (int sock, const PierSyncMsg *msg, const int *fds, int n_fds);
/* Returns the size received (0 at end of stream) or -1 with errno; received descriptors go to
 * @fds (CLOEXEC), their count to @n_fds. */
ssize_t pier_sync_recv (int sock, PierSyncMsg *msg, int *fds, int max_fds, int *n_fds);

/* The GError for a PIER_SYNC_ERROR message. */
void pier_sync_set_error (const PierSyncMsg *msg, GError **error);

G_END_DECLS
