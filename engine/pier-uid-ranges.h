#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Each container run as root gets ids of its own: root inside is an unprivileged id on the host
 * (as Podman's --userns=auto). The ranges come from the entry for the user "containers" in
 * /etc/subuid and /etc/subgid, which Pier reserves on first use when it is absent (above every
 * range already there), so that no other user's subordinate ids are ever handed out. */

#define PIER_UID_RANGE_SIZE 65536
#define PIER_SUBID_USER "containers"

/* Claims the first free range by creating a file named after its base under @claims_fd (with
 * O_EXCL, so two processes never get the same one), holding @owner. The file's removal gives
 * the range back. */
gboolean pier_uid_ranges_claim (int claims_fd, const char *owner, gboolean durable, guint32 *base,
                                guint32 *count, GError **error);

/* The reserved entry, reserving it if needed (with @subuid_path/@subgid_path NULL: /etc's). */
gboolean pier_uid_ranges_reserved (const char *subuid_path, const char *subgid_path,
                                   guint32 *start, guint32 *count, GError **error);

G_END_DECLS
