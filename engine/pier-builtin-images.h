#pragma once

#include "pier-store.h"

G_BEGIN_DECLS

/* The images a new store starts with, made on the spot without any network:
 *  - busybox:latest from Debian's busybox-static: the binary and a link per applet;
 *  - host:latest, whose operating-system layer is the host's own /usr, bound read-only when a
 *    container starts (the Linux counterpart of a Windows container whose base image matches
 *    its host). Its layer holds only the top-level links (bin → usr/bin, ...), an empty /usr
 *    and a minimal /etc Pier writes itself: nothing of the host but /usr is exposed, and no
 *    file content is copied. */
gboolean pier_builtin_images_create (PierStore *store, GError **error);

#define PIER_BUSYBOX_PATH "/bin/busybox"

G_END_DECLS
