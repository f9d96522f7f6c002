/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

/* Field 22 of /proc/PID/stat (clock ticks after boot), 0 when there is no such process or it
 * is a zombie. */
guint64 pier_proc_start_time (pid_t pid);

/* A pidfd for @pid if it is still the process that started at @start_time, else -1 (errno
 * ESRCH for a process that is gone or was replaced). */
int pier_pidfd_open_checked (pid_t pid, guint64 start_time);

G_END_DECLS
