/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-rdp-graphics-private.h"

#include "pier-rdp-events-private.h"

#include <freerdp/codec/color.h>
#include <freerdp/gdi/gdi.h>
#include <freerdp/graphics.h>
#include <string.h>

/* FreeRDP's pointer with the image in BGRA. */
typedef struct {
  rdpPointer pointer;
  GBytes *pixels;
} PierPointer;

/* ---- frames (RDP thread, or whichever FreeRDP thread paints) ---- */

/* Follows a change of the GDI surface size: new staging buffer, every tile to be taken anew. */
static void
sync_size_locked (PierRdpSession *self, rdpGdi *gdi)
{
  PierRdpEvent *event;

  if (self->staging != NULL && self->staging_width == gdi->width
      && self->staging_height == gdi->height)
    return;
  g_free (self->staging);
  self->staging_width = gdi->width;
  self->staging_height = gdi->height;
  self->staging = g_malloc0 ((gsize) gdi->width * 4 * (gsize) gdi->height);
  self->tile_columns = (gdi->width + PIER_RDP_TILE_SIZE - 1) / PIER_RDP_TILE_SIZE;
  self->tile_rows = (gdi->height + PIER_RDP_TILE_SIZE - 1) / PIER_RDP_TILE_SIZE;
  g_free (self->dirty_tiles);
  self->dirty_tiles = g_malloc ((gsize) self->tile_columns * (gsize) self->tile_rows);
  memset (self->dirty_tiles, 1, (gsize) self->tile_columns * (gsize) self->tile_rows);

  event = g_new0 (PierRdpEvent, 1);
  event->type = PIER_RDP_EVENT_DESKTOP_SIZE;
  event->width = gdi->width;
  event->height = gdi->height;
  pier_rdp_session_post_event_locked (self, event);
}

static void
stage_rect_locked (PierRdpSession *self, rdpGdi *gdi, INT32 x, INT32 y, INT32 w, INT32 h)
{
  gsize staging_stride = (gsize) self->staging_width * 4;

  x = MAX (x, 0);
  y = MAX (y, 0);
  w = MIN (x + w, gdi->width) - x;
  h = MIN (y + h, gdi->height) - y;
  if (w <= 0 || h <= 0)
    return;
  for (INT32 row = y; row < y + h; row++)
    memcpy (self->staging + (gsize) row * staging_stride + (gsize) x * 4,
            gdi->primary_buffer + (gsize) row * gdi->stride + (gsize) x * 4, (gsize) w * 4);

  for (INT32 row = y / PIER_RDP_TILE_SIZE; row <= (y + h - 1) / PIER_RDP_TILE_SIZE; row++)
    memset (self->dirty_tiles + row * self->tile_columns + x / PIER_RDP_TILE_SIZE, 1,
            (gsize) ((x + w - 1) / PIER_RDP_TILE_SIZE - x / PIER_RDP_TILE_SIZE + 1));
}

/* FreeRDP calls this once a batch of drawing is done: the damaged region (and only it) goes
 * from the GDI framebuffer into the staging buffer, and the main thread is woken once. */
static BOOL
end_paint (rdpContext *context)
{
  PierRdpSession *self = ((PierRdpContext *) context)->session;
  rdpGdi *gdi = context->gdi;
  HGDI_WND hwnd = gdi->primary->hdc->hwnd;

  if (hwnd->invalid->null)
    return TRUE;

  g_mutex_lock (&self->lock);
  if (self->staging == NULL || self->staging_width != gdi->width
      || self->staging_height != gdi->height)
    {
      sync_size_locked (self, gdi);
      stage_rect_locked (self, gdi, 0, 0, gdi->width, gdi->height);
    }
  else if (hwnd->ninvalid > 0)
    {
      for (INT32 i = 0; i < hwnd->ninvalid; i++)
        {
          const GDI_RGN *r = &hwnd->cinvalid[i];

          stage_rect_locked (self, gdi, r->x, r->y, r->w, r->h);
        }
    }
  else
    {
      stage_rect_locked (self, gdi, hwnd->invalid->x, hwnd->invalid->y, hwnd->invalid->w,
                         hwnd->invalid->h);
    }
  if (!self->frame_ready)
    {
      self->frame_ready = TRUE;
      g_source_set_ready_time (self->wake_source, 0);
    }
  g_mutex_unlock (&self->lock);

  hwnd->invalid->null = TRUE;
  hwnd->ninvalid = 0;
  return TRUE;
}

