#include "pier-rdp-session.h"

#include "pier-tls.h"

#include <freerdp/channels/disp.h>
#include <freerdp/client.h>
#include <freerdp/client/cliprdr.h>
#include <freerdp/client/disp.h>
#include <freerdp/codec/color.h>
#include <freerdp/event.h>
#include <freerdp/freerdp.h>
#include <freerdp/gdi/gdi.h>
#include <freerdp/graphics.h>
#include <freerdp/locale/keyboard.h>
#include <freerdp/primitives.h>
#include <freerdp/scancode.h>
#include <string.h>
#include <winpr/synch.h>
#include <winpr/user.h>

#define RDP_DEFAULT_PORT 3389
#define EVDEV_KEY_A 30 /* linux/input-event-codes.h */
#define RESIZE_DEBOUNCE_MS 200
/* Weston drops the seat of a client that disconnects; Wayland clients that were still binding
 * the seat of a connection that lived only a moment die of a protocol error ("invalid global
 * wl_seat"). A connection is therefore never replaced for a new size this young. */
#define RESIZE_RECONNECT_MIN_AGE_US (2 * G_USEC_PER_SEC)
/* Size asked for by a connection before the view has told its own. */
#define DEFAULT_DESKTOP_WIDTH 1024
#define DEFAULT_DESKTOP_HEIGHT 768

#define CERTIFICATE_MISMATCH_MESSAGE \
  "the server's certificate does not match the one Pier made for this container"

typedef enum {
  COMMAND_KEY,
  COMMAND_FOCUS_IN,
  COMMAND_MOTION,
  COMMAND_BUTTON,
  COMMAND_WHEEL,
  COMMAND_ANNOUNCE_CLIPBOARD,
} CommandType;

/* Input and requests from the main thread, carried out on the RDP thread. */
typedef struct {
  CommandType type;
  guint32 code; /* scancode, button, or lock states */
  gboolean down;
  gboolean repeat;
  int x, y;
  int wheel_v, wheel_h;
} Command;

typedef enum {
  EVENT_STATE,
  EVENT_DESKTOP_SIZE,
  EVENT_REMOTE_CLIPBOARD,
  EVENT_CURSOR,
} EventType;

/* What the RDP thread tells the main thread. */
typedef struct {
  EventType type;
  guint generation; /* of the connection that posted it */
  PierRdpSessionState state;
  char *text; /* error message or clipboard text */
  int width, height;
  PierRdpCursorKind cursor;
  GBytes *pixels; /* cursor image */
  int hotspot_x, hotspot_y;
} Event;

/* FreeRDP's pointer with the image in BGRA. */
typedef struct {
  rdpPointer pointer;
  GBytes *pixels;
} PierPointer;

/* FreeRDP's per-connection context; lives on the RDP thread. */
typedef struct {
  rdpClientContext common;
  PierRdpSession *session;
  guint generation;
  DispClientContext *disp;
  CliprdrClientContext *cliprdr;
  int clipboard_ready; /* atomic: the server sent Monitor Ready */
  char *certificate_problem;
} PierRdpContext;

struct _PierRdpSession {
  GObject parent_instance;

  char *target;
  char *host; /* host name, address or socket path */
  guint16 port;
  char *fingerprint; /* normalised; NULL when none was given or it was malformed */
  char *fingerprint_problem;

  /* Main thread only. */
  PierRdpSessionState state;
  char *error;
  int desktop_width;
  int desktop_height;
  char *username;
  char *password;
  GMainContext *main_context;
  GSource *wake_source;
  GThread *thread;
  guint generation; /* counts connections, so that a joined thread's late news is ignored */
  guint resize_source_id;
  int pending_width;
  int pending_height;
  int asked_width; /* size the current connection asked for */
  int asked_height;
  gboolean resizing_by_reconnect;
  gint64 connected_at; /* monotonic time of the last CONNECTED */
  gboolean server_sets_size; /* a reconnect at a new size did not get it */
  PierRdpCursorKind cursor;
  GBytes *cursor_pixels;
  int cursor_width;
  int cursor_height;
  int cursor_hotspot_x;
  int cursor_hotspot_y;

  /* Shared with the RDP thread (and FreeRDP's channel threads) under lock. */
  GMutex lock;
  HANDLE wakeup; /* wakes the RDP thread for commands */
  rdpContext *context;
  gboolean active; /* connected: input is accepted */
  gboolean stopping;
  GQueue commands;
  int wanted_width; /* desktop size to ask for; 0 once asked */
  int wanted_height;
  gboolean disp_ready;
  char *local_clipboard;
  guint8 *staging;
  int staging_width;
  int staging_height;
  int tile_columns;
  int tile_rows;
  guint8 *dirty_tiles; /* a flag a tile, row by row: changed since last taken */
  GQueue events;
  gboolean frame_ready;
};

