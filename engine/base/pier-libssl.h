/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* libssl, opened on first use. Only the graphical sessions' certificate probe speaks TLS itself
 * (the registry client's TLS is libcurl's); linked, libssl would load at every start of pierctl
 * and pier-monitor. The engine calls it by its usual names, which this header maps onto the
 * loaded library. Include it instead of <openssl/ssl.h>. */

#include <openssl/ssl.h>

#define PIER_LIBSSL_FUNCTIONS(X) \
  X (SSL_CTX_free) \
  X (SSL_CTX_new) \
  X (SSL_CTX_set_security_level) \
  X (SSL_CTX_set_verify) \
  X (SSL_connect) \
  X (SSL_free) \
  X (SSL_get1_peer_certificate) \
  X (SSL_new) \
  X (SSL_set_fd) \
  X (TLS_client_method)

typedef struct {
#define PIER_LIBSSL_DECLARE(name) __typeof__ (name) *fn_##name;
  PIER_LIBSSL_FUNCTIONS (PIER_LIBSSL_DECLARE)
#undef PIER_LIBSSL_DECLARE
} PierLibssl;

/* The loaded functions; libssl comes with libcrypto (Debian's libssl3), so failing to open it
 * is fatal, with a message saying what is missing. */
const PierLibssl *pier_libssl (void);

#define SSL_CTX_free (pier_libssl ()->fn_SSL_CTX_free)
#define SSL_CTX_new (pier_libssl ()->fn_SSL_CTX_new)
#define SSL_CTX_set_security_level (pier_libssl ()->fn_SSL_CTX_set_security_level)
#define SSL_CTX_set_verify (pier_libssl ()->fn_SSL_CTX_set_verify)
#define SSL_connect (pier_libssl ()->fn_SSL_connect)
#define SSL_free (pier_libssl ()->fn_SSL_free)
#define SSL_get1_peer_certificate (pier_libssl ()->fn_SSL_get1_peer_certificate)
#define SSL_new (pier_libssl ()->fn_SSL_new)
#define SSL_set_fd (pier_libssl ()->fn_SSL_set_fd)
#define TLS_client_method (pier_libssl ()->fn_TLS_client_method)
