/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A certificate fingerprint as Pier writes and reads it: "sha256:" then the SHA-256 of the DER
 * certificate as 32 lowercase hex pairs joined by colons ("sha256:ab:cd:…"). It is the form
 * FreeRDP itself prints and accepts (xfreerdp3 /cert:fingerprint:sha256:ab:cd:…), so one string
 * pins the same certificate for Pier and for FreeRDP's own clients. */
#define PIER_TLS_FINGERPRINT_PREFIX "sha256:"
#define PIER_TLS_FINGERPRINT_LEN (sizeof PIER_TLS_FINGERPRINT_PREFIX - 1 + 32 * 3 - 1)

/* The fingerprint of the first certificate in the PEM file @pem_path. */
char *pier_tls_certificate_fingerprint (const char *pem_path, GError **error);

/* The fingerprint of the first certificate in @pem (PEM text of @len bytes). */
char *pier_tls_certificate_fingerprint_from_pem (const char *pem, gsize len, GError **error);

/* @fingerprint in Pier's form, lowercased; an error names what is wrong with it. Accepts hex in
 * either case so that a fingerprint copied from another tool can be given as it is. */
char *pier_tls_fingerprint_normalize (const char *fingerprint, GError **error);

/* Makes an RSA-2048 key (written with mode 0600) and a self-signed X.509 certificate for
 * @common_name valid for ten years, each file replaced atomically. RSA rather than EC because
 * every RDP server Pier starts (Weston, FreeRDP's) loads RSA keys. */
gboolean pier_tls_make_self_signed (const char *key_path, const char *cert_path,
                                    const char *common_name, GError **error);

G_END_DECLS
