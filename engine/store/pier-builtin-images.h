/* SPDX-License-Identifier: GPL-3.0-or-later */
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
/* For a store made before host:latest's layer was recorded: a new host:latest and its record
 * (the old one's layer cannot be told from one an archive brought). Nothing when recorded. */
gboolean pier_builtin_images_upgrade (PierStore *store, GError **error);

/* Whether containers (and build steps) of an image get the host's /usr read-only: only when
 * the image is this store's host:latest or made from it, that is when its bottom layer is the
 * one Pier made here for it. Nothing an image says of itself (a label) counts: a registry or an
 * archive could say it. */
gboolean pier_builtin_images_binds_host_usr (PierStore *store, const PierImageConfig *config);

#define PIER_BUSYBOX_PATH "/bin/busybox"

G_END_DECLS