static BOOL
desktop_resize (rdpContext *context)
{
  PierRdpSession *self = ((PierRdpContext *) context)->session;
  rdpSettings *settings = context->settings;

  if (!gdi_resize (context->gdi, freerdp_settings_get_uint32 (settings, FreeRDP_DesktopWidth),
                   freerdp_settings_get_uint32 (settings, FreeRDP_DesktopHeight)))
    return FALSE;
  g_mutex_lock (&self->lock);
  sync_size_locked (self, context->gdi);
  stage_rect_locked (self, context->gdi, 0, 0, context->gdi->width, context->gdi->height);
  self->frame_ready = TRUE;
  g_source_set_ready_time (self->wake_source, 0);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

/* ---- Display Control (a FreeRDP channel thread) ---- */

static UINT
disp_caps (DispClientContext *disp, UINT32 max_monitors, UINT32 factor_a, UINT32 factor_b)
{
  PierRdpContext *pctx = disp->custom;
  PierRdpSession *self = pctx->session;

  g_mutex_lock (&self->lock);
  self->disp_ready = TRUE;
  SetEvent (self->wakeup);
  g_mutex_unlock (&self->lock);
  return CHANNEL_RC_OK;
}

/* ---- pointer (RDP thread) ---- */

static void
post_cursor (rdpContext *context, PierRdpCursorKind kind, PierPointer *pointer)
{
  PierRdpSession *self = ((PierRdpContext *) context)->session;
  PierRdpEvent *event = g_new0 (PierRdpEvent, 1);

  event->type = PIER_RDP_EVENT_CURSOR;
  event->cursor = kind;
  if (pointer != NULL)
    {
      event->pixels = g_bytes_ref (pointer->pixels);
      event->width = (int) pointer->pointer.width;
      event->height = (int) pointer->pointer.height;
      event->hotspot_x = (int) pointer->pointer.xPos;
      event->hotspot_y = (int) pointer->pointer.yPos;
    }
  g_mutex_lock (&self->lock);
  pier_rdp_session_post_event_locked (self, event);
  g_mutex_unlock (&self->lock);
}

static BOOL
pointer_new (rdpContext *context, rdpPointer *pointer)
{
  PierPointer *pier_pointer = (PierPointer *) pointer;
  gsize size = (gsize) pointer->width * 4 * pointer->height;
  guint8 *pixels;

  if (size == 0)
    return FALSE;
  pixels = g_malloc (size);
  if (!freerdp_image_copy_from_pointer_data (
          pixels, PIXEL_FORMAT_BGRA32, pointer->width * 4, 0, 0, pointer->width,
          pointer->height, pointer->xorMaskData, pointer->lengthXorMask, pointer->andMaskData,
          pointer->lengthAndMask, pointer->xorBpp, &context->gdi->palette))
    {
      g_free (pixels);
      return FALSE;
    }
  pier_pointer->pixels = g_bytes_new_take (pixels, size);
  return TRUE;
}

static void
pointer_free (rdpContext *context, rdpPointer *pointer)
{
  g_clear_pointer (&((PierPointer *) pointer)->pixels, g_bytes_unref);
}

static BOOL
pointer_set (rdpContext *context, rdpPointer *pointer)
{
  post_cursor (context, PIER_RDP_CURSOR_IMAGE, (PierPointer *) pointer);
  return TRUE;
}

static BOOL
pointer_set_null (rdpContext *context)
{
  post_cursor (context, PIER_RDP_CURSOR_HIDDEN, NULL);
  return TRUE;
}

static BOOL
pointer_set_default (rdpContext *context)
{
  post_cursor (context, PIER_RDP_CURSOR_DEFAULT, NULL);
  return TRUE;
}

/* The server moving the pointer is not followed: the local pointer is the user's. */
static BOOL
pointer_set_position (rdpContext *context, UINT32 x, UINT32 y)
{
  return TRUE;
}

/* ---- attaching to a connection ---- */

gboolean
pier_rdp_graphics_attach (freerdp *instance)
{
  rdpUpdate *update = instance->context->update;
  const rdpPointer pointer = {
    .size = sizeof (PierPointer),
    .New = pointer_new,
    .Free = pointer_free,
    .Set = pointer_set,
    .SetNull = pointer_set_null,
    .SetDefault = pointer_set_default,
    .SetPosition = pointer_set_position,
  };

  if (!gdi_init (instance, PIXEL_FORMAT_BGRA32))
    return FALSE;
  graphics_register_pointer (instance->context->graphics, &pointer);
  update->EndPaint = end_paint;
  update->DesktopResize = desktop_resize;
  return TRUE;
}

void
pier_rdp_display_control_attach (PierRdpContext *pctx, DispClientContext *disp)
{
  pctx->disp = disp;
  pctx->disp->custom = pctx;
  pctx->disp->DisplayControlCaps = disp_caps;
}
