/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-gui-window.h"

#include "pier-ui-task.h"
#include "pier-i18n.h"

struct _PierGuiWindow {
  AdwWindow parent_instance;

  GtkWidget *header_bar;
  AdwWindowTitle *window_title;
  GtkToggleButton *scale_button;
  GtkWidget *unfullscreen_button;
  /* Its child is the status page or the view, swapped: with a GtkStack and a GtkRevealer
   * in the way, frames cost a third more CPU under Xvfb and a tenth of the frame rate. */
  GtkOverlay *overlay;
  AdwStatusPage *status_page; /* owned */

  PierEngine *engine;
  char *container_id;
  char **app;
  PierGraphicalOptions options; /* its app points into ->app */
  GCancellable *cancellable;
  PierRdpView *view;
};

G_DEFINE_FINAL_TYPE (PierGuiWindow, pier_gui_window, ADW_TYPE_WINDOW)

enum { PROP_0, PROP_VIEW, N_PROPS };
static GParamSpec *props[N_PROPS];

static void
set_status (PierGuiWindow *self, const char *text)
{
  adw_window_title_set_subtitle (self->window_title, text);
}

static void
show_status_page (PierGuiWindow *self, const char *icon, const char *title,
                  const char *description, gboolean busy)
{
  GtkWidget *spinner = NULL;

  if (busy)
    {
      spinner = gtk_spinner_new ();
      gtk_spinner_start (GTK_SPINNER (spinner));
      gtk_widget_set_size_request (spinner, 32, 32);
    }
  adw_status_page_set_icon_name (self->status_page, icon);
  adw_status_page_set_title (self->status_page, title);
  adw_status_page_set_description (self->status_page, description);
  adw_status_page_set_child (self->status_page, spinner);
  if (self->view != NULL)
    {
      self->view = NULL;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_VIEW]);
    }
  gtk_overlay_set_child (self->overlay, GTK_WIDGET (self->status_page));
}

/* The session's state, in the header bar's words; the view draws the same over the desktop.
 * A view being replaced says "disconnected" as it goes: only the current one speaks. */
static void
session_changed (PierGuiWindow *self, GParamSpec *pspec, PierRdpSession *session)
{
  g_autofree char *text = NULL;

  if (self->view == NULL || pier_rdp_view_get_session (self->view) != session)
    return;

  switch (pier_rdp_session_get_state (session))
    {
    case PIER_RDP_SESSION_STATE_CONNECTING:
      text = g_strdup (_("Connecting…"));
      break;
    case PIER_RDP_SESSION_STATE_CONNECTED:
      text = g_strdup_printf (_("Connected at %d×%d"), pier_rdp_session_get_desktop_width (session),
                              pier_rdp_session_get_desktop_height (session));
      break;
    case PIER_RDP_SESSION_STATE_DISCONNECTED:
      text = g_strdup (_("Disconnected"));
      break;
    case PIER_RDP_SESSION_STATE_ERROR:
      text = g_strdup (pier_rdp_session_get_error (session));
      break;
    }
  set_status (self, text);
}

/* Pier's Weston and the app are children of this process; the session outlives the window,
 * so they are reaped whenever they end, window or not. */
static void
reap_child (GPid pid, int status, gpointer data)
{
  g_spawn_close_pid (pid);
}

static void
watch_child (pid_t pid)
{
  if (pid > 0)
    g_child_watch_add (pid, reap_child, NULL);
}