enum {
  PROP_0,
  PROP_TARGET,
  PROP_FINGERPRINT,
  PROP_STATE,
  PROP_ERROR,
  PROP_DESKTOP_WIDTH,
  PROP_DESKTOP_HEIGHT,
  N_PROPS
};

enum {
  SIGNAL_FRAME,
  SIGNAL_REMOTE_CLIPBOARD_TEXT,
  SIGNAL_CURSOR_CHANGED,
  N_SIGNALS
};

static GParamSpec *props[N_PROPS];
static guint signals[N_SIGNALS];
static DWORD keyboard_layout;
static guint keycode_offset;

G_DEFINE_FINAL_TYPE (PierRdpSession, pier_rdp_session, G_TYPE_OBJECT)

GType
pier_rdp_session_state_get_type (void)
{
  static gsize type_id;

  if (g_once_init_enter (&type_id))
    {
      static const GEnumValue values[] = {
        { PIER_RDP_SESSION_STATE_DISCONNECTED, "PIER_RDP_SESSION_STATE_DISCONNECTED",
          "disconnected" },
        { PIER_RDP_SESSION_STATE_CONNECTING, "PIER_RDP_SESSION_STATE_CONNECTING", "connecting" },
        { PIER_RDP_SESSION_STATE_CONNECTED, "PIER_RDP_SESSION_STATE_CONNECTED", "connected" },
        { PIER_RDP_SESSION_STATE_ERROR, "PIER_RDP_SESSION_STATE_ERROR", "error" },
        { 0, NULL, NULL },
      };
      g_once_init_leave (&type_id, g_enum_register_static ("PierRdpSessionState", values));
    }
  return type_id;
}

/* ---- talking to the main thread ---- */

static void
post_event_locked (PierRdpSession *self, Event *event)
{
  g_queue_push_tail (&self->events, event);
  g_source_set_ready_time (self->wake_source, 0);
}

static void
post_state (PierRdpContext *pctx, PierRdpSessionState state, const char *message)
{
  PierRdpSession *self = pctx->session;
  Event *event = g_new0 (Event, 1);

  event->type = EVENT_STATE;
  event->generation = pctx->generation;
  event->state = state;
  event->text = g_strdup (message);
  g_mutex_lock (&self->lock);
  post_event_locked (self, event);
  g_mutex_unlock (&self->lock);
}

static void
set_state (PierRdpSession *self, PierRdpSessionState state, const char *message)
{
  g_object_freeze_notify (G_OBJECT (self));
  if (g_strcmp0 (self->error, message) != 0)
    {
      g_free (self->error);
      self->error = g_strdup (message);
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ERROR]);
    }
  if (self->state != state)
    {
      self->state = state;
      if (state == PIER_RDP_SESSION_STATE_CONNECTED)
        self->connected_at = g_get_monotonic_time ();
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATE]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

static void
event_free (gpointer data)
{
  Event *event = data;

  g_free (event->text);
  g_clear_pointer (&event->pixels, g_bytes_unref);
  g_free (event);
}

static void
apply_desktop_size (PierRdpSession *self, int width, int height)
{
  /* A reconnect made to change the size that came back with another: the server decides its
   * size, and reconnecting for every new size of the view would gain nothing. */
  if (self->resizing_by_reconnect)
    {
      self->resizing_by_reconnect = FALSE;
      if (width != self->asked_width || height != self->asked_height)
        self->server_sets_size = TRUE;
    }
  g_object_freeze_notify (G_OBJECT (self));
  if (self->desktop_width != width)
    {
      self->desktop_width = width;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_DESKTOP_WIDTH]);
    }
  if (self->desktop_height != height)
    {
      self->desktop_height = height;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_DESKTOP_HEIGHT]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

static void
apply_cursor (PierRdpSession *self, Event *event)
{
  self->cursor = event->cursor;
  g_clear_pointer (&self->cursor_pixels, g_bytes_unref);
  self->cursor_pixels = g_steal_pointer (&event->pixels);
  self->cursor_width = event->width;
  self->cursor_height = event->height;
  self->cursor_hotspot_x = event->hotspot_x;
  self->cursor_hotspot_y = event->hotspot_y;
  g_signal_emit (self, signals[SIGNAL_CURSOR_CHANGED], 0);
}

/* Main thread: everything the RDP thread posted since the last wake, in order; the frame
 * signal at most once however many frames arrived. */
