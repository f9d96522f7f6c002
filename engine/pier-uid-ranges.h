#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Each container run as root gets ids of its own: root inside is an unprivileged id on the host
 * (as Podman's --userns=auto). The ranges come from the entry for the user "containers" in
 * /etc/subuid and /etc/subgid, which Pier reserves on first use when it is absent (above every
 * range already there), so that no other user's subordinate ids are ever handed out. */

#define PIER_UID_RANGE_SIZE 65536
#define PIER_SUBID_USER "containers"

/* A free range of PIER_UID_RANGE_SIZE ids: not among @taken_bases. The same base serves uids and
 * gids (both entries are kept identical). */
gboolean pier_uid_ranges_allocate (const guint32 *taken_bases, guint n_taken, guint32 *base,
                                   guint32 *count, GError **error);

/* The reserved entry, reserving it if needed (with @subuid_path/@subgid_path NULL: /etc's). */
gboolean pier_uid_ranges_reserved (const char *subuid_path, const char *subgid_path,
                                   guint32 *start, guint32 *count, GError **error);

G_END_DECLS
