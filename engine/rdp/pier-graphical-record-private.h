/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-graphical-session.h"

G_BEGIN_DECLS

/* The record of the server Pier uses for a running container, kept in the container's state
 * directory: which kind, Weston's pid and start time, the certificate's fingerprint and
 * Xwayland's display. */

#define RECORD_NAME "rdp-server"

typedef struct {
  PierGraphicalSessionServerKind kind;
  pid_t pid;            /* WESTON */
  guint64 start_time;
  char *fingerprint;
  char *display;        /* WESTON with Xwayland */
} PierGraphicalServerRecord;

void pier_graphical_server_record_free (PierGraphicalServerRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierGraphicalServerRecord, pier_graphical_server_record_free)

/* The record under @state_fd; NULL when there is none or it cannot be read. */
PierGraphicalServerRecord *pier_graphical_server_record_read (int state_fd);
gboolean pier_graphical_server_record_write (int state_fd,
                                             const PierGraphicalServerRecord *record,
                                             GError **error);
/* A recorded server still serves: Weston is the process that was started (not a reused pid),
 * and something listens on the port. */
gboolean pier_graphical_server_record_alive (const PierGraphicalServerRecord *record,
                                             pid_t init_pid);

G_END_DECLS