static void
show_session (PierGuiWindow *self, const PierGraphicalSession *info)
{
  g_autoptr (PierRdpSession) session = pier_rdp_session_new (info->socket_path, info->fingerprint);
  GtkWidget *area = GTK_WIDGET (self->overlay);
  int scale = gtk_widget_get_scale_factor (area);

  /* Weston takes any user name over TLS; an image's own server gets the same. */
  pier_rdp_session_set_credentials (session, "pier", "");
  self->view = PIER_RDP_VIEW (pier_rdp_view_new (session));
  pier_rdp_view_set_scale_to_fit (self->view, gtk_toggle_button_get_active (self->scale_button));
  g_signal_connect_object (session, "notify::state", G_CALLBACK (session_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (session, "notify::desktop-width", G_CALLBACK (session_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (session, "notify::desktop-height", G_CALLBACK (session_changed), self,
                           G_CONNECT_SWAPPED);
  gtk_overlay_set_child (self->overlay, GTK_WIDGET (self->view));
  /* The first connection asks for the size the view will have (Weston takes a size only as a
   * client connects, so asking later would cost a reconnection); scaled, for Weston's own. */
  if (!gtk_toggle_button_get_active (self->scale_button) && gtk_widget_get_width (area) > 0)
    pier_rdp_session_request_desktop_size (session, gtk_widget_get_width (area) * scale,
                                           gtk_widget_get_height (area) * scale);
  else
    pier_rdp_session_request_desktop_size (session, self->options.width, self->options.height);
  pier_rdp_session_connect (session);
  gtk_widget_grab_focus (GTK_WIDGET (self->view));
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_VIEW]);
}

/* What the worker thread needs to open the session; the options borrow from the window's
 * copy, which is taken anew here. */
typedef struct {
  PierEngine *engine;
  char *container_id;
  char **app;
  PierGraphicalOptions options;
} Open;

static void
open_free (Open *open)
{
  g_object_unref (open->engine);
  g_free (open->container_id);
  g_strfreev (open->app);
  g_free (open);
}

static gboolean
open_work (gpointer data, gpointer *result, GCancellable *cancellable, GError **error)
{
  Open *open = data;

  return (*result = pier_engine_open_graphical_session (open->engine, open->container_id,
                                                        &open->options, cancellable,
                                                        error)) != NULL;
}

static void
open_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PierGuiWindow *self = PIER_GUI_WINDOW (source);
  g_autoptr (GError) error = NULL;
  g_autoptr (PierGraphicalSession) info = NULL;

  if (!pier_ui_task_finish (result, (gpointer *) &info, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      set_status (self, _("Could not open the session"));
      show_status_page (self, "dialog-error-symbolic", _("Could Not Open the Graphical Session"),
                        error->message, FALSE);
      return;
    }
  if (info->server_started)
    watch_child (info->server_pid);
  watch_child (info->app_pid);
  /* Opening the window again joins what runs: the app is started once. */
  self->options.join_running = TRUE;
  show_session (self, info);
}

static void
start_open (PierGuiWindow *self)
{
  /* Only the id travels to the worker thread: the engine reads the container afresh. */
  Open *open = g_new0 (Open, 1);

  set_status (self, _("Starting…"));
  show_status_page (self, "video-display-symbolic", _("Starting the Graphical Session"),
                    _("The RDP server and the app start inside the container"), TRUE);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  open->engine = g_object_ref (self->engine);
  open->container_id = g_strdup (self->container_id);
  open->app = g_strdupv (self->app);
  open->options = self->options;
  open->options.app = (const char *const *) open->app;
  pier_ui_run_in_thread (self, self->cancellable, open_work, open, (GDestroyNotify) open_free,
                         (GDestroyNotify) pier_graphical_session_free, open_done, NULL);
}

static void
reconnect (PierGuiWindow *self)
{
  /* The engine's call is cheap when the server runs, and brings it back when it does not
   * (the container was restarted, Weston ended). */
  if (self->view == NULL
      || pier_rdp_session_get_state (pier_rdp_view_get_session (self->view))
             == PIER_RDP_SESSION_STATE_ERROR)
    start_open (self);
  else
    pier_rdp_session_reconnect (pier_rdp_view_get_session (self->view));
}

static void
scale_toggled (PierGuiWindow *self)
{
  if (self->view != NULL)
    pier_rdp_view_set_scale_to_fit (self->view, gtk_toggle_button_get_active (self->scale_button));
}

static void
toggle_fullscreen (PierGuiWindow *self)
{
  if (gtk_window_is_fullscreen (GTK_WINDOW (self)))
    gtk_window_unfullscreen (GTK_WINDOW (self));
  else
    gtk_window_fullscreen (GTK_WINDOW (self));
}

/* Fullscreen gives the whole screen to the desktop; a small button over it leads back, since
 * every key goes to the remote desktop. */
static void
fullscreen_changed (PierGuiWindow *self)
{
  gboolean fullscreen = gtk_window_is_fullscreen (GTK_WINDOW (self));

  gtk_widget_set_visible (self->header_bar, !fullscreen);
  gtk_widget_set_visible (self->unfullscreen_button, fullscreen);
}

static void
pier_gui_window_dispose (GObject *object)
{
  PierGuiWindow *self = PIER_GUI_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  /* Disposing the template disposes the view, which disconnects its session. */
  self->view = NULL;
  gtk_widget_dispose_template (GTK_WIDGET (self), PIER_TYPE_GUI_WINDOW);
  g_clear_object (&self->status_page);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->engine);
  G_OBJECT_CLASS (pier_gui_window_parent_class)->dispose (object);
}

static void
pier_gui_window_finalize (GObject *object)
{
  PierGuiWindow *self = PIER_GUI_WINDOW (object);

  g_free (self->container_id);
  g_strfreev (self->app);
  G_OBJECT_CLASS (pier_gui_window_parent_class)->finalize (object);
}

static void
pier_gui_window_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  PierGuiWindow *self = PIER_GUI_WINDOW (object);

  switch (prop_id)
    {
    case PROP_VIEW:
      g_value_set_object (value, self->view);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pier_gui_window_class_init (PierGuiWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pier_gui_window_dispose;
  object_class->finalize = pier_gui_window_finalize;
  object_class->get_property = pier_gui_window_get_property;
  props[PROP_VIEW] = g_param_spec_object ("view", NULL, NULL, PIER_TYPE_RDP_VIEW,
                                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS
                                              | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, props);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/pier/Pier/ui/pier-gui-window.ui");
  gtk_widget_class_bind_template_child (widget_class, PierGuiWindow, header_bar);
  gtk_widget_class_bind_template_child (widget_class, PierGuiWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, PierGuiWindow, scale_button);
  gtk_widget_class_bind_template_child (widget_class, PierGuiWindow, unfullscreen_button);
  gtk_widget_class_bind_template_child (widget_class, PierGuiWindow, overlay);
  gtk_widget_class_bind_template_callback (widget_class, reconnect);
  gtk_widget_class_bind_template_callback (widget_class, scale_toggled);
  gtk_widget_class_bind_template_callback (widget_class, toggle_fullscreen);
}

static void
pier_gui_window_init (PierGuiWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->status_page = g_object_ref_sink (ADW_STATUS_PAGE (adw_status_page_new ()));
  g_signal_connect (self, "notify::fullscreened", G_CALLBACK (fullscreen_changed), NULL);
}

GtkWidget *
pier_gui_window_new (PierEngine *engine, const char *container_id, const char *name,
                     const PierGraphicalOptions *options)
{
  PierGuiWindow *self = g_object_new (PIER_TYPE_GUI_WINDOW, NULL);
  g_autofree char *title = NULL;

  self->engine = g_object_ref (engine);
  self->container_id = g_strdup (container_id);
  if (options != NULL)
    self->options = *options;
  self->app = g_strdupv ((char **) self->options.app);
  self->options.app = (const char *const *) self->app;
  if (self->options.width <= 0 || self->options.height <= 0)
    {
      self->options.width = PIER_GRAPHICAL_DEFAULT_WIDTH;
      self->options.height = PIER_GRAPHICAL_DEFAULT_HEIGHT;
    }
  adw_window_title_set_title (self->window_title, name);
  title = g_strdup_printf (_("%s — Graphical Session"), name);
  gtk_window_set_title (GTK_WINDOW (self), title);
  if (pier_engine_has_capability (engine, PIER_ENGINE_CAP_GRAPHICAL_SESSIONS))
    start_open (self);
  else
    {
      set_status (self, _("Could not open the session"));
      show_status_page (self, "dialog-error-symbolic", _("Could Not Open the Graphical Session"),
                        _("This engine has no graphical sessions: they need Pier on this machine."),
                        FALSE);
    }
  return GTK_WIDGET (self);
}

GtkWindow *
pier_gui_window_open_for_container (GtkWindow *parent, PierEngine *engine,
                                    const char *container_id, const char *name)
{
  const PierGraphicalOptions options = { .join_running = TRUE };
  GtkWidget *window = pier_gui_window_new (engine, container_id, name, &options);

  if (parent != NULL)
    gtk_window_set_application (GTK_WINDOW (window), gtk_window_get_application (parent));
  gtk_window_present (GTK_WINDOW (window));
  return GTK_WINDOW (window);
}

PierRdpView *
pier_gui_window_get_view (PierGuiWindow *self)
{
  g_return_val_if_fail (PIER_IS_GUI_WINDOW (self), NULL);
  return self->view;
}