static gboolean
wake_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  PierRdpSession *self = user_data;
  GQueue events = G_QUEUE_INIT;
  gboolean frame;
  Event *event;

  g_source_set_ready_time (source, -1);
  g_mutex_lock (&self->lock);
  events = self->events;
  g_queue_init (&self->events);
  frame = self->frame_ready;
  self->frame_ready = FALSE;
  g_mutex_unlock (&self->lock);

  g_object_ref (self);
  while ((event = g_queue_pop_head (&events)) != NULL)
    {
      switch (event->type)
        {
        case EVENT_STATE:
          /* News from a connection already ended by pier_rdp_session_disconnect must not undo
           * the state it set. */
          if (event->generation == self->generation)
            set_state (self, event->state, event->text);
          break;
        case EVENT_DESKTOP_SIZE:
          apply_desktop_size (self, event->width, event->height);
          break;
        case EVENT_CURSOR:
          apply_cursor (self, event);
          break;
        case EVENT_REMOTE_CLIPBOARD:
          g_signal_emit (self, signals[SIGNAL_REMOTE_CLIPBOARD_TEXT], 0, event->text);
          break;
        }
      event_free (event);
    }
  if (frame)
    g_signal_emit (self, signals[SIGNAL_FRAME], 0);
  g_object_unref (self);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs wake_source_funcs = {
  .dispatch = wake_dispatch,
};

/* ---- commands to the RDP thread ---- */

static void
push_command (PierRdpSession *self, const Command *command)
{
  g_mutex_lock (&self->lock);
  if (self->active)
    {
      Command *tail = g_queue_peek_tail (&self->commands);

      /* Motion the server has not seen yet is only worth its latest position. */
      if (command->type == COMMAND_MOTION && tail != NULL && tail->type == COMMAND_MOTION)
        *tail = *command;
      else
        g_queue_push_tail (&self->commands, g_memdup2 (command, sizeof *command));
      SetEvent (self->wakeup);
    }
  g_mutex_unlock (&self->lock);
}

static UINT16
wheel_flags (UINT16 axis, int rotation)
{
  /* The rotation is a 9-bit two's complement value whose sign bit is
   * PTR_FLAGS_WHEEL_NEGATIVE. */
  return axis | ((UINT16) rotation & 0x1FF);
}

static void
send_wheel (rdpInput *input, UINT16 axis, int rotation, int x, int y)
{
  while (rotation != 0)
    {
      int step = CLAMP (rotation, -255, 255);

      freerdp_input_send_mouse_event (input, wheel_flags (axis, step), (UINT16) x, (UINT16) y);
      rotation -= step;
    }
}

static void
send_button (rdpInput *input, const Command *command)
{
  static const UINT16 flags[] = {
    [PIER_RDP_BUTTON_LEFT] = PTR_FLAGS_BUTTON1,
    [PIER_RDP_BUTTON_MIDDLE] = PTR_FLAGS_BUTTON3,
    [PIER_RDP_BUTTON_RIGHT] = PTR_FLAGS_BUTTON2,
    [PIER_RDP_BUTTON_EXTRA1] = PTR_XFLAGS_BUTTON1,
    [PIER_RDP_BUTTON_EXTRA2] = PTR_XFLAGS_BUTTON2,
  };
  UINT16 x = (UINT16) command->x, y = (UINT16) command->y;

  if (command->code >= G_N_ELEMENTS (flags))
    return;
  if (command->code >= PIER_RDP_BUTTON_EXTRA1)
    freerdp_input_send_extended_mouse_event (
        input, flags[command->code] | (command->down ? PTR_XFLAGS_DOWN : 0), x, y);
  else
    freerdp_input_send_mouse_event (input,
                                    flags[command->code] | (command->down ? PTR_FLAGS_DOWN : 0),
                                    x, y);
}

static void announce_clipboard (PierRdpContext *pctx);

static void
send_desktop_size (PierRdpContext *pctx, int width, int height)
{
  DISPLAY_CONTROL_MONITOR_LAYOUT layout = {
    .Flags = DISPLAY_CONTROL_MONITOR_PRIMARY,
    .Width = (UINT32) width,
    .Height = (UINT32) height,
    .Orientation = ORIENTATION_LANDSCAPE,
    .DesktopScaleFactor = 100,
    .DeviceScaleFactor = 100,
  };

  pctx->disp->SendMonitorLayout (pctx->disp, 1, &layout);
}

/* RDP thread: carries out what the main thread queued. */
static void
run_commands (PierRdpSession *self, PierRdpContext *pctx)
{
  rdpInput *input = pctx->common.context.input;
  GQueue commands;
  Command *command;
  int width = 0, height = 0;

  g_mutex_lock (&self->lock);
  ResetEvent (self->wakeup);
  commands = self->commands;
  g_queue_init (&self->commands);
  if (self->disp_ready && self->wanted_width > 0)
    {
      width = self->wanted_width;
      height = self->wanted_height;
      self->wanted_width = self->wanted_height = 0;
    }
  g_mutex_unlock (&self->lock);

  if (width > 0)
    send_desktop_size (pctx, width, height);

  while ((command = g_queue_pop_head (&commands)) != NULL)
    {
      switch (command->type)
        {
        case COMMAND_KEY:
          freerdp_input_send_keyboard_event_ex (input, command->down, command->repeat,
                                                command->code);
          break;
        case COMMAND_FOCUS_IN:
          freerdp_input_send_focus_in_event (input, (UINT16) command->code);
          break;
        case COMMAND_MOTION:
          freerdp_input_send_mouse_event (input, PTR_FLAGS_MOVE, (UINT16) command->x,
                                          (UINT16) command->y);
          break;
        case COMMAND_BUTTON:
          send_button (input, command);
          break;
        case COMMAND_WHEEL:
          send_wheel (input, PTR_FLAGS_WHEEL, command->wheel_v, command->x, command->y);
          send_wheel (input, PTR_FLAGS_HWHEEL, command->wheel_h, command->x, command->y);
          break;
        case COMMAND_ANNOUNCE_CLIPBOARD:
          announce_clipboard (pctx);
          break;
        }
      g_free (command);
    }
}

