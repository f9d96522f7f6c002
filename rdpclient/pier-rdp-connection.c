/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-rdp-connection-private.h"

#include "pier-rdp-clipboard-private.h"
#include "pier-rdp-events-private.h"
#include "pier-rdp-graphics-private.h"
#include "pier-rdp-input-private.h"
#include "pier-tls.h"

#include <freerdp/channels/disp.h>
#include <freerdp/event.h>
#include <freerdp/gdi/gdi.h>
#include <string.h>

#define CERTIFICATE_MISMATCH_MESSAGE \
  "the server's certificate does not match the one Pier made for this container"

/* ---- FreeRDP instance callbacks (RDP thread) ---- */

static void
on_channel_connected (void *context, const ChannelConnectedEventArgs *e)
{
  PierRdpContext *pctx = context;

  if (strcmp (e->name, DISP_DVC_CHANNEL_NAME) == 0)
    pier_rdp_display_control_attach (pctx, e->pInterface);
  else if (strcmp (e->name, CLIPRDR_SVC_CHANNEL_NAME) == 0)
    pier_rdp_clipboard_attach (pctx, e->pInterface);
  else
    freerdp_client_OnChannelConnectedEventHandler (context, e);
}

static void
on_channel_disconnected (void *context, const ChannelDisconnectedEventArgs *e)
{
  PierRdpContext *pctx = context;
  PierRdpSession *self = pctx->session;

  if (strcmp (e->name, DISP_DVC_CHANNEL_NAME) == 0)
    {
      g_mutex_lock (&self->lock);
      self->disp_ready = FALSE;
      g_mutex_unlock (&self->lock);
      pctx->disp = NULL;
    }
  else if (strcmp (e->name, CLIPRDR_SVC_CHANNEL_NAME) == 0)
    {
      g_atomic_int_set (&pctx->clipboard_ready, FALSE);
      pctx->cliprdr = NULL;
    }
  else
    freerdp_client_OnChannelDisconnectedEventHandler (context, e);
}

static BOOL
pre_connect (freerdp *instance)
{
  rdpContext *context = instance->context;

  PubSub_SubscribeChannelConnected (context->pubSub, on_channel_connected);
  PubSub_SubscribeChannelDisconnected (context->pubSub, on_channel_disconnected);
  return TRUE;
}

static BOOL
post_connect (freerdp *instance)
{
  return pier_rdp_graphics_attach (instance);
}

static void
post_disconnect (freerdp *instance)
{
  rdpContext *context = instance->context;

  PubSub_UnsubscribeChannelConnected (context->pubSub, on_channel_connected);
  PubSub_UnsubscribeChannelDisconnected (context->pubSub, on_channel_disconnected);
  gdi_free (instance);
}

/* Credentials were set before connecting; never ask anyone for them. */
static BOOL
authenticate (freerdp *instance, char **username, char **password, char **domain,
              rdp_auth_reason reason)
{
  return reason == AUTH_TLS || reason == AUTH_RDP;
}

/* The pin: the certificate's SHA-256 must be the one the session was given. FreeRDP calls
 * this for every certificate (ExternalCertificateManagement), before its CA store or its
 * known_hosts could accept one; 1 accepts for this connection only, -1 refuses. */
static int
verify_certificate (freerdp *instance, const BYTE *pem, size_t length, const char *hostname,
                    UINT16 port, DWORD flags)
{
  PierRdpContext *pctx = (PierRdpContext *) instance->context;
  PierRdpSession *self = pctx->session;
  g_autoptr (GError) error = NULL;
  g_autofree char *presented = NULL;

  g_clear_pointer (&pctx->certificate_problem, g_free);
  presented = pier_tls_certificate_fingerprint_from_pem ((const char *) pem, length, &error);
  if (presented == NULL)
    {
      pctx->certificate_problem =
          g_strdup_printf ("the server's certificate cannot be read: %s", error->message);
      return -1;
    }
  if (g_strcmp0 (presented, self->fingerprint) != 0)
    {
      g_message ("RDP server %s presented certificate %s; expected %s", self->target, presented,
                 self->fingerprint);
      pctx->certificate_problem = g_strdup (CERTIFICATE_MISMATCH_MESSAGE);
      return -1;
    }
  return 1;
}

static BOOL
client_new (freerdp *instance, rdpContext *context)
{
  instance->PreConnect = pre_connect;
  instance->PostConnect = post_connect;
  instance->PostDisconnect = post_disconnect;
  instance->AuthenticateEx = authenticate;
  instance->VerifyX509Certificate = verify_certificate;
  /* FreeRDP's defaults for these read answers from the terminal. */
  instance->VerifyCertificateEx = NULL;
  instance->VerifyChangedCertificateEx = NULL;
  instance->ChooseSmartcard = NULL;
  instance->PresentGatewayMessage = NULL;
  instance->GetAccessToken = NULL;
  return TRUE;
}

static void
client_free (freerdp *instance, rdpContext *context)
{
  g_free (((PierRdpContext *) context)->certificate_problem);
}

rdpContext *
pier_rdp_connection_context_new (void)
{
  RDP_CLIENT_ENTRY_POINTS entry = {
    .Size = sizeof entry,
    .Version = RDP_CLIENT_INTERFACE_VERSION,
    .ContextSize = sizeof (PierRdpContext),
    .ClientNew = client_new,
    .ClientFree = client_free,
  };

  return freerdp_client_context_new (&entry);
}

