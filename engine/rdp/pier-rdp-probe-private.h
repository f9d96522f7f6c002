/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The certificate an RDP server shows, as a fingerprint: an X.224 connection request asking
 * for TLS, then a TLS handshake that checks nothing and keeps the peer's certificate, over a
 * connection to the Unix socket @socket_path. */
char *pier_rdp_probe_fingerprint (const char *socket_path, GError **error);

G_END_DECLS