/* ---- frames (RDP thread, or whichever FreeRDP thread paints) ---- */

/* Follows a change of the GDI surface size: new staging buffer, every tile to be taken anew. */
static void
sync_size_locked (PierRdpSession *self, rdpGdi *gdi)
{
  Event *event;

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

  event = g_new0 (Event, 1);
  event->type = EVENT_DESKTOP_SIZE;
  event->width = gdi->width;
  event->height = gdi->height;
  post_event_locked (self, event);
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

/* ---- clipboard (FreeRDP's cliprdr thread; replies go back through the channel) ---- */

static void
announce_clipboard (PierRdpContext *pctx)
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
  announce_clipboard (pctx);
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
  Event *event;
  char *text;

  if (!(response->common.msgFlags & CB_RESPONSE_OK) || utf16 == NULL)
    return CHANNEL_RC_OK;
  /* CF_UNICODETEXT ends with a NUL that is not part of the text. */
  while (units > 0 && utf16[units - 1] == 0)
    units--;
  text = g_utf16_to_utf8 (utf16, units, NULL, NULL, NULL);
  if (text == NULL)
    return CHANNEL_RC_OK;

  event = g_new0 (Event, 1);
  event->type = EVENT_REMOTE_CLIPBOARD;
  event->text = text;
  g_mutex_lock (&self->lock);
  post_event_locked (self, event);
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

static void
cliprdr_attach (PierRdpContext *pctx, CliprdrClientContext *cliprdr)
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

/* ---- pointer (RDP thread) ---- */

static void
post_cursor (rdpContext *context, PierRdpCursorKind kind, PierPointer *pointer)
{
  PierRdpSession *self = ((PierRdpContext *) context)->session;
  Event *event = g_new0 (Event, 1);

  event->type = EVENT_CURSOR;
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
  post_event_locked (self, event);
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

/* ---- FreeRDP instance callbacks (RDP thread) ---- */

static void
on_channel_connected (void *context, const ChannelConnectedEventArgs *e)
{
  PierRdpContext *pctx = context;

  if (strcmp (e->name, DISP_DVC_CHANNEL_NAME) == 0)
    {
      pctx->disp = e->pInterface;
      pctx->disp->custom = pctx;
      pctx->disp->DisplayControlCaps = disp_caps;
    }
  else if (strcmp (e->name, CLIPRDR_SVC_CHANNEL_NAME) == 0)
    cliprdr_attach (pctx, e->pInterface);
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

static gboolean
configure (PierRdpSession *self, rdpSettings *settings, int width, int height)
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
      run_commands (self, pctx);
      if (!freerdp_check_event_handles (context) || freerdp_shall_disconnect_context (context))
        break;
    }
}

static gpointer
rdp_thread (gpointer data)
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
      post_state (pctx, PIER_RDP_SESSION_STATE_CONNECTED, NULL);
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

  post_state (pctx, problem != NULL ? PIER_RDP_SESSION_STATE_ERROR
                                    : PIER_RDP_SESSION_STATE_DISCONNECTED, problem);
  freerdp_client_context_free (context);
  return NULL;
}

/* ---- public API (main thread) ---- */

