/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Learning the certificate an RDP server shows, so that it can be pinned. */
#include "pier-rdp-probe-private.h"

#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"
#include "pier-libssl.h"
/* After libssl: its header declares what this one maps. */
#include "pier-libcrypto.h"
#include "pier-rdp-relay.h"
#include "pier-tls.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define PROBE_TIMEOUT_S 5

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SSL_CTX, SSL_CTX_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SSL, SSL_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (X509, X509_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BIO, BIO_free)

static gboolean
read_exactly (int fd, guint8 *buffer, gsize len, GError **error)
{
  gsize done = 0;

  while (done < len)
    {
      ssize_t n = read (fd, buffer + done, len - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return pier_set_errno (error, errno == EAGAIN ? ETIMEDOUT : errno,
                               _("reading the RDP server's answer"));
      if (n == 0)
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED,
                       _("the RDP server closed the connection before answering"));
          return FALSE;
        }
      done += n;
    }
  return TRUE;
}

/* MS-RDPBCGR 2.2.1.1 and 2.2.1.2: a TPKT-framed X.224 Connection Request carrying an RDP
 * Negotiation Request for TLS, and the Connection Confirm that must select it. */
static gboolean
negotiate_tls (int fd, GError **error)
{
  static const guint8 request[] = {
    0x03, 0x00, 0x00, 0x13,                   /* TPKT, 19 bytes */
    0x0e, 0xe0, 0x00, 0x00, 0x00, 0x00, 0x00, /* X.224 CR, no cookie */
    0x01, 0x00, 0x08, 0x00, 0x01, 0x00, 0x00, 0x00, /* RDP_NEG_REQ: PROTOCOL_SSL */
  };
  guint8 header[4];
  guint8 body[64];
  gsize len;
  const guint8 *neg;

  if (!pier_fs_write_all (fd, request, sizeof request, error))
    return FALSE;
  if (!read_exactly (fd, header, sizeof header, error))
    return FALSE;
  len = ((gsize) header[2] << 8 | header[3]);
  if (header[0] != 0x03 || len < 11 || len - 4 > sizeof body)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED,
                   _("the server on port %d does not speak RDP"), PIER_RDP_PORT);
      return FALSE;
    }
  if (!read_exactly (fd, body, len - 4, error))
    return FALSE;
  if (body[1] != 0xd0)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED,
                   _("the RDP server did not confirm the connection"));
      return FALSE;
    }
  neg = body + 7;
  if (len < 19)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_UNSUPPORTED,
                   _("the RDP server offers only standard RDP security, not TLS"));
      return FALSE;
    }
  if (neg[0] == 0x03)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_UNSUPPORTED,
                   _("the RDP server refused TLS security (failure code %u); Pier connects "
                     "with TLS without NLA"), neg[4]);
      return FALSE;
    }
  if (neg[0] != 0x02 || neg[4] != 0x01)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_UNSUPPORTED,
                   _("the RDP server chose a security protocol other than TLS (%u); Pier "
                     "connects with TLS without NLA"), neg[4]);
      return FALSE;
    }
  return TRUE;
}

static const char *
ssl_reason (void)
{
  unsigned long code = ERR_get_error ();
  const char *reason = code != 0 ? ERR_reason_error_string (code) : NULL;

  ERR_clear_error ();
  return reason != NULL ? reason : "the connection ended";
}

char *
pier_rdp_probe_fingerprint (const char *socket_path, GError **error)
{
  struct timeval timeout = { .tv_sec = PROBE_TIMEOUT_S };
  pier_autofd int fd = pier_rdp_relay_connect (socket_path, error);
  g_autoptr (SSL_CTX) ctx = NULL;
  g_autoptr (SSL) ssl = NULL;
  g_autoptr (X509) cert = NULL;
  g_autoptr (BIO) pem = NULL;
  char *pem_data = NULL;
  long pem_len;

  if (fd < 0)
    return NULL;
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  if (!negotiate_tls (fd, error))
    return NULL;

  /* Nothing is verified: the point is to learn what the server shows, which is then pinned. */
  ctx = SSL_CTX_new (TLS_client_method ());
  if (ctx == NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED, _("setting up TLS: %s"), ssl_reason ());
      return NULL;
    }
  SSL_CTX_set_verify (ctx, SSL_VERIFY_NONE, NULL);
  SSL_CTX_set_security_level (ctx, 0);
  ssl = SSL_new (ctx);
  if (ssl == NULL || SSL_set_fd (ssl, fd) != 1 || SSL_connect (ssl) != 1)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED,
                   _("the TLS handshake with the RDP server failed: %s"), ssl_reason ());
      return NULL;
    }
  cert = SSL_get1_peer_certificate (ssl);
  pem = BIO_new (BIO_s_mem ());
  if (cert == NULL || pem == NULL || PEM_write_bio_X509 (pem, cert) != 1)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED,
                   _("the RDP server showed no certificate"));
      return NULL;
    }
  pem_len = BIO_get_mem_data (pem, &pem_data);
  return pier_tls_certificate_fingerprint_from_pem (pem_data, pem_len, error);
}
