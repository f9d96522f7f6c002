/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-rdp-view.h"
#include "pier-i18n.h"

#include <math.h>

/* One wheel notch in RDP's rotation units. */
#define WHEEL_DELTA 120

struct _PierRdpView {
  GtkWidget parent_instance;

  PierRdpSession *session;
  gboolean scale_to_fit;

  GPtrArray *tiles; /* GskRenderNode of each PIER_RDP_TILE_SIZE tile, row by row */
  int frame_width; /* the desktop the tiles show */
  int frame_height;
  gboolean frame_pending; /* the session has tiles newer than ours */
  guint64 frames_drawn;

  GHashTable *held_keys; /* scancodes sent down and not yet up */
  double pointer_x; /* last pointer position, in widget coordinates */
  double pointer_y;
  double wheel_v; /* rotation not yet sent, in RDP units */
  double wheel_h;

  GdkClipboard *clipboard;
  GCancellable *clipboard_cancellable;
  char *remote_clipboard; /* what the server last put on our clipboard */
};

enum {
  PROP_0,
  PROP_SESSION,
  PROP_SCALE_TO_FIT,
  PROP_FRAMES_DRAWN,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

G_DEFINE_FINAL_TYPE (PierRdpView, pier_rdp_view, GTK_TYPE_WIDGET)

/* Where the remote desktop sits in the view: its top-left corner and view units a remote
 * pixel. */
typedef struct {
  double x, y;
  double scale;
  int remote_width, remote_height;
} Placement;

static gboolean
get_placement (PierRdpView *self, Placement *p)
{
  double width = gtk_widget_get_width (GTK_WIDGET (self));
  double height = gtk_widget_get_height (GTK_WIDGET (self));

  if (self->frame_width > 0)
    {
      p->remote_width = self->frame_width;
      p->remote_height = self->frame_height;
    }
  else
    {
      p->remote_width = pier_rdp_session_get_desktop_width (self->session);
      p->remote_height = pier_rdp_session_get_desktop_height (self->session);
    }
  if (p->remote_width <= 0 || p->remote_height <= 0 || width <= 0 || height <= 0)
    return FALSE;

  if (self->scale_to_fit)
    p->scale = MIN (width / p->remote_width, height / p->remote_height);
  else
    p->scale = 1.0 / gtk_widget_get_scale_factor (GTK_WIDGET (self));
  /* Centred when smaller than the view; anchored top-left when larger (1:1 only). Whole
   * pixels, so that 1:1 stays sharp. */
  p->x = floor (MAX (0, (width - p->remote_width * p->scale) / 2));
  p->y = floor (MAX (0, (height - p->remote_height * p->scale) / 2));
  return TRUE;
}

/* The remote pixel under view point (@x, @y), clamped to the desktop. */
static gboolean
to_remote (PierRdpView *self, double x, double y, int *rx, int *ry)
{
  Placement p;

  if (!get_placement (self, &p))
    return FALSE;
  *rx = CLAMP ((int) floor ((x - p.x) / p.scale), 0, p.remote_width - 1);
  *ry = CLAMP ((int) floor ((y - p.y) / p.scale), 0, p.remote_height - 1);
  return TRUE;
}

/* Tiles the server has not drawn yet have no node. */
static void
tile_node_free (gpointer node)
{
  if (node != NULL)
    gsk_render_node_unref (node);
}

static const cairo_user_data_key_t tile_bytes_key;

/* GTK 4.8's cairo renderer converts a texture's pixels through floats each time it draws it; a
 * cairo node blits the tile's bytes as they are. Other renderers upload textures, once. */
static GskRenderNode *
tile_node_new (PierRdpView *self, const PierRdpTile *tile)
{
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (GTK_WIDGET (self)));
  graphene_rect_t bounds = GRAPHENE_RECT_INIT (tile->x, tile->y, tile->width, tile->height);
  g_autoptr (GdkTexture) texture = NULL;
  GskRenderNode *node;
  cairo_surface_t *surface;
  cairo_t *cr;

