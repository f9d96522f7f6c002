/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-rdp-session.h"

#include "pier-rdp-connection-private.h"
#include "pier-rdp-session-private.h"
#include "pier-tls.h"

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
  PierRdpEvent *event = data;

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
apply_cursor (PierRdpSession *self, PierRdpEvent *event)
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
  PierRdpEvent *event;

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
        case PIER_RDP_EVENT_STATE:
          /* News from a connection already ended by pier_rdp_session_disconnect must not undo
           * the state it set. */
          if (event->generation == self->generation)
            set_state (self, event->state, event->text);
          break;
        case PIER_RDP_EVENT_DESKTOP_SIZE:
          apply_desktop_size (self, event->width, event->height);
          break;
        case PIER_RDP_EVENT_CURSOR:
          apply_cursor (self, event);
          break;
        case PIER_RDP_EVENT_REMOTE_CLIPBOARD:
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
push_command (PierRdpSession *self, const PierRdpCommand *command)
{
  g_mutex_lock (&self->lock);
  if (self->active)
    {
      PierRdpCommand *tail = g_queue_peek_tail (&self->commands);

      /* Motion the server has not seen yet is only worth its latest position. */
      if (command->type == PIER_RDP_COMMAND_MOTION && tail != NULL
          && tail->type == PIER_RDP_COMMAND_MOTION)
        *tail = *command;
      else
        g_queue_push_tail (&self->commands, g_memdup2 (command, sizeof *command));
      SetEvent (self->wakeup);
    }
  g_mutex_unlock (&self->lock);
}

/* ---- public API (main thread) ---- */

void
pier_rdp_session_connect (PierRdpSession *self)
{
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

  context = pier_rdp_connection_context_new ();
  if (context == NULL)
    {
      set_state (self, PIER_RDP_SESSION_STATE_ERROR, "FreeRDP cannot start a client");
      return;
    }
  ((PierRdpContext *) context)->session = self;
  ((PierRdpContext *) context)->generation = ++self->generation;
  if (!pier_rdp_connection_configure (self, context->settings, width, height, keyboard_layout))
    {
      freerdp_client_context_free (context);
      set_state (self, PIER_RDP_SESSION_STATE_ERROR, "FreeRDP refused the connection settings");
      return;
    }

  g_mutex_lock (&self->lock);
  self->context = context;
  g_mutex_unlock (&self->lock);
  set_state (self, PIER_RDP_SESSION_STATE_CONNECTING, NULL);
  self->thread = g_thread_try_new ("pier-rdp", pier_rdp_connection_run, context, &error);
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
  PierRdpCommand command = { .type = PIER_RDP_COMMAND_KEY, .code = scancode, .down = down,
                             .repeat = repeat };

  g_return_if_fail (PIER_IS_RDP_SESSION (self));
  if (scancode != 0)
    push_command (self, &command);
}

void
pier_rdp_session_send_focus_in (PierRdpSession *self, gboolean caps_lock, gboolean num_lock,
                                gboolean scroll_lock)
{
  PierRdpCommand command = {
    .type = PIER_RDP_COMMAND_FOCUS_IN,
    .code = (caps_lock ? KBD_SYNC_CAPS_LOCK : 0) | (num_lock ? KBD_SYNC_NUM_LOCK : 0)
            | (scroll_lock ? KBD_SYNC_SCROLL_LOCK : 0),
  };

  g_return_if_fail (PIER_IS_RDP_SESSION (self));
  push_command (self, &command);
}

void
pier_rdp_session_send_pointer_motion (PierRdpSession *self, int x, int y)
{
  PierRdpCommand command = { .type = PIER_RDP_COMMAND_MOTION, .x = x, .y = y };

  g_return_if_fail (PIER_IS_RDP_SESSION (self));
  push_command (self, &command);
}

void
pier_rdp_session_send_button (PierRdpSession *self, PierRdpButton button, gboolean down, int x,
                              int y)
{
  PierRdpCommand command = { .type = PIER_RDP_COMMAND_BUTTON, .code = button, .down = down,
                             .x = x, .y = y };

  g_return_if_fail (PIER_IS_RDP_SESSION (self));
  push_command (self, &command);
}

void
pier_rdp_session_send_wheel (PierRdpSession *self, int vertical, int horizontal, int x, int y)
{
  PierRdpCommand command = {
    .type = PIER_RDP_COMMAND_WHEEL, .wheel_v = vertical, .wheel_h = horizontal, .x = x, .y = y,
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
  PierRdpCommand command = { .type = PIER_RDP_COMMAND_ANNOUNCE_CLIPBOARD };

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