void
pier_rdp_session_connect (PierRdpSession *self)
{
  RDP_CLIENT_ENTRY_POINTS entry = {
    .Size = sizeof entry,
    .Version = RDP_CLIENT_INTERFACE_VERSION,
    .ContextSize = sizeof (PierRdpContext),
    .ClientNew = client_new,
    .ClientFree = client_free,
  };
  g_autoptr (GError) error = NULL;
  rdpContext *context;
  int width, height;

  g_return_if_fail (PIER_IS_RDP_SESSION (self));

  if (self->state == PIER_RDP_SESSION_STATE_CONNECTING
      || self->state == PIER_RDP_SESSION_STATE_CONNECTED)
    return;
  /* Without a valid pin no certificate could be accepted: say so without connecting. */
  if (self->fingerprint == NULL)
    {
      g_autofree char *problem =
          self->fingerprint_problem != NULL
              ? g_strdup (self->fingerprint_problem)
              : g_strdup_printf ("no certificate fingerprint was given for %s, so its server "
                                 "cannot be trusted",
                                 self->target);

      set_state (self, PIER_RDP_SESSION_STATE_ERROR, problem);
      return;
    }
  /* A thread that ended by itself (server gone) is joined here. */
  g_clear_pointer (&self->thread, g_thread_join);

  g_mutex_lock (&self->lock);
  width = self->wanted_width > 0 ? self->wanted_width
          : self->desktop_width > 0 ? self->desktop_width
                                    : DEFAULT_DESKTOP_WIDTH;
  height = self->wanted_height > 0 ? self->wanted_height
           : self->desktop_height > 0 ? self->desktop_height
                                      : DEFAULT_DESKTOP_HEIGHT;
  self->wanted_width = self->wanted_height = 0;
  self->asked_width = width;
  self->asked_height = height;
  self->stopping = FALSE;
  self->disp_ready = FALSE;
  g_mutex_unlock (&self->lock);

  context = freerdp_client_context_new (&entry);
  if (context == NULL)
    {
      set_state (self, PIER_RDP_SESSION_STATE_ERROR, "FreeRDP cannot start a client");
      return;
    }
  ((PierRdpContext *) context)->session = self;
  ((PierRdpContext *) context)->generation = ++self->generation;
  if (!configure (self, context->settings, width, height))
    {
      freerdp_client_context_free (context);
      set_state (self, PIER_RDP_SESSION_STATE_ERROR, "FreeRDP refused the connection settings");
      return;
    }

  g_mutex_lock (&self->lock);
  self->context = context;
  g_mutex_unlock (&self->lock);
  set_state (self, PIER_RDP_SESSION_STATE_CONNECTING, NULL);
  self->thread = g_thread_try_new ("pier-rdp", rdp_thread, context, &error);
  if (self->thread == NULL)
    {
      g_mutex_lock (&self->lock);
      self->context = NULL;
      g_mutex_unlock (&self->lock);
      freerdp_client_context_free (context);
      set_state (self, PIER_RDP_SESSION_STATE_ERROR, error->message);
    }
}

void
pier_rdp_session_disconnect (PierRdpSession *self)
{
  g_return_if_fail (PIER_IS_RDP_SESSION (self));

  if (self->thread == NULL)
    return;
  g_mutex_lock (&self->lock);
  self->stopping = TRUE;
  if (self->context != NULL)
    freerdp_abort_connect_context (self->context);
  SetEvent (self->wakeup);
  g_mutex_unlock (&self->lock);
  g_clear_pointer (&self->thread, g_thread_join);
  self->generation++;
  set_state (self, PIER_RDP_SESSION_STATE_DISCONNECTED, NULL);
}

void
pier_rdp_session_reconnect (PierRdpSession *self)
{
  pier_rdp_session_disconnect (self);
  pier_rdp_session_connect (self);
}

void
pier_rdp_session_set_credentials (PierRdpSession *self, const char *username,
                                  const char *password)
{
  g_return_if_fail (PIER_IS_RDP_SESSION (self));

  g_free (self->username);
  self->username = g_strdup (username);
  g_free (self->password);
  self->password = g_strdup (password);
}

PierRdpSessionState
pier_rdp_session_get_state (PierRdpSession *self)
{
  g_return_val_if_fail (PIER_IS_RDP_SESSION (self), PIER_RDP_SESSION_STATE_DISCONNECTED);
  return self->state;
}

const char *
pier_rdp_session_get_error (PierRdpSession *self)
{
  g_return_val_if_fail (PIER_IS_RDP_SESSION (self), NULL);
  return self->error;
}

const char *
pier_rdp_session_get_target (PierRdpSession *self)
{
  g_return_val_if_fail (PIER_IS_RDP_SESSION (self), NULL);
  return self->target;
}

int
pier_rdp_session_get_desktop_width (PierRdpSession *self)
{
  g_return_val_if_fail (PIER_IS_RDP_SESSION (self), 0);
  return self->desktop_width;
}

int
pier_rdp_session_get_desktop_height (PierRdpSession *self)
{
  g_return_val_if_fail (PIER_IS_RDP_SESSION (self), 0);
  return self->desktop_height;
}

static void
tile_free (gpointer data)
{
  PierRdpTile *tile = data;

  g_bytes_unref (tile->pixels);
  g_free (tile);
}