  if (!GSK_IS_CAIRO_RENDERER (renderer))
    {
      /* Opaque BGRA is also premultiplied: the format GTK uploads as it is. */
      texture = gdk_memory_texture_new (tile->width, tile->height,
                                        GDK_MEMORY_B8G8R8A8_PREMULTIPLIED, tile->pixels,
                                        tile->stride);
      return gsk_texture_node_new (texture, &bounds);
    }

  node = gsk_cairo_node_new (&bounds);
  cr = gsk_cairo_node_get_draw_context (node);
  surface = cairo_image_surface_create_for_data ((unsigned char *) g_bytes_get_data (tile->pixels,
                                                                                     NULL),
                                                 CAIRO_FORMAT_RGB24, tile->width, tile->height,
                                                 (int) tile->stride);
  cairo_surface_set_user_data (surface, &tile_bytes_key, g_bytes_ref (tile->pixels),
                               (cairo_destroy_func_t) g_bytes_unref);
  cairo_set_operator (cr, CAIRO_OPERATOR_SOURCE);
  cairo_set_source_surface (cr, surface, tile->x, tile->y);
  cairo_paint (cr);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
  return node;
}

static void
update_tiles (PierRdpView *self)
{
  g_autoptr (GPtrArray) changed = NULL;
  int width = 0, height = 0;
  int columns;

  self->frame_pending = FALSE;
  changed = pier_rdp_session_take_changed_tiles (self->session, &width, &height);
  if (changed->len == 0)
    return;
  columns = (width + PIER_RDP_TILE_SIZE - 1) / PIER_RDP_TILE_SIZE;
  if (width != self->frame_width || height != self->frame_height)
    {
      self->frame_width = width;
      self->frame_height = height;
      g_ptr_array_set_size (self->tiles, 0);
      g_ptr_array_set_size (self->tiles,
                            (guint) (columns * ((height + PIER_RDP_TILE_SIZE - 1)
                                                / PIER_RDP_TILE_SIZE)));
    }
  for (guint i = 0; i < changed->len; i++)
    {
      PierRdpTile *tile = g_ptr_array_index (changed, i);
      gpointer *slot = &g_ptr_array_index (self->tiles, (guint) ((tile->y / PIER_RDP_TILE_SIZE)
                                                                  * columns
                                                                  + tile->x / PIER_RDP_TILE_SIZE));

      g_clear_pointer (slot, gsk_render_node_unref);
      *slot = tile_node_new (self, tile);
    }
  self->frames_drawn++;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_FRAMES_DRAWN]);
}

static char *
status_text (PierRdpView *self)
{
  switch (pier_rdp_session_get_state (self->session))
    {
    case PIER_RDP_SESSION_STATE_CONNECTING:
      return g_strdup_printf (_("Connecting to %s…"), pier_rdp_session_get_target (self->session));
    case PIER_RDP_SESSION_STATE_ERROR:
      return g_strdup (pier_rdp_session_get_error (self->session));
    case PIER_RDP_SESSION_STATE_DISCONNECTED:
      return g_strdup (_("Disconnected"));
    case PIER_RDP_SESSION_STATE_CONNECTED:
      break;
    }
  return NULL;
}

static void
snapshot_status (PierRdpView *self, GtkSnapshot *snapshot, const char *text)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));
  g_autoptr (PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
  const GdkRGBA veil = { 0, 0, 0, 0.6f };
  const GdkRGBA white = { 1, 1, 1, 1 };
  int text_width, text_height;

  pango_layout_set_width (layout, MAX (1, width - 48) * PANGO_SCALE);
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
  pango_layout_get_pixel_size (layout, &text_width, &text_height);

  gtk_snapshot_append_color (snapshot, &veil, &GRAPHENE_RECT_INIT (0, 0, width, height));
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (24, (height - text_height) / 2.0f));
  gtk_snapshot_append_layout (snapshot, layout, &white);
  gtk_snapshot_restore (snapshot);
}

