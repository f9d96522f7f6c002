/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-rdp-clipboard-private.h"

#include "pier-rdp-events-private.h"

#include <string.h>

void
pier_rdp_clipboard_announce (PierRdpContext *pctx)
{
  PierRdpSession *self = pctx->session;
  CLIPRDR_FORMAT format = { .formatId = CF_UNICODETEXT };
  CLIPRDR_FORMAT_LIST list = { .common.msgType = CB_FORMAT_LIST };

  if (pctx->cliprdr == NULL || !g_atomic_int_get (&pctx->clipboard_ready))
    return;
  g_mutex_lock (&self->lock);
  if (self->local_clipboard != NULL)
    {
      list.numFormats = 1;
      list.formats = &format;
    }
  g_mutex_unlock (&self->lock);
  pctx->cliprdr->ClientFormatList (pctx->cliprdr, &list);
}

static UINT
cliprdr_monitor_ready (CliprdrClientContext *cliprdr, const CLIPRDR_MONITOR_READY *ready)
{
  PierRdpContext *pctx = cliprdr->custom;
  CLIPRDR_GENERAL_CAPABILITY_SET general = {
    .capabilitySetType = CB_CAPSTYPE_GENERAL,
    .capabilitySetLength = CB_CAPSTYPE_GENERAL_LEN,
    .version = CB_CAPS_VERSION_2,
    .generalFlags = CB_USE_LONG_FORMAT_NAMES,
  };
  CLIPRDR_CAPABILITIES caps = {
    .cCapabilitiesSets = 1,
    .capabilitySets = (CLIPRDR_CAPABILITY_SET *) &general,
  };
  UINT rc = cliprdr->ClientCapabilities (cliprdr, &caps);

  if (rc != CHANNEL_RC_OK)
    return rc;
  g_atomic_int_set (&pctx->clipboard_ready, TRUE);
  pier_rdp_clipboard_announce (pctx);
  return CHANNEL_RC_OK;
}

/* The channel calls these two unconditionally; text needs nothing from either. */
static UINT
cliprdr_server_capabilities (CliprdrClientContext *cliprdr, const CLIPRDR_CAPABILITIES *caps)
{
  return CHANNEL_RC_OK;
}

static UINT
cliprdr_server_format_list (CliprdrClientContext *cliprdr, const CLIPRDR_FORMAT_LIST *list)
{
  CLIPRDR_FORMAT_LIST_RESPONSE response = {
    .common.msgType = CB_FORMAT_LIST_RESPONSE,
    .common.msgFlags = CB_RESPONSE_OK,
  };
  UINT rc = cliprdr->ClientFormatListResponse (cliprdr, &response);

  if (rc != CHANNEL_RC_OK)
    return rc;
  for (UINT32 i = 0; i < list->numFormats; i++)
    {
      if (list->formats[i].formatId == CF_UNICODETEXT)
        {
          CLIPRDR_FORMAT_DATA_REQUEST request = {
            .common.msgType = CB_FORMAT_DATA_REQUEST,
            .requestedFormatId = CF_UNICODETEXT,
          };

          return cliprdr->ClientFormatDataRequest (cliprdr, &request);
        }
    }
  return CHANNEL_RC_OK;
}

static UINT
cliprdr_server_format_list_response (CliprdrClientContext *cliprdr,
                                     const CLIPRDR_FORMAT_LIST_RESPONSE *response)
{
  return CHANNEL_RC_OK;
}

static UINT
cliprdr_server_format_data_response (CliprdrClientContext *cliprdr,
                                     const CLIPRDR_FORMAT_DATA_RESPONSE *response)
{
  PierRdpContext *pctx = cliprdr->custom;
  PierRdpSession *self = pctx->session;
  const gunichar2 *utf16 = (const gunichar2 *) response->requestedFormatData;
  glong units = response->common.dataLen / 2;
  PierRdpEvent *event;
  char *text;

  if (!(response->common.msgFlags & CB_RESPONSE_OK) || utf16 == NULL)
    return CHANNEL_RC_OK;
  /* CF_UNICODETEXT ends with a NUL that is not part of the text. */
  while (units > 0 && utf16[units - 1] == 0)
    units--;
  text = g_utf16_to_utf8 (utf16, units, NULL, NULL, NULL);
  if (text == NULL)
    return CHANNEL_RC_OK;

  event = g_new0 (PierRdpEvent, 1);
  event->type = PIER_RDP_EVENT_REMOTE_CLIPBOARD;
  event->text = text;
  g_mutex_lock (&self->lock);
  pier_rdp_session_post_event_locked (self, event);
  g_mutex_unlock (&self->lock);
  return CHANNEL_RC_OK;
}

static UINT
cliprdr_server_format_data_request (CliprdrClientContext *cliprdr,
                                    const CLIPRDR_FORMAT_DATA_REQUEST *request)
{
  PierRdpContext *pctx = cliprdr->custom;
  PierRdpSession *self = pctx->session;
  CLIPRDR_FORMAT_DATA_RESPONSE response = {
    .common.msgType = CB_FORMAT_DATA_RESPONSE,
    .common.msgFlags = CB_RESPONSE_FAIL,
  };
  g_autofree gunichar2 *utf16 = NULL;
  glong units = 0;

  g_mutex_lock (&self->lock);
  if (request->requestedFormatId == CF_UNICODETEXT && self->local_clipboard != NULL)
    utf16 = g_utf8_to_utf16 (self->local_clipboard, -1, NULL, &units, NULL);
  g_mutex_unlock (&self->lock);

  if (utf16 != NULL && (units + 1) * 2 <= G_MAXUINT32)
    {
      response.common.msgFlags = CB_RESPONSE_OK;
      response.common.dataLen = (UINT32) (units + 1) * 2; /* with the closing NUL */
      response.requestedFormatData = (const BYTE *) utf16;
    }
  return cliprdr->ClientFormatDataResponse (cliprdr, &response);
}

void
pier_rdp_clipboard_attach (PierRdpContext *pctx, CliprdrClientContext *cliprdr)
{
  pctx->cliprdr = cliprdr;
  cliprdr->custom = pctx;
  cliprdr->MonitorReady = cliprdr_monitor_ready;
  cliprdr->ServerCapabilities = cliprdr_server_capabilities;
  cliprdr->ServerFormatList = cliprdr_server_format_list;
  cliprdr->ServerFormatListResponse = cliprdr_server_format_list_response;
  cliprdr->ServerFormatDataRequest = cliprdr_server_format_data_request;
  cliprdr->ServerFormatDataResponse = cliprdr_server_format_data_response;
}