GPtrArray *
pier_rdp_session_take_changed_tiles (PierRdpSession *self, int *width, int *height)
{
  GPtrArray *tiles = g_ptr_array_new_with_free_func (tile_free);
  gsize staging_stride;

  g_return_val_if_fail (PIER_IS_RDP_SESSION (self), tiles);

  g_mutex_lock (&self->lock);
  *width = self->staging_width;
  *height = self->staging_height;
  staging_stride = (gsize) self->staging_width * 4;
  for (int row = 0; row < self->tile_rows; row++)
    for (int column = 0; column < self->tile_columns; column++)
      {
        guint8 *dirty = &self->dirty_tiles[row * self->tile_columns + column];
        PierRdpTile *tile;
        guint8 *pixels;

        if (!*dirty)
          continue;
        *dirty = 0;
        tile = g_new (PierRdpTile, 1);
        tile->x = column * PIER_RDP_TILE_SIZE;
        tile->y = row * PIER_RDP_TILE_SIZE;
        tile->width = MIN (PIER_RDP_TILE_SIZE, self->staging_width - tile->x);
        tile->height = MIN (PIER_RDP_TILE_SIZE, self->staging_height - tile->y);
        tile->stride = (gsize) tile->width * 4;
        pixels = g_malloc (tile->stride * (gsize) tile->height);
        for (int y = 0; y < tile->height; y++)
          memcpy (pixels + (gsize) y * tile->stride,
                  self->staging + (gsize) (tile->y + y) * staging_stride + (gsize) tile->x * 4,
                  tile->stride);
        tile->pixels = g_bytes_new_take (pixels, tile->stride * (gsize) tile->height);
        g_ptr_array_add (tiles, tile);
      }
  g_mutex_unlock (&self->lock);
  return tiles;
}

PierRdpCursorKind
pier_rdp_session_get_cursor (PierRdpSession *self, GBytes **pixels, int *width, int *height,
                             int *hotspot_x, int *hotspot_y)
{
  g_return_val_if_fail (PIER_IS_RDP_SESSION (self), PIER_RDP_CURSOR_DEFAULT);

  *pixels = self->cursor_pixels != NULL ? g_bytes_ref (self->cursor_pixels) : NULL;
  *width = self->cursor_width;
  *height = self->cursor_height;
  *hotspot_x = self->cursor_hotspot_x;
  *hotspot_y = self->cursor_hotspot_y;
  return self->cursor;
}

static gboolean
resize_timeout (gpointer data)
{
  PierRdpSession *self = data;
  gboolean in_place;

  self->resize_source_id = 0;
  g_mutex_lock (&self->lock);
  in_place = self->disp_ready || self->state != PIER_RDP_SESSION_STATE_CONNECTED;
  if (in_place)
    {
      self->wanted_width = self->pending_width;
      self->wanted_height = self->pending_height;
      SetEvent (self->wakeup);
    }
  g_mutex_unlock (&self->lock);

  if (!in_place && !self->server_sets_size
      && (self->pending_width != self->asked_width
          || self->pending_height != self->asked_height))
    {
      gint64 age = g_get_monotonic_time () - self->connected_at;

      if (age < RESIZE_RECONNECT_MIN_AGE_US)
        {
          self->resize_source_id = g_timeout_add (
              (guint) ((RESIZE_RECONNECT_MIN_AGE_US - age) / 1000) + 1, resize_timeout, self);
          return G_SOURCE_REMOVE;
        }
      pier_rdp_session_disconnect (self);
      self->wanted_width = self->pending_width;
      self->wanted_height = self->pending_height;
      self->resizing_by_reconnect = TRUE;
      pier_rdp_session_connect (self);
    }
  return G_SOURCE_REMOVE;
}

void
pier_rdp_session_request_desktop_size (PierRdpSession *self, int width, int height)
{
  g_return_if_fail (PIER_IS_RDP_SESSION (self));

  width = CLAMP (width, PIER_RDP_MIN_DESKTOP_SIZE, PIER_RDP_MAX_DESKTOP_SIZE) & ~1;
  height = CLAMP (height, PIER_RDP_MIN_DESKTOP_SIZE, PIER_RDP_MAX_DESKTOP_SIZE);
  if (self->thread == NULL)
    {
      /* Not connected: this is the size the next connection asks for. */
      g_mutex_lock (&self->lock);
      self->wanted_width = width;
      self->wanted_height = height;
      g_mutex_unlock (&self->lock);
      return;
    }
  self->pending_width = width;
  self->pending_height = height;
  if (self->resize_source_id != 0)
    g_source_remove (self->resize_source_id);
  self->resize_source_id = g_timeout_add (RESIZE_DEBOUNCE_MS, resize_timeout, self);
}

void
pier_rdp_session_send_key (PierRdpSession *self, guint32 scancode, gboolean down,
                           gboolean repeat)
{
  Command command = { .type = COMMAND_KEY, .code = scancode, .down = down, .repeat = repeat };

  g_return_if_fail (PIER_IS_RDP_SESSION (self));
  if (scancode != 0)
    push_command (self, &command);
}

void
pier_rdp_session_send_focus_in (PierRdpSession *self, gboolean caps_lock, gboolean num_lock,
                                gboolean scroll_lock)
{
  Command command = {
    .type = COMMAND_FOCUS_IN,
    .code = (caps_lock ? KBD_SYNC_CAPS_LOCK : 0) | (num_lock ? KBD_SYNC_NUM_LOCK : 0)
            | (scroll_lock ? KBD_SYNC_SCROLL_LOCK : 0),
  };

  g_return_if_fail (PIER_IS_RDP_SESSION (self));
  push_command (self, &command);
}