static void
pier_rdp_view_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  PierRdpView *self = PIER_RDP_VIEW (widget);
  const GdkRGBA black = { 0, 0, 0, 1 };
  g_autofree char *status = NULL;
  Placement p;

  gtk_snapshot_append_color (snapshot, &black,
                             &GRAPHENE_RECT_INIT (0, 0, gtk_widget_get_width (widget),
                                                  gtk_widget_get_height (widget)));
  if (self->frame_pending)
    update_tiles (self);
  /* The same node for every tile that did not change: GTK's diff of this frame against the
   * last then redraws (and uploads) only the tiles that did. */
  if (self->tiles->len > 0 && get_placement (self, &p))
    {
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT ((float) p.x, (float) p.y));
      gtk_snapshot_scale (snapshot, (float) p.scale, (float) p.scale);
      for (guint i = 0; i < self->tiles->len; i++)
        if (g_ptr_array_index (self->tiles, i) != NULL)
          gtk_snapshot_append_node (snapshot, g_ptr_array_index (self->tiles, i));
      gtk_snapshot_restore (snapshot);
    }
  status = status_text (self);
  if (status != NULL)
    snapshot_status (self, snapshot, status);
}

static void
pier_rdp_view_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  PierRdpView *self = PIER_RDP_VIEW (widget);
  int scale = gtk_widget_get_scale_factor (widget);

  if (!self->scale_to_fit && width > 0 && height > 0)
    pier_rdp_session_request_desktop_size (self->session, width * scale, height * scale);
}

/* ---- keyboard ---- */

static gboolean
on_key_pressed (GtkEventControllerKey *controller, guint keyval, guint keycode,
                GdkModifierType state, PierRdpView *self)
{
  guint32 scancode = pier_rdp_session_scancode_from_keycode (keycode);
  gboolean repeat;

  if (scancode == 0)
    return FALSE;
  /* A second press without a release is the keyboard's auto-repeat. */
  repeat = !g_hash_table_add (self->held_keys, GUINT_TO_POINTER (scancode));
  pier_rdp_session_send_key (self->session, scancode, TRUE, repeat);
  return TRUE;
}

static void
on_key_released (GtkEventControllerKey *controller, guint keyval, guint keycode,
                 GdkModifierType state, PierRdpView *self)
{
  guint32 scancode = pier_rdp_session_scancode_from_keycode (keycode);

  if (scancode == 0)
    return;
  g_hash_table_remove (self->held_keys, GUINT_TO_POINTER (scancode));
  pier_rdp_session_send_key (self->session, scancode, FALSE, FALSE);
}

/* Keys still down when focus goes would stay down on the server forever. */
static void
release_held_keys (PierRdpView *self)
{
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, self->held_keys);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      pier_rdp_session_send_key (self->session, GPOINTER_TO_UINT (key), FALSE, FALSE);
      g_hash_table_iter_remove (&iter);
    }
}

static void
on_focus_enter (GtkEventControllerFocus *controller, PierRdpView *self)
{
  GdkSeat *seat = gdk_display_get_default_seat (gtk_widget_get_display (GTK_WIDGET (self)));
  GdkDevice *keyboard = seat != NULL ? gdk_seat_get_keyboard (seat) : NULL;

  if (keyboard != NULL)
    pier_rdp_session_send_focus_in (self->session, gdk_device_get_caps_lock_state (keyboard),
                                    gdk_device_get_num_lock_state (keyboard),
                                    gdk_device_get_scroll_lock_state (keyboard));
}

static void
on_focus_leave (GtkEventControllerFocus *controller, PierRdpView *self)
{
  release_held_keys (self);
}

/* ---- mouse ---- */

static void
send_motion (PierRdpView *self, double x, double y)
{
  int rx, ry;

  self->pointer_x = x;
  self->pointer_y = y;
  if (to_remote (self, x, y, &rx, &ry))
    pier_rdp_session_send_pointer_motion (self->session, rx, ry);
}