gboolean
pier_rdp_connection_configure (PierRdpSession *self, rdpSettings *settings, int width,
                               int height, DWORD keyboard_layout)
{
  return freerdp_settings_set_string (settings, FreeRDP_ServerHostname, self->host)
         && freerdp_settings_set_uint32 (settings, FreeRDP_ServerPort, self->port)
         && freerdp_settings_set_string (settings, FreeRDP_Username, self->username)
         && freerdp_settings_set_string (settings, FreeRDP_Password, self->password)
         && freerdp_settings_set_bool (settings, FreeRDP_RdpSecurity, FALSE)
         && freerdp_settings_set_bool (settings, FreeRDP_NlaSecurity, FALSE)
         && freerdp_settings_set_bool (settings, FreeRDP_ExtSecurity, FALSE)
         && freerdp_settings_set_bool (settings, FreeRDP_TlsSecurity, TRUE)
         && freerdp_settings_set_bool (settings, FreeRDP_ExternalCertificateManagement, TRUE)
         && freerdp_settings_set_bool (settings, FreeRDP_IgnoreCertificate, FALSE)
         && freerdp_settings_set_bool (settings, FreeRDP_AutoAcceptCertificate, FALSE)
         && freerdp_settings_set_string (settings, FreeRDP_CertificateAcceptedFingerprints, NULL)
         && freerdp_settings_set_uint32 (settings, FreeRDP_DesktopWidth, (UINT32) width)
         && freerdp_settings_set_uint32 (settings, FreeRDP_DesktopHeight, (UINT32) height)
         && freerdp_settings_set_uint32 (settings, FreeRDP_ColorDepth, 32)
         && freerdp_settings_set_uint32 (settings, FreeRDP_KeyboardLayout, keyboard_layout)
         && freerdp_settings_set_uint32 (settings, FreeRDP_OsMajorType, OSMAJORTYPE_UNIX)
         && freerdp_settings_set_uint32 (settings, FreeRDP_OsMinorType,
                                         OSMINORTYPE_NATIVE_WAYLAND)
         && freerdp_settings_set_bool (settings, FreeRDP_SupportDisplayControl, TRUE)
         && freerdp_settings_set_bool (settings, FreeRDP_DynamicResolutionUpdate, TRUE)
         && freerdp_settings_set_bool (settings, FreeRDP_SupportGraphicsPipeline, TRUE)
         && freerdp_settings_set_bool (settings, FreeRDP_RedirectClipboard, TRUE)
         && freerdp_settings_set_bool (settings, FreeRDP_AutoReconnectionEnabled, FALSE);
}

/* The FreeRDP error of a failed or ended connection, in words. */
static char *
describe_failure (PierRdpSession *self, PierRdpContext *pctx, gboolean was_connected)
{
  UINT32 code = freerdp_get_last_error (&pctx->common.context);

  if (pctx->certificate_problem != NULL)
    return g_strdup (pctx->certificate_problem);
  if (was_connected)
    return g_strdup_printf ("the connection to %s was lost: %s", self->target,
                            freerdp_get_last_error_string (code));
  return g_strdup_printf ("cannot connect to %s: %s", self->target,
                          freerdp_get_last_error_string (code));
}

static void
run_connection (PierRdpSession *self, PierRdpContext *pctx)
{
  rdpContext *context = &pctx->common.context;
  gboolean stopping;

  while (TRUE)
    {
      HANDLE handles[MAXIMUM_WAIT_OBJECTS];
      DWORD count = freerdp_get_event_handles (context, handles, G_N_ELEMENTS (handles) - 1);

      if (count == 0)
        break;
      handles[count++] = self->wakeup;
      if (WaitForMultipleObjects (count, handles, FALSE, INFINITE) == WAIT_FAILED)
        break;

      g_mutex_lock (&self->lock);
      stopping = self->stopping;
      g_mutex_unlock (&self->lock);
      if (stopping)
        break;
      pier_rdp_input_run_commands (self, pctx);
      if (!freerdp_check_event_handles (context) || freerdp_shall_disconnect_context (context))
        break;
    }
}

gpointer
pier_rdp_connection_run (gpointer data)
{
  rdpContext *context = data;
  PierRdpContext *pctx = (PierRdpContext *) context;
  PierRdpSession *self = pctx->session;
  gboolean connected = freerdp_connect (context->instance);
  gboolean stopping;
  g_autofree char *problem = NULL;
  UINT32 code;

  if (connected)
    {
      g_mutex_lock (&self->lock);
      self->active = !self->stopping;
      g_mutex_unlock (&self->lock);
      pier_rdp_session_post_state (pctx, PIER_RDP_SESSION_STATE_CONNECTED, NULL);
      run_connection (self, pctx);
    }

  g_mutex_lock (&self->lock);
  self->active = FALSE;
  stopping = self->stopping;
  g_mutex_unlock (&self->lock);

  code = freerdp_get_last_error (context);
  if (!stopping && (!connected || code != FREERDP_ERROR_SUCCESS
                    || pctx->certificate_problem != NULL))
    problem = describe_failure (self, pctx, connected);
  freerdp_disconnect (context->instance);

  g_mutex_lock (&self->lock);
  self->context = NULL;
  self->disp_ready = FALSE;
  g_queue_clear_full (&self->commands, g_free);
  g_mutex_unlock (&self->lock);

  pier_rdp_session_post_state (pctx, problem != NULL ? PIER_RDP_SESSION_STATE_ERROR
                                    : PIER_RDP_SESSION_STATE_DISCONNECTED, problem);
  freerdp_client_context_free (context);
  return NULL;
}
