/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Capabilities a container's processes keep (bounding, permitted and effective sets, inside
 * its user namespace), as a mask of 1 << CAP_*. Names are those of capabilities(7), with or
 * without "CAP_", in any case, as Docker takes them; "ALL" means every capability. */

/* Docker's default set without NET_RAW (raw and packet sockets) and MKNOD, as Podman's:
 * CHOWN, DAC_OVERRIDE, FSETID, FOWNER, SETGID, SETUID, SETFCAP, SETPCAP, NET_BIND_SERVICE,
 * SYS_CHROOT, KILL, AUDIT_WRITE. */
guint64 pier_caps_default (void);

/* Every capability this kernel knows. */
guint64 pier_caps_all (void);

/* The number of the capability @name ("CAP_SYS_ADMIN", "sys_admin"...), -1 for an unknown one. */
int pier_caps_from_name (const char *name);

/* "net_raw", "CAP_NET_RAW" → "CAP_NET_RAW"; "all" → "ALL". An unknown name is an error that
 * names it and @what (the flag it came from). */
char *pier_caps_normalize (const char *name, const char *what, GError **error);

/* The default set with @drop removed and @add added (normalized names; "ALL" in @drop starts
 * from nothing, in @add from every capability). Adding wins over dropping. */
guint64 pier_caps_compute (const char *const *add, const char *const *drop);

/* The names in @caps, "CAP_" included, lowest first. */
GStrv pier_caps_to_names (guint64 caps);

G_END_DECLS