void
pier_rdp_session_send_pointer_motion (PierRdpSession *self, int x, int y)
{
  Command command = { .type = COMMAND_MOTION, .x = x, .y = y };

  g_return_if_fail (PIER_IS_RDP_SESSION (self));
  push_command (self, &command);
}

void
pier_rdp_session_send_button (PierRdpSession *self, PierRdpButton button, gboolean down, int x,
                              int y)
{
  Command command = { .type = COMMAND_BUTTON, .code = button, .down = down, .x = x, .y = y };

  g_return_if_fail (PIER_IS_RDP_SESSION (self));
  push_command (self, &command);
}

void
pier_rdp_session_send_wheel (PierRdpSession *self, int vertical, int horizontal, int x, int y)
{
  Command command = {
    .type = COMMAND_WHEEL, .wheel_v = vertical, .wheel_h = horizontal, .x = x, .y = y,
  };

  g_return_if_fail (PIER_IS_RDP_SESSION (self));
  if (vertical != 0 || horizontal != 0)
    push_command (self, &command);
}

guint32
pier_rdp_session_scancode_from_keycode (guint keycode)
{
  if (keycode < keycode_offset)
    return 0;
  return freerdp_keyboard_get_rdp_scancode_from_x11_keycode (keycode - keycode_offset);
}

void
pier_rdp_session_set_local_clipboard_text (PierRdpSession *self, const char *text)
{
  Command command = { .type = COMMAND_ANNOUNCE_CLIPBOARD };

  g_return_if_fail (PIER_IS_RDP_SESSION (self));

  g_mutex_lock (&self->lock);
  if (g_strcmp0 (self->local_clipboard, text) == 0)
    {
      g_mutex_unlock (&self->lock);
      return;
    }
  g_free (self->local_clipboard);
  self->local_clipboard = g_strdup (text);
  g_mutex_unlock (&self->lock);
  push_command (self, &command);
}

/* ---- GObject ---- */

/* Splits "host:port", "[v6]:port", "host" or "/socket/path". */
static void
parse_target (PierRdpSession *self)
{
  const char *colon;
  guint64 port = RDP_DEFAULT_PORT;

  self->port = RDP_DEFAULT_PORT;
  if (self->target[0] == '/')
    {
      self->host = g_strdup (self->target);
      return;
    }
  if (self->target[0] == '[' && (colon = strstr (self->target, "]")) != NULL)
    {
      self->host = g_strndup (self->target + 1, (gsize) (colon - self->target - 1));
      colon = colon[1] == ':' ? colon + 1 : NULL;
    }
  else if ((colon = strrchr (self->target, ':')) != NULL && strchr (self->target, ':') == colon)
    self->host = g_strndup (self->target, (gsize) (colon - self->target));
  else
    {
      self->host = g_strdup (self->target);
      colon = NULL;
    }
  if (colon != NULL && g_ascii_string_to_unsigned (colon + 1, 10, 1, G_MAXUINT16, &port, NULL))
    self->port = (guint16) port;
}

static void
pier_rdp_session_constructed (GObject *object)
{
  PierRdpSession *self = PIER_RDP_SESSION (object);

  G_OBJECT_CLASS (pier_rdp_session_parent_class)->constructed (object);

  g_return_if_fail (self->target != NULL && self->target[0] != '\0');
  parse_target (self);
}

static void
pier_rdp_session_dispose (GObject *object)
{
  PierRdpSession *self = PIER_RDP_SESSION (object);

  pier_rdp_session_disconnect (self);
  g_clear_handle_id (&self->resize_source_id, g_source_remove);
  if (self->wake_source != NULL)
    {
      g_source_destroy (self->wake_source);
      g_clear_pointer (&self->wake_source, g_source_unref);
    }
  G_OBJECT_CLASS (pier_rdp_session_parent_class)->dispose (object);
}

static void
pier_rdp_session_finalize (GObject *object)
{
  PierRdpSession *self = PIER_RDP_SESSION (object);

  g_queue_clear_full (&self->events, event_free);
  g_queue_clear_full (&self->commands, g_free);
  g_free (self->dirty_tiles);
  g_free (self->staging);
  g_free (self->local_clipboard);
  g_clear_pointer (&self->cursor_pixels, g_bytes_unref);
  CloseHandle (self->wakeup);
  g_mutex_clear (&self->lock);
  g_main_context_unref (self->main_context);
  g_free (self->target);
  g_free (self->host);
  g_free (self->fingerprint);
  g_free (self->fingerprint_problem);
  g_free (self->error);
  g_free (self->username);
  g_free (self->password);
  G_OBJECT_CLASS (pier_rdp_session_parent_class)->finalize (object);
}