static void
on_motion (GtkEventControllerMotion *controller, double x, double y, PierRdpView *self)
{
  send_motion (self, x, y);
}

static gboolean
on_button_event (GtkEventControllerLegacy *controller, GdkEvent *event, PierRdpView *self)
{
  GdkEventType type = gdk_event_get_event_type (event);
  PierRdpButton button;
  int rx, ry;

  if (type != GDK_BUTTON_PRESS && type != GDK_BUTTON_RELEASE)
    return FALSE;
  switch (gdk_button_event_get_button (event))
    {
    case GDK_BUTTON_PRIMARY:
      button = PIER_RDP_BUTTON_LEFT;
      break;
    case GDK_BUTTON_MIDDLE:
      button = PIER_RDP_BUTTON_MIDDLE;
      break;
    case GDK_BUTTON_SECONDARY:
      button = PIER_RDP_BUTTON_RIGHT;
      break;
    case 8: /* X11's and evdev's "back" */
      button = PIER_RDP_BUTTON_EXTRA1;
      break;
    case 9: /* "forward" */
      button = PIER_RDP_BUTTON_EXTRA2;
      break;
    default:
      return FALSE;
    }
  if (type == GDK_BUTTON_PRESS)
    gtk_widget_grab_focus (GTK_WIDGET (self));
  /* The legacy controller gives surface coordinates; the motion controller has already put
   * the pointer where the button was pressed. */
  if (to_remote (self, self->pointer_x, self->pointer_y, &rx, &ry))
    pier_rdp_session_send_button (self->session, button, type == GDK_BUTTON_PRESS, rx, ry);
  return TRUE;
}

static gboolean
on_scroll (GtkEventControllerScroll *controller, double dx, double dy, PierRdpView *self)
{
  int rx, ry, v, h;

  /* GTK's dy grows downwards; RDP's rotation is positive upwards. Fractions from smooth
   * scrolling add up until they make whole units. */
  self->wheel_v += -dy * WHEEL_DELTA;
  self->wheel_h += dx * WHEEL_DELTA;
  v = (int) self->wheel_v;
  h = (int) self->wheel_h;
  self->wheel_v -= v;
  self->wheel_h -= h;
  if (to_remote (self, self->pointer_x, self->pointer_y, &rx, &ry))
    pier_rdp_session_send_wheel (self->session, v, h, rx, ry);
  return TRUE;
}

/* ---- clipboard ---- */

static void
on_local_clipboard_read (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (PierRdpView) self = data;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->session == NULL)
    return;
  /* What the server itself just gave us is not news to it. */
  if (text != NULL && g_strcmp0 (text, self->remote_clipboard) == 0)
    return;
  pier_rdp_session_set_local_clipboard_text (self->session, text);
}

static void
on_local_clipboard_changed (GdkClipboard *clipboard, PierRdpView *self)
{
  g_cancellable_cancel (self->clipboard_cancellable);
  g_clear_object (&self->clipboard_cancellable);
  self->clipboard_cancellable = g_cancellable_new ();
  gdk_clipboard_read_text_async (clipboard, self->clipboard_cancellable, on_local_clipboard_read,
                                 g_object_ref (self));
}

static void
on_remote_clipboard_text (PierRdpSession *session, const char *text, PierRdpView *self)
{
  g_free (self->remote_clipboard);
  self->remote_clipboard = g_strdup (text);
  gdk_clipboard_set_text (self->clipboard, text);
}

/* ---- session ---- */

