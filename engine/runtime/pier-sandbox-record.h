/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-network.h"
#include "pier-pidfd.h"

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

/* What a sandbox's state_dir says of it (pier-sandbox.h describes the directory): read by
 * whatever acts on a running container, written by its monitor. */

/* Names inside state_dir. */
#define PIER_SANDBOX_CONFIG "config.json"
#define PIER_SANDBOX_STATE "state"
#define PIER_SANDBOX_EXIT "exit"
#define PIER_SANDBOX_ATTACH "attach"
#define PIER_SANDBOX_ROOTFS "rootfs" /* where the init attaches its root, in its own namespace */
#define PIER_SANDBOX_ETC "etc"
#define PIER_SANDBOX_INIT_LAYER "layer" /* the mount points, as the top lower layer */
#define PIER_SANDBOX_LOCK "monitor.lock" /* held by the monitor for its life */

/* The "state" file: written by the monitor once the command runs, read by everything that
 * acts on a running container. */
typedef struct {
  pid_t monitor_pid;
  guint64 monitor_start_time;
  pid_t init_pid;
  guint64 init_start_time;
  PierNetworkMode network;
  gboolean rootless;
  gboolean tty;
  int stop_signal;
  char *id;
  char *runroot;
  char *cgroup_backend; /* NULL: no cgroup */
  char **cgroup_dirs;
} PierSandboxRecord;

void pier_sandbox_record_free (PierSandboxRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierSandboxRecord, pier_sandbox_record_free)

/* Atomic (rename) but not synced: runtime state lives on tmpfs and does not survive a boot. */
gboolean pier_sandbox_record_write (int state_dirfd, const PierSandboxRecord *record,
                                    GError **error);
/* NULL with PIER_ERROR_NOT_FOUND when there is none. */
PierSandboxRecord *pier_sandbox_record_read (int state_dirfd, GError **error);

/* The record of a container that is running; PIER_ERROR_FAILED "not running" otherwise. */
PierSandboxRecord *pier_sandbox_record_read_running (const char *state_dir, GError **error);

gboolean pier_sandbox_exit_write (int state_dirfd, int exit_code, gint64 finished_at,
                                  GError **error);
/* FALSE when there is no exit record. */
gboolean pier_sandbox_exit_read (int state_dirfd, int *exit_code, gint64 *finished_at);

/* Writes @data to @name through a temporary file and rename(2), without fsync. */
gboolean pier_sandbox_write_file_at (int dirfd, const char *name, const char *data, gsize len,
                                     mode_t mode, GError **error);

G_END_DECLS