static void
set_fingerprint (PierRdpSession *self, const char *fingerprint)
{
  g_autoptr (GError) error = NULL;

  if (fingerprint == NULL)
    return;
  self->fingerprint = pier_tls_fingerprint_normalize (fingerprint, &error);
  if (self->fingerprint == NULL)
    self->fingerprint_problem = g_strdup (error->message);
}

static void
pier_rdp_session_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  PierRdpSession *self = PIER_RDP_SESSION (object);

  switch (prop_id)
    {
    case PROP_TARGET:
      g_value_set_string (value, self->target);
      break;
    case PROP_FINGERPRINT:
      g_value_set_string (value, self->fingerprint);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_ERROR:
      g_value_set_string (value, self->error);
      break;
    case PROP_DESKTOP_WIDTH:
      g_value_set_int (value, self->desktop_width);
      break;
    case PROP_DESKTOP_HEIGHT:
      g_value_set_int (value, self->desktop_height);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pier_rdp_session_set_property (GObject *object, guint prop_id, const GValue *value,
                               GParamSpec *pspec)
{
  PierRdpSession *self = PIER_RDP_SESSION (object);

  switch (prop_id)
    {
    case PROP_TARGET:
      self->target = g_value_dup_string (value);
      break;
    case PROP_FINGERPRINT:
      set_fingerprint (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pier_rdp_session_class_init (PierRdpSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = pier_rdp_session_constructed;
  object_class->dispose = pier_rdp_session_dispose;
  object_class->finalize = pier_rdp_session_finalize;
  object_class->get_property = pier_rdp_session_get_property;
  object_class->set_property = pier_rdp_session_set_property;

  props[PROP_TARGET] = g_param_spec_string (
      "target", NULL, NULL, NULL,
      G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  props[PROP_FINGERPRINT] = g_param_spec_string (
      "fingerprint", NULL, NULL, NULL,
      G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  props[PROP_STATE] = g_param_spec_enum (
      "state", NULL, NULL, PIER_TYPE_RDP_SESSION_STATE, PIER_RDP_SESSION_STATE_DISCONNECTED,
      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  props[PROP_ERROR] = g_param_spec_string (
      "error", NULL, NULL, NULL,
      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  props[PROP_DESKTOP_WIDTH] = g_param_spec_int (
      "desktop-width", NULL, NULL, 0, G_MAXINT, 0,
      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  props[PROP_DESKTOP_HEIGHT] = g_param_spec_int (
      "desktop-height", NULL, NULL, 0, G_MAXINT, 0,
      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  /* A new frame can be had with pier_rdp_session_take_changed_tiles; at most once per main
   * loop iteration however many the server sent. */
  signals[SIGNAL_FRAME] = g_signal_new ("frame", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                        NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* The server's clipboard now holds this text. */
  signals[SIGNAL_REMOTE_CLIPBOARD_TEXT] =
      g_signal_new ("remote-clipboard-text", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                    NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  /* The pointer image changed: pier_rdp_session_get_cursor. */
  signals[SIGNAL_CURSOR_CHANGED] =
      g_signal_new ("cursor-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                    NULL, NULL, G_TYPE_NONE, 0);

  /* FreeRDP's keycode table is process-wide; the layout it detects is what the server is
   * told, so that the server maps scancodes to the same characters as this machine. */
  /* Left to autodetect, FreeRDP benchmarks its pixel routines when a connection first needs
   * them, half a second of every start, to choose between plain C, the CPU's vector
   * instructions and OpenCL; the CPU's are what it picks where OpenCL is not built in. */
  primitives_set_hints (PRIMITIVES_ONLY_CPU);

  keyboard_layout = freerdp_keyboard_init (0);
  /* FreeRDP's table takes X11 keycodes when it could read the X server's keymap and evdev
   * codes when it could not (no X display, as under Wayland); GDK's hardware keycodes are
   * evdev + 8 either way. Key A tells which table FreeRDP built. */
  if (freerdp_keyboard_get_rdp_scancode_from_x11_keycode (EVDEV_KEY_A + 8) == RDP_SCANCODE_KEY_A)
    keycode_offset = 0;
  else
    keycode_offset = 8;
}

static void
pier_rdp_session_init (PierRdpSession *self)
{
  g_mutex_init (&self->lock);
  g_queue_init (&self->commands);
  g_queue_init (&self->events);
  self->wakeup = CreateEventA (NULL, TRUE, FALSE, NULL);
  self->main_context = g_main_context_ref_thread_default ();
  self->wake_source = g_source_new (&wake_source_funcs, sizeof (GSource));
  g_source_set_callback (self->wake_source, NULL, self, NULL);
  g_source_set_name (self->wake_source, "PierRdpSession wake");
  g_source_attach (self->wake_source, self->main_context);
}

PierRdpSession *
pier_rdp_session_new (const char *target, const char *fingerprint)
{
  return g_object_new (PIER_TYPE_RDP_SESSION, "target", target, "fingerprint", fingerprint,
                       NULL);
}