static void
on_frame (PierRdpSession *session, PierRdpView *self)
{
  self->frame_pending = TRUE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_cursor_changed (PierRdpSession *session, PierRdpView *self)
{
  g_autoptr (GBytes) pixels = NULL;
  g_autoptr (GdkTexture) texture = NULL;
  g_autoptr (GdkCursor) cursor = NULL;
  int width, height, hotspot_x, hotspot_y;

  switch (pier_rdp_session_get_cursor (session, &pixels, &width, &height, &hotspot_x,
                                       &hotspot_y))
    {
    case PIER_RDP_CURSOR_DEFAULT:
      break;
    case PIER_RDP_CURSOR_HIDDEN:
      cursor = gdk_cursor_new_from_name ("none", NULL);
      break;
    case PIER_RDP_CURSOR_IMAGE:
      texture = gdk_memory_texture_new (width, height, GDK_MEMORY_B8G8R8A8, pixels,
                                        (gsize) width * 4);
      cursor = gdk_cursor_new_from_texture (texture, hotspot_x, hotspot_y, NULL);
      break;
    }
  gtk_widget_set_cursor (GTK_WIDGET (self), cursor);
}

static void
on_session_changed (PierRdpSession *session, GParamSpec *pspec, PierRdpView *self)
{
  if (pier_rdp_session_get_state (session) != PIER_RDP_SESSION_STATE_CONNECTED)
    release_held_keys (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
set_session (PierRdpView *self, PierRdpSession *session)
{
  g_return_if_fail (PIER_IS_RDP_SESSION (session));

  self->session = g_object_ref (session);
  g_signal_connect_object (session, "frame", G_CALLBACK (on_frame), self, 0);
  g_signal_connect_object (session, "notify::state", G_CALLBACK (on_session_changed), self, 0);
  g_signal_connect_object (session, "notify::error", G_CALLBACK (on_session_changed), self, 0);
  g_signal_connect_object (session, "cursor-changed", G_CALLBACK (on_cursor_changed), self, 0);
  g_signal_connect_object (session, "remote-clipboard-text",
                           G_CALLBACK (on_remote_clipboard_text), self, 0);
  self->frame_pending = TRUE;
}

static void
pier_rdp_view_constructed (GObject *object)
{
  PierRdpView *self = PIER_RDP_VIEW (object);

  G_OBJECT_CLASS (pier_rdp_view_parent_class)->constructed (object);

  self->clipboard = g_object_ref (gtk_widget_get_clipboard (GTK_WIDGET (self)));
  g_signal_connect_object (self->clipboard, "changed", G_CALLBACK (on_local_clipboard_changed),
                           self, 0);
  /* The session serves whatever the clipboard held before the view existed, too. */
  on_local_clipboard_changed (self->clipboard, self);
}

static void
pier_rdp_view_dispose (GObject *object)
{
  PierRdpView *self = PIER_RDP_VIEW (object);

  if (self->session != NULL)
    {
      release_held_keys (self);
      g_signal_handlers_disconnect_by_data (self->session, self);
    }
  g_cancellable_cancel (self->clipboard_cancellable);
  g_clear_object (&self->clipboard_cancellable);
  if (self->clipboard != NULL)
    g_signal_handlers_disconnect_by_data (self->clipboard, self);
  g_clear_object (&self->clipboard);
  g_ptr_array_set_size (self->tiles, 0);
  /* The view normally holds the last reference: the session then disconnects and joins its
   * thread. */
  g_clear_object (&self->session);
  G_OBJECT_CLASS (pier_rdp_view_parent_class)->dispose (object);
}

static void
pier_rdp_view_finalize (GObject *object)
{
  PierRdpView *self = PIER_RDP_VIEW (object);

  g_hash_table_unref (self->held_keys);
  g_ptr_array_unref (self->tiles);
  g_free (self->remote_clipboard);
  G_OBJECT_CLASS (pier_rdp_view_parent_class)->finalize (object);
}

static void
pier_rdp_view_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  PierRdpView *self = PIER_RDP_VIEW (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    case PROP_SCALE_TO_FIT:
      g_value_set_boolean (value, self->scale_to_fit);
      break;
    case PROP_FRAMES_DRAWN:
      g_value_set_uint64 (value, self->frames_drawn);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pier_rdp_view_set_property (GObject *object, guint prop_id, const GValue *value,
                            GParamSpec *pspec)
{
  PierRdpView *self = PIER_RDP_VIEW (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      set_session (self, g_value_get_object (value));
      break;
    case PROP_SCALE_TO_FIT:
      pier_rdp_view_set_scale_to_fit (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pier_rdp_view_class_init (PierRdpViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = pier_rdp_view_constructed;
  object_class->dispose = pier_rdp_view_dispose;
  object_class->finalize = pier_rdp_view_finalize;
  object_class->get_property = pier_rdp_view_get_property;
  object_class->set_property = pier_rdp_view_set_property;
  widget_class->snapshot = pier_rdp_view_snapshot;
  widget_class->size_allocate = pier_rdp_view_size_allocate;

  props[PROP_SESSION] = g_param_spec_object (
      "session", NULL, NULL, PIER_TYPE_RDP_SESSION,
      G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  props[PROP_SCALE_TO_FIT] = g_param_spec_boolean (
      "scale-to-fit", NULL, NULL, FALSE,
      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  props[PROP_FRAMES_DRAWN] = g_param_spec_uint64 (
      "frames-drawn", NULL, NULL, 0, G_MAXUINT64, 0,
      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  gtk_widget_class_set_css_name (widget_class, "pier-rdp-view");
}

static void
pier_rdp_view_init (PierRdpView *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  GtkEventController *controller;

  self->held_keys = g_hash_table_new (NULL, NULL);
  self->tiles = g_ptr_array_new_with_free_func (tile_node_free);
  gtk_widget_set_focusable (widget, TRUE);
  gtk_widget_set_focus_on_click (widget, TRUE);
  gtk_widget_set_hexpand (widget, TRUE);
  gtk_widget_set_vexpand (widget, TRUE);

  /* Capture phase: every key goes to the remote desktop before window shortcuts see it. */
  controller = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  g_signal_connect (controller, "key-pressed", G_CALLBACK (on_key_pressed), self);
  g_signal_connect (controller, "key-released", G_CALLBACK (on_key_released), self);
  gtk_widget_add_controller (widget, controller);

  controller = gtk_event_controller_focus_new ();
  g_signal_connect (controller, "enter", G_CALLBACK (on_focus_enter), self);
  g_signal_connect (controller, "leave", G_CALLBACK (on_focus_leave), self);
  gtk_widget_add_controller (widget, controller);

  controller = gtk_event_controller_motion_new ();
  g_signal_connect (controller, "enter", G_CALLBACK (on_motion), self);
  g_signal_connect (controller, "motion", G_CALLBACK (on_motion), self);
  gtk_widget_add_controller (widget, controller);

  controller = gtk_event_controller_legacy_new ();
  g_signal_connect (controller, "event", G_CALLBACK (on_button_event), self);
  gtk_widget_add_controller (widget, controller);

  controller = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
  g_signal_connect (controller, "scroll", G_CALLBACK (on_scroll), self);
  gtk_widget_add_controller (widget, controller);
}

GtkWidget *
pier_rdp_view_new (PierRdpSession *session)
{
  return g_object_new (PIER_TYPE_RDP_VIEW, "session", session, NULL);
}

PierRdpSession *
pier_rdp_view_get_session (PierRdpView *self)
{
  g_return_val_if_fail (PIER_IS_RDP_VIEW (self), NULL);
  return self->session;
}

void
pier_rdp_view_set_scale_to_fit (PierRdpView *self, gboolean scale_to_fit)
{
  g_return_if_fail (PIER_IS_RDP_VIEW (self));

  scale_to_fit = !!scale_to_fit;
  if (self->scale_to_fit == scale_to_fit)
    return;
  self->scale_to_fit = scale_to_fit;
  /* Back to 1:1: the remote desktop should take the view's size again. */
  gtk_widget_queue_allocate (GTK_WIDGET (self));
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_SCALE_TO_FIT]);
}

guint64
pier_rdp_view_get_frames_drawn (PierRdpView *self)
{
  g_return_val_if_fail (PIER_IS_RDP_VIEW (self), 0);
  return self->frames_drawn;
}
